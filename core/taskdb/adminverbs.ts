// The admin verbs by name, so the CLI can run them on its own connection or
// send them to the daemon (`POST /api/admin/:verb`) with the same semantics.

import {
  abandonJob,
  abandonTasks,
  backfill,
  deleteJob,
  deleteTasks,
  listJobs,
  listTasks,
  resetTasks,
  summarizeTasks,
} from './admin.js';
import type { TaskDb } from './taskdb.js';
import { TaskDbError } from './types.js';

export const ADMIN_VERBS = {
  listJobs,
  listTasks,
  summarizeTasks,
  abandonJob,
  deleteJob,
  abandonTasks,
  resetTasks,
  deleteTasks,
  backfill,
  getJob: (tdb: TaskDb, jobId: string) => ({ job: tdb.requireJob(jobId), tasks: tdb.getTasks(jobId), events: tdb.getEvents(jobId) }),
  getTask: (tdb: TaskDb, jobId: string, taskId: string) => tdb.requireTask(jobId, taskId),
};

export type AdminVerbs = typeof ADMIN_VERBS;
export type AdminVerb = keyof AdminVerbs;
type Rest<F> = F extends (tdb: TaskDb, ...args: infer A) => unknown ? A : never;

/** Runs a verb named over the wire; arguments of the wrong shape are an invalid_argument error. */
export function runAdminVerb(tdb: TaskDb, verb: string, args: unknown): unknown {
  if (!Object.hasOwn(ADMIN_VERBS, verb)) throw new TaskDbError('invalid_argument', `no admin verb ${JSON.stringify(verb)}`);
  if (!Array.isArray(args)) throw new TaskDbError('invalid_argument', 'args must be an array');
  const fn = ADMIN_VERBS[verb as AdminVerb] as (tdb: TaskDb, ...a: unknown[]) => unknown;
  try {
    return fn(tdb, ...args);
  } catch (err) {
    // Wrong-typed arguments surface as TypeError or RangeError (better-sqlite3's bindings among them).
    if (err instanceof TypeError || err instanceof RangeError) throw new TaskDbError('invalid_argument', `${verb}: ${err.message}`);
    throw err;
  }
}

/** Calls a verb, locally or through the daemon. */
export type AdminCall = <V extends AdminVerb>(verb: V, ...args: Rest<AdminVerbs[V]>) => Promise<ReturnType<AdminVerbs[V]>>;
