// A lock on a file that the kernel drops when its process dies: an EXCLUSIVE
// SQLite transaction held open on it (a POSIX record lock). Kept here with the
// rest of the SQL; core/config/datadirlock.ts builds the data directory's lock on it.

import Database from 'better-sqlite3';

export interface FileLock {
  release(): void;
}

/** Takes the lock on `path`, or answers 'busy' when another process holds it. */
export function lockFile(path: string): FileLock | 'busy' {
  const db = new Database(path, { timeout: 0 });
  try {
    db.exec('BEGIN EXCLUSIVE');
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code === 'SQLITE_BUSY') return 'busy';
    throw err;
  }
  let held = true;
  return {
    release() {
      if (!held) return;
      held = false;
      db.close(); // closing the connection ends the transaction and drops the lock
    },
  };
}
