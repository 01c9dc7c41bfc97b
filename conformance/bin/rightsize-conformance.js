#!/usr/bin/env node
// The `rightsize-conformance` command: runs the compiled CLI (see @rightsize/sdk's bin/run-built.js).
import { runBuilt } from '@rightsize/sdk/bin/run-built.js';

await runBuilt('rightsize-conformance', new URL('../dist/bin.js', import.meta.url));
