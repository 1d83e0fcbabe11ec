import type { Command } from 'commander';
import { dataDir } from '../config/paths.js';

/** The data directory for this invocation: --home, else $BENTO_HOME, else ~/.local-bento. */
export function resolveHome(program: Command): string {
  const opts = program.opts<{ home?: string }>();
  return opts.home ? dataDir({ BENTO_HOME: opts.home }) : dataDir();
}
