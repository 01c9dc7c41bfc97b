// Shared by the workspace's committed bin files (`rightsize`, `rightsize-broker`, `rightsize-conformance`). A bin
// file is committed, not generated, so that `npm ci` links it on a fresh clone before anything is built; it imports
// the package's compiled entry point and, when the build is missing, says how to make it (exit status 69).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Import the compiled `entry` (a file URL) of `command`, or exit 69 with advice when it is not built yet. */
export async function runBuilt(command, entry) {
  if (!existsSync(entry)) {
    process.stderr.write(
      `${command}: not built yet (${fileURLToPath(entry)} is missing).\n` +
        'Run `npm run build` at the repository root (after `npm ci`), then run this command again.\n',
    );
    process.exit(69);
  }
  return import(entry.href);
}
