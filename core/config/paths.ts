import { homedir } from 'node:os';
import { join, resolve } from 'node:path';

/** The data directory: `BENTO_HOME`, else `~/.local-bento`. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.BENTO_HOME?.trim();
  return fromEnv ? resolve(fromEnv) : join(homedir(), '.local-bento');
}

/** The taskdb file inside a data directory. */
export function taskDbPath(home: string): string {
  return join(home, 'taskdb.sqlite');
}
