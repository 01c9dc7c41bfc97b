/** The `rightsize-conformance` entry point (what the committed bin file runs): the CLI with the process's I/O. */
import { main } from './cli.js';

main(process.argv.slice(2), { out: (t) => console.log(t), err: (t) => console.error(t) }).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    console.error(`rightsize-conformance: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 2;
  },
);
