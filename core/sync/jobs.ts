// Pushes what a finished job produced (and the image and input it ran) to the bucket.

import type { Engine } from '../engine/engine.js';
import { TaskDef } from '../engine/taskdefs.js';
import type { S3Sync } from './s3sync.js';

export function syncFinishedJobs(engine: Engine, sync: S3Sync): () => void {
  const done = new Set<string>();
  const onChange = (jobId: string): void => {
    // Only jobs that ended: a running one is not finished, a deleted one is gone.
    const state = engine.db.getJobState(jobId);
    if (done.has(jobId) || (state !== 'done' && state !== 'failed')) return;
    done.add(jobId);
    const status = engine.status(jobId);
    const def = TaskDef.safeParse(engine.db.getTask(jobId, 'init')?.taskDef);
    if (def.success && def.data.kind === 'execute') {
      sync.push('elfs', def.data.elf);
      sync.push('inputs', def.data.input);
    }
    if (status.journalHex !== null) sync.push('journals', jobId);
    if (status.hasReceipt) sync.push('receipts', jobId);
  };
  engine.on('change', onChange);
  return () => engine.off('change', onChange);
}
