#!/usr/bin/env node
// The `rightsize` command: runs the compiled CLI (see run-built.js).
import { runBuilt } from './run-built.js';

await runBuilt('rightsize', new URL('../dist/cli/main.js', import.meta.url));
