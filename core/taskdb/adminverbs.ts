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
import { z } from 'zod';
import type { TaskStore } from './store.js';
import { JobState, TaskDbError, TaskState } from './types.js';

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
  getJob: async (tdb: TaskStore, jobId: string) => ({
    job: await tdb.requireJob(jobId),
    tasks: await tdb.getTasks(jobId),
    events: await tdb.getEvents(jobId),
  }),
  getTask: (tdb: TaskStore, jobId: string, taskId: string) => tdb.requireTask(jobId, taskId),
};

const Name = z.string().min(1).max(1000);
const Count = z.number().int().min(0).max(1_000_000_000);
const TaskFilterArg = z.object({
  jobId: Name.optional(),
  state: TaskState.optional(),
  workerType: Name.optional(),
  limit: Count.optional(),
});
const Selection = TaskFilterArg.omit({ limit: true }).extend({
  taskId: Name.optional(),
  allUnfinished: z.boolean().optional(),
});
const Mutation = z.object({
  force: z.boolean(),
  actor: Name.default('api'),
  reason: z.string().max(10_000).optional(),
});

/** The arguments each verb takes over the wire, checked before it runs (a wrong type is a 400, never a SQLite error). */
const ARGS: Record<keyof typeof ADMIN_VERBS, z.ZodType<unknown[]>> = {
  listJobs: z.tuple([
    z.object({ state: JobState.optional(), limit: Count.optional(), offset: Count.optional() }).optional(),
  ]),
  listTasks: z.tuple([TaskFilterArg.optional()]),
  summarizeTasks: z.tuple([TaskFilterArg.omit({ state: true, limit: true }).optional()]),
  abandonJob: z.tuple([Name, Mutation]),
  deleteJob: z.tuple([Name, Mutation]),
  abandonTasks: z.tuple([Selection, Mutation]),
  resetTasks: z.tuple([Selection, Mutation]),
  deleteTasks: z.tuple([Selection, Mutation]),
  backfill: z.tuple([z.unknown(), Mutation]),
  getJob: z.tuple([Name]),
  getTask: z.tuple([Name, Name]),
};

export type AdminVerbs = typeof ADMIN_VERBS;
export type AdminVerb = keyof AdminVerbs;
type Rest<F> = F extends (tdb: TaskStore, ...args: infer A) => unknown ? A : never;

/** Runs a verb named over the wire; arguments of the wrong shape are an invalid_argument error. */
export async function runAdminVerb(tdb: TaskStore, verb: string, args: unknown): Promise<unknown> {
  if (!Object.hasOwn(ADMIN_VERBS, verb))
    throw new TaskDbError('invalid_argument', `no admin verb ${JSON.stringify(verb)}`);
  if (!Array.isArray(args)) throw new TaskDbError('invalid_argument', 'args must be an array');
  const parsed = ARGS[verb as AdminVerb].safeParse(args);
  if (!parsed.success) throw new TaskDbError('invalid_argument', `${verb}: ${z.prettifyError(parsed.error)}`);
  const fn = ADMIN_VERBS[verb as AdminVerb] as (tdb: TaskStore, ...a: unknown[]) => Promise<unknown>;
  try {
    return await fn(tdb, ...parsed.data);
  } catch (err) {
    // Wrong-typed arguments surface as TypeError or RangeError (the SQLite bindings among them).
    if (err instanceof TypeError || err instanceof RangeError)
      throw new TaskDbError('invalid_argument', `${verb}: ${err.message}`);
    throw err;
  }
}

/** Calls a verb, locally or through the daemon. */
export type AdminCall = <V extends AdminVerb>(
  verb: V,
  ...args: Rest<AdminVerbs[V]>
) => Promise<Awaited<ReturnType<AdminVerbs[V]>>>;
