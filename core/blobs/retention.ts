// Work directories of finished jobs are removed after a retention period.
// A job that ends drops a zero-byte marker named by its end time, so the sweep
// lists markers in name (= time) order and stops at the first one still inside
// the window: it never looks at live jobs.

import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { checkId, isNotFound, writeAtomic } from './blobstore.js';

const MARKER = /^(\d{20})_(.+)$/;

export function markerName(endedAtMs: number, jobId: string): string {
  return `${String(Math.max(0, Math.floor(endedAtMs))).padStart(20, '0')}_${checkId(jobId, 'job id')}`;
}

/** Records that a job reached a terminal state at `endedAtMs`. */
export async function markTerminal(root: string, jobId: string, endedAtMs: number): Promise<void> {
  await writeAtomic(join(root, 'terminals', markerName(endedAtMs, jobId)), new Uint8Array(0));
}

/** Removes the work directories of jobs that ended before `now - retentionMs`; returns their ids. */
export async function sweepWorkDirs(root: string, retentionMs: number, now = Date.now()): Promise<string[]> {
  const dir = join(root, 'terminals');
  let names: string[];
  try {
    names = (await readdir(dir)).sort();
  } catch (err) {
    if (isNotFound(err)) return [];
    throw err;
  }
  const swept: string[] = [];
  for (const name of names) {
    const m = MARKER.exec(name);
    if (!m) continue;
    if (Number(m[1]) > now - retentionMs) break;
    const jobId = m[2] as string;
    await rm(join(root, 'work', checkId(jobId, 'job id')), { recursive: true, force: true });
    await rm(join(dir, name), { force: true });
    swept.push(jobId);
  }
  return swept;
}
