#!/usr/bin/env node
// The `rightsize` command. Committed (not generated) so that `npm ci` links the bin on a fresh clone before anything
// is built; it runs the compiled CLI and, when the build is missing, says how to make it.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  process.stderr.write(
    'rightsize: the SDK is not built yet (sdk/dist/cli/main.js is missing).\n' +
      'Run `npm run build` at the repository root (after `npm ci`), then run this command again.\n',
  );
  process.exit(69);
}
await import(main.href);
