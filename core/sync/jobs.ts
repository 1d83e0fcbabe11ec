// Pushes what a finished job produced (and the image and input it ran) to the bucket.

import type { Engine } from '../engine/engine.js';
import type { S3Sync } from './s3sync.js';

export function syncFinishedJobs(engine: Engine, sync: S3Sync): () => void {
  const done = new Set<string>();
  const onChange = (jobId: string): void => {
    // Only jobs that ended: a running one is not finished, a deleted one is gone.
    const state = engine.jobState(jobId);
    if (done.has(jobId) || state === undefined || state === 'running') return;
    done.add(jobId);
    const status = engine.status(jobId);
    const blobs = engine.blobsOf(jobId);
    if (blobs) {
      sync.push('elfs', blobs.elf);
      sync.push('inputs', blobs.input);
    }
    if (status.journalHex !== null) sync.push('journals', jobId);
    if (status.hasReceipt) sync.push('receipts', jobId);
  };
  engine.on('change', onChange);
  return () => engine.off('change', onChange);
}
