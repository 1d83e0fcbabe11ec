// Whether a folder is safe to watch. Anyone who can write to the folder can
// plant links, FIFOs or files for the daemon to read and overwrite, so a
// folder other users can write to is refused unless it is sticky (they can
// then neither replace nor remove our files), and in a sticky folder only
// files owned by the daemon's user are read.

import { stat } from 'node:fs/promises';

export class WatchFolderError extends Error {
  override name = 'WatchFolderError';
}

export interface WatchFolderCheck {
  /** Files must belong to this uid (set for a sticky folder others can write to). */
  owner?: number;
}

const STICKY = 0o1000;

export async function checkWatchFolder(dir: string): Promise<WatchFolderCheck> {
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) throw new WatchFolderError(`the watch folder ${dir} is not a directory`);
  const uid = process.getuid?.();
  if (uid === undefined) return {};
  if (st.uid !== uid && st.uid !== 0) {
    throw new WatchFolderError(
      `the watch folder ${dir} belongs to another user (uid ${st.uid}): watch a folder of your own`,
    );
  }
  const othersWrite = st.uid !== uid || (st.mode & 0o022) !== 0;
  if (!othersWrite) return {};
  if ((st.mode & STICKY) === 0) {
    throw new WatchFolderError(
      `the watch folder ${dir} can be written by other users (mode ${(st.mode & 0o7777).toString(8)}): ` +
        'make it private (chmod 700) or sticky (chmod +t), or watch another folder',
    );
  }
  return { owner: uid };
}
