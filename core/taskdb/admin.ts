// Operators' out-of-band verbs over the taskdb, either backend. Each mutating
// verb first computes the changes it would make (a plan) and applies them only
// when forced, in one transaction, with every change logged as an event by the
// admin actor.

import { z } from 'zod';
import type { TaskStore } from './store.js';
import {
  Identifier,
  type Job,
  type JobState,
  JsonValue,
  type Task,
  TaskDbError,
  type TaskState,
  TASK_STATES,
} from './types.js';

export const ABANDONED = 'abandoned by admin';

export interface Change {
  target: 'job' | 'task';
  jobId: string;
  taskId?: string;
  action: 'abandon' | 'reset' | 'delete' | 'create';
  from?: string;
  to?: string;
}

export interface AdminResult {
  applied: boolean;
  changes: Change[];
}

export interface TaskFilter {
  jobId?: string;
  state?: TaskState;
  workerType?: string;
  limit?: number;
}

export interface JobFilter {
  state?: JobState;
  limit?: number;
  offset?: number;
}

export interface MutationOptions {
  force: boolean;
  actor: string;
  reason?: string;
}

const UNFINISHED: readonly TaskState[] = ['pending', 'ready', 'running'];

export async function listJobs(tdb: TaskStore, filter: JobFilter = {}): Promise<Job[]> {
  const limit = filter.limit ?? 100;
  const offset = filter.offset ?? 0;
  const ids = await tdb.admin.jobIds(filter.state, limit, offset);
  return Promise.all(ids.map((id) => tdb.requireJob(id)));
}

export async function listTasks(tdb: TaskStore, filter: TaskFilter = {}): Promise<Task[]> {
  if (filter.jobId) await tdb.requireJob(filter.jobId);
  const { limit = 1000, ...selection } = filter;
  const ids = await tdb.admin.taskIds(selection, limit);
  return Promise.all(ids.map((r) => tdb.requireTask(r.jobId, r.taskId)));
}

/** Task counts by state, overall and per worker type. */
export async function summarizeTasks(
  tdb: TaskStore,
  filter: Omit<TaskFilter, 'state' | 'limit'> = {},
): Promise<{ total: Record<TaskState, number>; byWorkerType: Record<string, Record<TaskState, number>> }> {
  if (filter.jobId) await tdb.requireJob(filter.jobId);
  const rows = await tdb.admin.taskCounts(filter);
  const empty = (): Record<TaskState, number> =>
    Object.fromEntries(TASK_STATES.map((s) => [s, 0])) as Record<TaskState, number>;
  const total = empty();
  const byWorkerType: Record<string, Record<TaskState, number>> = {};
  for (const r of rows) {
    total[r.state] += r.n;
    (byWorkerType[r.workerType] ??= empty())[r.state] += r.n;
  }
  return { total, byWorkerType };
}

async function run(
  tdb: TaskStore,
  opts: MutationOptions,
  changes: Change[],
  apply: (tx: TaskStore) => Promise<void>,
): Promise<AdminResult> {
  if (opts.force && changes.length > 0) await tdb.transaction({ actor: opts.actor, reason: opts.reason }, apply);
  return { applied: opts.force && changes.length > 0, changes };
}

function abandonMessage(reason?: string): string {
  return reason ? `${ABANDONED}: ${reason}` : ABANDONED;
}

/** Fails a job and every unfinished task of it, keeping the rows for audit. */
export async function abandonJob(tdb: TaskStore, jobId: string, opts: MutationOptions): Promise<AdminResult> {
  const job = await tdb.requireJob(jobId);
  const open = (await tdb.getTasks(jobId)).filter((t) => UNFINISHED.includes(t.state));
  const changes: Change[] = open.map((t) => ({
    target: 'task',
    jobId,
    taskId: t.taskId,
    action: 'abandon',
    from: t.state,
    to: 'failed',
  }));
  if (job.state === 'running')
    changes.unshift({ target: 'job', jobId, action: 'abandon', from: job.state, to: 'failed' });
  const message = abandonMessage(opts.reason);
  return run(tdb, opts, changes, async (tx) => {
    await tx.admin.abandonOpenTasks(jobId, message, Date.now());
    await tx.failJob(jobId, message);
  });
}

export async function deleteJob(tdb: TaskStore, jobId: string, opts: MutationOptions): Promise<AdminResult> {
  const job = await tdb.requireJob(jobId);
  const changes: Change[] = [{ target: 'job', jobId, action: 'delete', from: job.state }];
  return run(tdb, opts, changes, async (tx) => {
    await tx.deleteJob(jobId);
  });
}

export interface TaskSelection {
  jobId?: string;
  taskId?: string;
  /** Every unfinished task matching the other filters. */
  allUnfinished?: boolean;
  state?: TaskState;
  workerType?: string;
}

/** Resolves a selection to tasks; a named task that does not exist is an error. */
export async function selectTasks(tdb: TaskStore, sel: TaskSelection): Promise<Task[]> {
  if (sel.taskId !== undefined) {
    if (!sel.jobId) throw new TaskDbError('invalid_argument', 'a task is named by its job and task id');
    return [await tdb.requireTask(sel.jobId, sel.taskId)];
  }
  if (!sel.allUnfinished && !sel.state && !sel.jobId) {
    throw new TaskDbError(
      'invalid_argument',
      'name a task (JOB TASK), or select with --all-unfinished, --state or --job',
    );
  }
  const tasks = await listTasks(tdb, {
    ...(sel.jobId ? { jobId: sel.jobId } : {}),
    ...(sel.state ? { state: sel.state } : {}),
    ...(sel.workerType ? { workerType: sel.workerType } : {}),
    limit: Number.MAX_SAFE_INTEGER,
  });
  return sel.allUnfinished ? tasks.filter((t) => UNFINISHED.includes(t.state)) : tasks;
}

/** Fails the selected unfinished tasks (and so their jobs). */
export async function abandonTasks(tdb: TaskStore, sel: TaskSelection, opts: MutationOptions): Promise<AdminResult> {
  const tasks = await selectTasks(tdb, sel);
  const open = tasks.filter((t) => UNFINISHED.includes(t.state));
  if (sel.taskId !== undefined && open.length === 0) {
    throw new TaskDbError(
      'invalid_state',
      `task ${sel.taskId} of job ${sel.jobId} is ${tasks[0]?.state}: only unfinished tasks can be abandoned`,
    );
  }
  const changes: Change[] = open.map((t) => ({
    target: 'task',
    jobId: t.jobId,
    taskId: t.taskId,
    action: 'abandon',
    from: t.state,
    to: 'failed',
  }));
  const message = abandonMessage(opts.reason);
  return run(tdb, opts, changes, async (tx) => {
    for (const t of open) await tx.updateTaskFailed(t.jobId, t.taskId, message);
  });
}

/**
 * Puts the selected tasks back to ready (pending while a prerequisite is not
 * done) with retries cleared. A failed job of a reset task runs again; ready
 * dependants of a reset done task wait for it again.
 */
export async function resetTasks(tdb: TaskStore, sel: TaskSelection, opts: MutationOptions): Promise<AdminResult> {
  const tasks = await selectTasks(tdb, sel);
  const changes: Change[] = [];
  // Each job's state as planned from (read once a job); those not running are revived.
  const jobStates = new Map<string, JobState>();
  for (const t of tasks) {
    const waiting = await tdb.admin.unfinishedPrerequisites(t.jobId, t.taskId);
    changes.push({
      target: 'task',
      jobId: t.jobId,
      taskId: t.taskId,
      action: 'reset',
      from: t.state,
      to: waiting === 0 ? 'ready' : 'pending',
    });
    if (jobStates.has(t.jobId)) continue;
    const { state } = await tdb.requireJob(t.jobId);
    jobStates.set(t.jobId, state);
    if (state !== 'running')
      changes.push({ target: 'job', jobId: t.jobId, action: 'reset', from: state, to: 'running' });
  }
  return run(tdb, opts, changes, async (tx) => {
    // Planned from what was read before: a job or task that moved since (another reset, a claim, a failure) stops the whole change.
    for (const [jobId, state] of jobStates)
      if ((await tx.admin.lockJob(jobId)) !== state)
        throw new TaskDbError(
          'invalid_state',
          `job ${jobId} changed while its tasks were being reset: nothing was changed, run it again`,
        );
    for (const t of tasks)
      if ((await tx.admin.lockTask(t.jobId, t.taskId)) !== t.state)
        throw new TaskDbError(
          'invalid_state',
          `task ${t.taskId} of job ${t.jobId} changed while it was being reset: nothing was changed, run it again`,
        );
    const now = Date.now();
    for (const [jobId, state] of jobStates) if (state !== 'running') await tx.admin.reviveJob(jobId);
    for (const t of tasks) {
      if (t.state === 'done') await tx.admin.holdDependants(t.jobId, t.taskId);
      await tx.admin.resetTask(t.jobId, t.taskId, await tx.admin.unfinishedPrerequisites(t.jobId, t.taskId), now);
    }
  });
}

/** Removes task rows; dependants stop waiting on them. Prefer abandon, which keeps the audit trail. */
export async function deleteTasks(tdb: TaskStore, sel: TaskSelection, opts: MutationOptions): Promise<AdminResult> {
  const tasks = await selectTasks(tdb, sel);
  const changes: Change[] = tasks.map((t) => ({
    target: 'task',
    jobId: t.jobId,
    taskId: t.taskId,
    action: 'delete',
    from: t.state,
  }));
  return run(tdb, opts, changes, async (tx) => {
    for (const t of tasks) await tx.admin.deleteTask(t.jobId, t.taskId, t.state, opts.reason ?? null, opts.actor);
  });
}

const BackfillTask = z.object({
  taskId: Identifier,
  workerType: Identifier,
  taskDef: JsonValue,
  prereqs: z.array(Identifier).default([]),
  maxRetries: z.number().int().min(0).default(0),
  timeoutSecs: z.number().int().positive().default(3600),
});

/** A job (with its init task) and/or tasks to insert from outside. */
export const Backfill = z
  .object({
    jobId: Identifier,
    userId: Identifier.default('local'),
    job: z
      .object({
        workerType: Identifier,
        taskDef: JsonValue,
        maxRetries: z.number().int().min(0).default(0),
        timeoutSecs: z.number().int().positive().default(3600),
      })
      .optional(),
    tasks: z.array(BackfillTask).default([]),
  })
  .refine((b) => b.job !== undefined || b.tasks.length > 0, 'a backfill names a job, tasks, or both');
export type Backfill = z.input<typeof Backfill>;

export async function backfill(tdb: TaskStore, input: unknown, opts: MutationOptions): Promise<AdminResult> {
  const parsed = Backfill.safeParse(input);
  if (!parsed.success) {
    throw new TaskDbError('invalid_argument', `invalid backfill: ${z.prettifyError(parsed.error)}`);
  }
  const b = parsed.data;
  const exists = (await tdb.getJob(b.jobId)) !== undefined;
  if (b.job && exists) throw new TaskDbError('already_exists', `job ${b.jobId} already exists`);
  if (!b.job && !exists) throw new TaskDbError('not_found', `job ${b.jobId} does not exist (add "job" to create it)`);
  const changes: Change[] = [];
  if (b.job) changes.push({ target: 'job', jobId: b.jobId, action: 'create', to: 'running' });
  for (const t of b.tasks) changes.push({ target: 'task', jobId: b.jobId, taskId: t.taskId, action: 'create' });
  return run(tdb, opts, changes, async (tx) => {
    if (b.job) {
      const stream = await streamFor(tx, b.job.workerType, b.userId);
      await tx.createJob(stream, b.job.taskDef, b.job.maxRetries, b.job.timeoutSecs, b.userId, { jobId: b.jobId });
    }
    for (const t of b.tasks) {
      await tx.createTask(
        b.jobId,
        t.taskId,
        await streamFor(tx, t.workerType, b.userId),
        t.taskDef,
        t.prereqs,
        t.maxRetries,
        t.timeoutSecs,
      );
    }
  });
}

/** The user's stream for a worker type, created on first use. */
export async function streamFor(tdb: TaskStore, workerType: string, userId: string): Promise<string> {
  return (await tdb.admin.streamOfUser(workerType, userId)) ?? tdb.createStream(workerType, 1, 1, userId);
}
