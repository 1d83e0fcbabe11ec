// The admin verbs as the engine's owners (the daemon and the CLI) run them: a
// backfill must hold task definitions the engine can run, checked before
// anything is stored, so a definition never names a path outside its job.

import { z } from 'zod';
import { type AdminResult, Backfill } from '../taskdb/admin.js';
import { runAdminVerb } from '../taskdb/adminverbs.js';
import type { TaskStore } from '../taskdb/store.js';
import { TaskDbError } from '../taskdb/types.js';
import { TaskDef, streamOf } from './taskdefs.js';

/** Refuses a backfill whose task definitions the engine would not run on their stream. */
export function checkBackfill(input: unknown): void {
  const parsed = Backfill.safeParse(input);
  if (!parsed.success) return; // the verb itself reports the malformed backfill
  const b = parsed.data;
  const defs = [...(b.job ? [{ taskId: 'init', ...b.job }] : []), ...b.tasks];
  for (const { taskId, workerType, taskDef } of defs) {
    const def = TaskDef.safeParse(taskDef);
    if (!def.success)
      throw new TaskDbError(
        'invalid_argument',
        `task ${taskId}: invalid task definition: ${z.prettifyError(def.error)}`,
      );
    if (streamOf(def.data.kind) !== workerType) {
      throw new TaskDbError(
        'invalid_argument',
        `task ${taskId}: a ${def.data.kind} task runs on the ${streamOf(def.data.kind)} stream, not ${workerType}`,
      );
    }
  }
}

/** Runs an admin verb by name, with the engine's checks on what it would store. */
export function runEngineAdminVerb(tdb: TaskStore, verb: string, args: unknown): Promise<unknown> {
  if (verb === 'backfill' && Array.isArray(args)) checkBackfill(args[0]);
  return runAdminVerb(tdb, verb, args);
}

/** The jobs a verb's result says it deleted (their files are then removed too). */
export function deletedJobs(result: unknown): string[] {
  const r = result as Partial<AdminResult> | undefined;
  if (!r?.applied || !Array.isArray(r.changes)) return [];
  return r.changes.filter((c) => c.target === 'job' && c.action === 'delete').map((c) => c.jobId);
}
