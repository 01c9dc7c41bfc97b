#!/usr/bin/env node
import { processIO } from './io.js';
/** The `rightsize` command line. */
import { run } from './run.js';

const controller = new AbortController();
process.once('SIGINT', () => controller.abort());
process.exitCode = await run(process.argv.slice(2), processIO(controller.signal));
