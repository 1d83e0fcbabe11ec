import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository (or installed package) root: this file is in core/config or dist/core/config. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    dir = dirname(dir);
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'native-bin'))) return dir;
  }
  throw new Error(`cannot find the Local Bento package root above ${fileURLToPath(import.meta.url)}`);
}

/** The data directory: `BENTO_HOME`, else `~/.local-bento`. */
export function dataDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.BENTO_HOME?.trim();
  return fromEnv ? resolve(fromEnv) : join(homedir(), '.local-bento');
}

/** The taskdb file inside a data directory. */
export function taskDbPath(home: string): string {
  return join(home, 'taskdb.sqlite');
}
