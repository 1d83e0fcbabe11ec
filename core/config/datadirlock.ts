// One process owns a data directory at a time (the daemon, or the CLI's
// in-process engine). The lock is a file lock on `datadir.lock` that the
// kernel drops when the process dies (core/taskdb/filelock.ts) — a SIGKILLed
// owner never leaves a stale lock behind.
// Who holds it is written beside it for the refusal message.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeAtomic } from '../blobs/blobstore.js';
import { type FileLock, lockFile } from '../taskdb/filelock.js';
import { DataDirError } from './datadir.js';

export type DataDirLock = FileLock;

interface Holder {
  pid: number;
  what: string;
}

const lockPath = (home: string): string => join(home, 'datadir.lock');
const holderPath = (home: string): string => join(home, 'datadir.lock.json');

/** Takes the data directory's lock, or fails naming the process that holds it. */
export async function lockDataDir(home: string, what: string): Promise<DataDirLock> {
  const lock = lockFile(lockPath(home));
  if (lock === 'busy') {
    const holder = readHolder(home);
    const who = holder ? `pid ${holder.pid} (${holder.what})` : 'another process';
    throw new DataDirError(`the data directory ${home} is in use by ${who}: one daemon or engine per data directory`);
  }
  await writeAtomic(holderPath(home), `${JSON.stringify({ pid: process.pid, what } satisfies Holder)}\n`);
  return lock;
}

function readHolder(home: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(holderPath(home), 'utf8')) as Holder;
  } catch {
    return undefined;
  }
}
