// Operators' out-of-band verbs over the taskdb. Each mutating verb first
// computes the changes it would make (a plan) and applies them only when forced,
// in one transaction, with every change logged as an event by the admin actor.

import { z } from 'zod';
import type { TaskDb } from './taskdb.js';
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

export function listJobs(tdb: TaskDb, filter: JobFilter = {}): Job[] {
  const limit = filter.limit ?? 100;
  const offset = filter.offset ?? 0;
  return tdb.admin.jobIds(filter.state, limit, offset).map((id) => tdb.requireJob(id));
}

export function listTasks(tdb: TaskDb, filter: TaskFilter = {}): Task[] {
  if (filter.jobId) tdb.requireJob(filter.jobId);
  const { limit = 1000, ...selection } = filter;
  return tdb.admin.taskIds(selection, limit).map((r) => tdb.requireTask(r.jobId, r.taskId));
}

/** Task counts by state, overall and per worker type. */
export function summarizeTasks(
  tdb: TaskDb,
  filter: Omit<TaskFilter, 'state' | 'limit'> = {},
): { total: Record<TaskState, number>; byWorkerType: Record<string, Record<TaskState, number>> } {
  if (filter.jobId) tdb.requireJob(filter.jobId);
  const rows = tdb.admin.taskCounts(filter);
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

function run(tdb: TaskDb, opts: MutationOptions, changes: Change[], apply: () => void): AdminResult {
  if (opts.force && changes.length > 0) tdb.transaction({ actor: opts.actor, reason: opts.reason }, apply);
  return { applied: opts.force && changes.length > 0, changes };
}

function abandonMessage(reason?: string): string {
  return reason ? `${ABANDONED}: ${reason}` : ABANDONED;
}

/** Fails a job and every unfinished task of it, keeping the rows for audit. */
export function abandonJob(tdb: TaskDb, jobId: string, opts: MutationOptions): AdminResult {
  const job = tdb.requireJob(jobId);
  const open = tdb.getTasks(jobId).filter((t) => UNFINISHED.includes(t.state));
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
  return run(tdb, opts, changes, () => {
    tdb.admin.abandonOpenTasks(jobId, message, Date.now());
    tdb.failJob(jobId, message);
  });
}

export function deleteJob(tdb: TaskDb, jobId: string, opts: MutationOptions): AdminResult {
  const job = tdb.requireJob(jobId);
  const changes: Change[] = [{ target: 'job', jobId, action: 'delete', from: job.state }];
  return run(tdb, opts, changes, () => {
    tdb.deleteJob(jobId);
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
export function selectTasks(tdb: TaskDb, sel: TaskSelection): Task[] {
  if (sel.taskId !== undefined) {
    if (!sel.jobId) throw new TaskDbError('invalid_argument', 'a task is named by its job and task id');
    return [tdb.requireTask(sel.jobId, sel.taskId)];
  }
  if (!sel.allUnfinished && !sel.state && !sel.jobId) {
    throw new TaskDbError(
      'invalid_argument',
      'name a task (JOB TASK), or select with --all-unfinished, --state or --job',
    );
  }
  const tasks = listTasks(tdb, {
    ...(sel.jobId ? { jobId: sel.jobId } : {}),
    ...(sel.state ? { state: sel.state } : {}),
    ...(sel.workerType ? { workerType: sel.workerType } : {}),
    limit: Number.MAX_SAFE_INTEGER,
  });
  return sel.allUnfinished ? tasks.filter((t) => UNFINISHED.includes(t.state)) : tasks;
}

/** Fails the selected unfinished tasks (and so their jobs). */
export function abandonTasks(tdb: TaskDb, sel: TaskSelection, opts: MutationOptions): AdminResult {
  const tasks = selectTasks(tdb, sel);
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
  return run(tdb, opts, changes, () => {
    for (const t of open) tdb.updateTaskFailed(t.jobId, t.taskId, message);
  });
}

/**
 * Puts the selected tasks back to ready (pending while a prerequisite is not
 * done) with retries cleared. A failed job of a reset task runs again; ready
 * dependants of a reset done task wait for it again.
 */
export function resetTasks(tdb: TaskDb, sel: TaskSelection, opts: MutationOptions): AdminResult {
  const tasks = selectTasks(tdb, sel);
  const changes: Change[] = [];
  const revived = new Set<string>();
  for (const t of tasks) {
    const waiting = tdb.admin.unfinishedPrerequisites(t.jobId, t.taskId);
    changes.push({
      target: 'task',
      jobId: t.jobId,
      taskId: t.taskId,
      action: 'reset',
      from: t.state,
      to: waiting === 0 ? 'ready' : 'pending',
    });
    const job = tdb.requireJob(t.jobId);
    if (job.state !== 'running' && !revived.has(t.jobId)) {
      revived.add(t.jobId);
      changes.push({ target: 'job', jobId: t.jobId, action: 'reset', from: job.state, to: 'running' });
    }
  }
  return run(tdb, opts, changes, () => {
    const now = Date.now();
    for (const jobId of revived) tdb.admin.reviveJob(jobId);
    for (const t of tasks) {
      if (t.state === 'done') tdb.admin.holdDependants(t.jobId, t.taskId);
      tdb.admin.resetTask(t.jobId, t.taskId, tdb.admin.unfinishedPrerequisites(t.jobId, t.taskId), now);
    }
  });
}

/** Removes task rows; dependants stop waiting on them. Prefer abandon, which keeps the audit trail. */
export function deleteTasks(tdb: TaskDb, sel: TaskSelection, opts: MutationOptions): AdminResult {
  const tasks = selectTasks(tdb, sel);
  const changes: Change[] = tasks.map((t) => ({
    target: 'task',
    jobId: t.jobId,
    taskId: t.taskId,
    action: 'delete',
    from: t.state,
  }));
  return run(tdb, opts, changes, () => {
    for (const t of tasks) tdb.admin.deleteTask(t.jobId, t.taskId, t.state, opts.reason ?? null, opts.actor);
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

export function backfill(tdb: TaskDb, input: unknown, opts: MutationOptions): AdminResult {
  const parsed = Backfill.safeParse(input);
  if (!parsed.success) {
    throw new TaskDbError('invalid_argument', `invalid backfill: ${z.prettifyError(parsed.error)}`);
  }
  const b = parsed.data;
  const exists = tdb.getJob(b.jobId) !== undefined;
  if (b.job && exists) throw new TaskDbError('already_exists', `job ${b.jobId} already exists`);
  if (!b.job && !exists) throw new TaskDbError('not_found', `job ${b.jobId} does not exist (add "job" to create it)`);
  const changes: Change[] = [];
  if (b.job) changes.push({ target: 'job', jobId: b.jobId, action: 'create', to: 'running' });
  for (const t of b.tasks) changes.push({ target: 'task', jobId: b.jobId, taskId: t.taskId, action: 'create' });
  return run(tdb, opts, changes, () => {
    if (b.job) {
      const stream = streamFor(tdb, b.job.workerType, b.userId);
      tdb.createJob(stream, b.job.taskDef, b.job.maxRetries, b.job.timeoutSecs, b.userId, { jobId: b.jobId });
    }
    for (const t of b.tasks) {
      tdb.createTask(
        b.jobId,
        t.taskId,
        streamFor(tdb, t.workerType, b.userId),
        t.taskDef,
        t.prereqs,
        t.maxRetries,
        t.timeoutSecs,
      );
    }
  });
}

/** The user's stream for a worker type, created on first use. */
export function streamFor(tdb: TaskDb, workerType: string, userId: string): string {
  return tdb.admin.streamOfUser(workerType, userId) ?? tdb.createStream(workerType, 1, 1, userId);
}
