// One process owns a data directory at a time (the daemon, or the CLI's
// in-process engine). The lock is SQLite's own: an EXCLUSIVE transaction held
// open on `datadir.lock`, i.e. a POSIX record lock, which the kernel drops when
// the process dies — a SIGKILLed owner never leaves a stale lock behind.
// Who holds it is written beside it for the refusal message.

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { writeAtomic } from '../blobs/blobstore.js';
import { DataDirError } from './datadir.js';

export interface DataDirLock {
  release(): void;
}

interface Holder {
  pid: number;
  what: string;
}

const lockPath = (home: string): string => join(home, 'datadir.lock');
const holderPath = (home: string): string => join(home, 'datadir.lock.json');

/** Takes the data directory's lock, or fails naming the process that holds it. */
export async function lockDataDir(home: string, what: string): Promise<DataDirLock> {
  const db = new Database(lockPath(home), { timeout: 0 });
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code !== 'SQLITE_BUSY') throw err;
    const holder = readHolder(home);
    const who = holder ? `pid ${holder.pid} (${holder.what})` : 'another process';
    throw new DataDirError(`the data directory ${home} is in use by ${who}: one daemon or engine per data directory`);
  }
  await writeAtomic(holderPath(home), `${JSON.stringify({ pid: process.pid, what } satisfies Holder)}\n`);
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.close(); // closing the connection ends the transaction and drops the lock
    },
  };
}

function readHolder(home: string): Holder | undefined {
  try {
    return JSON.parse(readFileSync(holderPath(home), 'utf8')) as Holder;
  } catch {
    return undefined;
  }
}
