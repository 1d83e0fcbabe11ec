// Pushes what a finished job produced (and the image and input it ran) to the bucket.

import type { Engine } from '../engine/engine.js';
import type { S3Sync } from './s3sync.js';

export function syncFinishedJobs(engine: Engine, sync: S3Sync): () => void {
  const done = new Set<string>();
  const push = async (jobId: string): Promise<void> => {
    // Only jobs that ended: a running one is not finished, a deleted one is gone.
    const state = await engine.jobState(jobId);
    if (done.has(jobId) || state === undefined || state === 'running') return;
    done.add(jobId);
    const status = await engine.status(jobId);
    const blobs = await engine.blobsOf(jobId);
    if (blobs) {
      sync.push('elfs', blobs.elf);
      sync.push('inputs', blobs.input);
    }
    if (status.journalHex !== null) sync.push('journals', jobId);
    if (status.hasReceipt) sync.push('receipts', jobId);
  };
  const onChange = (jobId: string): void => {
    // A job deleted meanwhile is not pushed; nothing else can fail here but the taskdb, retried on the next change.
    push(jobId).catch(() => done.delete(jobId));
  };
  engine.on('change', onChange);
  return () => engine.off('change', onChange);
}
