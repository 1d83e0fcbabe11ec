// The data directory is private to its user: the folder 0700, its files 0600
// whatever the umask, and one owner at a time. Files SQLite creates (-wal,
// -shm) take the database file's mode, so the database is created 0600 first.

import { chmod, mkdir, open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { isNotFound } from '../blobs/blobstore.js';
import { taskDbPath } from './paths.js';

export class DataDirError extends Error {
  override name = 'DataDirError';
}

/** Files that may exist from an older, looser run and are tightened to 0600. */
const PRIVATE_FILES = ['taskdb.sqlite', 'taskdb.sqlite-wal', 'taskdb.sqlite-shm', 'daemon.json', 'settings.json'];

/** Creates (or tightens) `home`: refuses one owned by another user. */
export async function prepareDataDir(home: string): Promise<void> {
  await mkdir(home, { recursive: true, mode: 0o700 });
  const st = await stat(home);
  if (!st.isDirectory()) throw new DataDirError(`the data directory ${home} is not a directory`);
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) {
    throw new DataDirError(
      `the data directory ${home} belongs to uid ${st.uid}, not to you (uid ${uid}): choose another with BENTO_HOME or --home`,
    );
  }
  if ((st.mode & 0o777) !== 0o700) await chmod(home, 0o700);
  await Promise.all(
    PRIVATE_FILES.map((name) =>
      chmod(join(home, name), 0o600).catch((err: unknown) => {
        if (!isNotFound(err)) throw err;
      }),
    ),
  );
  // Created 0600 before SQLite opens them, so their -wal, -shm and journal files are 0600 too. An
  // existing file is never opened here: closing any descriptor of a file drops every POSIX lock this
  // process holds on it (SQLite's, and the data directory's lock).
  for (const path of [taskDbPath(home), join(home, 'datadir.lock')]) {
    await open(path, 'wx', 0o600).then(
      (fh) => fh.close(),
      (err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      },
    );
  }
}
