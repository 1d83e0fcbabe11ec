import { Command, CommanderError } from 'commander';
import { registerAdmin } from './admin.js';
import { registerCluster } from './cluster.js';
import { registerGuest } from './guest.js';
import { registerProve } from './prove.js';
import { registerServe } from './serve.js';

export function buildProgram(): Command {
  const program = new Command('bento')
    .description('Local Bento: prove RISC-V programs on this machine')
    .option('--home <dir>', 'data directory (default: $BENTO_HOME or ~/.local-bento)')
    .showHelpAfterError()
    .exitOverride();
  registerProve(program);
  registerServe(program);
  registerAdmin(program);
  registerGuest(program);
  registerCluster(program);
  return program;
}

/** Runs the CLI; resolves to the process exit code. Errors are printed, never thrown. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Commander has already printed its message (or the help text).
      return err.exitCode;
    }
    reportError(err);
    return 1;
  }
}

/** One line for people; the stack only when BENTO_DEBUG is set. */
export function reportError(err: unknown): void {
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`error: ${message}\n`);
  if (process.env.BENTO_DEBUG && err instanceof Error && err.stack) process.stderr.write(`${err.stack}\n`);
}
