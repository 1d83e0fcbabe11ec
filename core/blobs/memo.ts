// A task delivered twice (at-least-once delivery) finds what its first run
// stored instead of redoing expensive work. Entries live in the job's work
// directory, so they go when the job's work is swept.

import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type BlobSource, type BlobStore, type PutResult, isNotFound, writeAtomic } from './blobstore.js';

export interface Memo {
  /** Where the entry for `key` lives (whether or not it exists yet). */
  path(key: string): string;
  get(key: string): Promise<Buffer | undefined>;
  put(key: string, data: BlobSource): Promise<PutResult>;
}

/** Keys are hashed into path segments, so any string is a safe key. */
export function memoPath(workDir: string, taskId: string, key: string): string {
  const digest = createHash('sha256').update(taskId).update('\0').update(key).digest('hex');
  return join(workDir, 'memo', digest.slice(0, 2), digest.slice(2));
}

/** The memo of one task of a job, kept in the job's work directory. */
export function memo(store: BlobStore, jobId: string, taskId: string): Memo {
  const workDir = store.workDir(jobId);
  const path = (key: string): string => memoPath(workDir, taskId, key);
  return {
    path,
    async get(key) {
      try {
        return await readFile(path(key));
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    put(key, data) {
      return writeAtomic(path(key), data);
    },
  };
}
