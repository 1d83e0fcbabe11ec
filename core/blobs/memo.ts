// A task delivered twice (at-least-once delivery), on this host or another,
// finds what its first run stored instead of redoing expensive work. Entries
// are files of the job's work (TaskFiles), so they go when the job's work does.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { type BlobSource, type PutResult, writeAtomic } from './blobstore.js';
import type { TaskFiles } from './taskfiles.js';

export interface Memo {
  /** The work path of the entry for `key` (whether or not it exists yet). */
  path(key: string): string;
  get(key: string): Promise<Buffer | undefined>;
  put(key: string, data: BlobSource): Promise<PutResult>;
}

/** Keys are hashed into path segments, so any string is a safe key. */
export function memoPath(taskId: string, key: string): string {
  const digest = createHash('sha256').update(taskId).update('\0').update(key).digest('hex');
  return `memo/${digest.slice(0, 2)}/${digest.slice(2)}`;
}

/** The memo of one task of a job, kept with the job's work. */
export function memo(files: TaskFiles, jobId: string, taskId: string): Memo {
  const path = (key: string): string => memoPath(taskId, key);
  const ref = (key: string) => ({ job: jobId, work: path(key) });
  return {
    path,
    async get(key) {
      if (!(await files.exists(ref(key)))) return undefined;
      return readFile(await files.fetch(ref(key)));
    },
    async put(key, data) {
      const result = await writeAtomic(await files.local(ref(key)), data);
      await files.publish(ref(key));
      return result;
    },
  };
}
