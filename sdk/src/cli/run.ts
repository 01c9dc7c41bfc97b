/**
 * Dispatches `rightsize <command>` to its handler; turns usage errors into exit status 2, a CommandFailure into its
 * own status, and anything unexpected into 70.
 */

import { DEMO_HELP, demoCommand } from './demo-command.js';
import { CommandFailure, type CommandIO, EXIT, EXIT_HELP, UsageError } from './io.js';
import { VALIDATE_HELP, validateCommand } from './validate-command.js';

export const HELP = `Usage: rightsize <command> [options]

Commands:
  validate <file|url|->   validate an A2A v1.0 JSON document (agent card, message, task, request, ...)
  demo                    route tasks across a simulated fleet of A2A agents on loopback, end to end

Run "rightsize <command> --help" for a command's options.

${EXIT_HELP}`;

const COMMANDS: Record<string, { run: (argv: string[], io: CommandIO) => Promise<number>; help: string }> = {
  validate: { run: validateCommand, help: VALIDATE_HELP },
  demo: { run: demoCommand, help: DEMO_HELP },
};

export async function run(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(HELP);
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err(`rightsize: unknown command "${name}"\n\n${HELP}`);
    return EXIT.usage;
  }
  try {
    return await command.run(rest, io);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.err(`rightsize ${name}: ${message}`);
    if (error instanceof CommandFailure) return error.exitStatus;
    if (error instanceof UsageError || (error instanceof TypeError && 'code' in error)) {
      io.err(`\n${command.help}`);
      return EXIT.usage;
    }
    return EXIT.internal;
  }
}
