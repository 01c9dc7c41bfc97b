#!/usr/bin/env node
// The `rightsize-broker` command: runs the compiled broker CLI (see @rightsize/sdk's bin/run-built.js).
import { runBuilt } from '@rightsize/sdk/bin/run-built.js';

await runBuilt('rightsize-broker', new URL('../dist/main.js', import.meta.url));
