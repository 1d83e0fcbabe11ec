// The taskdb's rows as both backends return them, and what they stand for.
// SQLite hands JSON columns back as text, PostgreSQL (jsonb) already parsed:
// `J` is that column type, and each backend passes its own reader of it.

import { ID_RULE, isValidId } from '../ids.js';
import type { WorkerRow } from './store.js';
import { type Json, type Stream, type Task, TaskDbError, type TaskEvent, type TaskState } from './types.js';

/** Reads a JSON column: JSON.parse for SQLite's text, the value itself for PostgreSQL's jsonb. */
export type JsonColumn<J> = (value: J) => Json;

export interface TaskRow<J> {
  job_id: string;
  task_id: string;
  stream_id: string;
  task_def: J;
  kind: string | null;
  segment: number | null;
  prerequisites: J;
  state: TaskState;
  created_at: number;
  started_at: number | null;
  updated_at: number | null;
  waiting_on: number;
  progress: number;
  retries: number;
  max_retries: number;
  timeout_secs: number;
  output: J | null;
  error: string | null;
}

export interface StreamRow {
  id: string;
  worker_type: string;
  reserved: number;
  be_mult: number;
  user_id: string;
  running: number;
  ready: number;
}

export interface EventRow {
  id: number;
  job_id: string;
  task_id: string | null;
  at: number;
  from_state: string | null;
  to_state: string;
  reason: string | null;
  actor: string;
}

export interface WorkerDbRow<J> {
  id: string;
  host: string;
  streams: J;
  slots: number;
  started_at: number;
  last_heartbeat: number;
}

/** A running task and the worker holding it. */
export interface HeldTaskRow {
  worker_id: string;
  job_id: string;
  task_id: string;
}

/** A running task the sweep takes back, and why: its deadline passed or its lease ended. */
export interface ExpiredRow {
  job_id: string;
  task_id: string;
  timeout_secs: number;
  worker_id: string | null;
  lease_ended: number | boolean;
}

/** The error of a task that was never run because its job failed first. */
export function cancelledBecause(jobError: string): string {
  return `cancelled: ${jobError}`;
}

/** Why the sweep takes a running task back. */
export function expiryReason(row: ExpiredRow): string {
  return row.lease_ended ? `lease of worker ${row.worker_id ?? '?'} ended` : `timed out after ${row.timeout_secs}s`;
}

/** The checks of a new task's arguments that need no database. */
export function validateTask(
  jobId: string,
  taskId: string,
  prereqs: readonly string[],
  maxRetries: number,
  timeoutSecs: number,
): void {
  for (const id of [jobId, taskId]) {
    if (!isValidId(id))
      throw new TaskDbError('invalid_argument', `invalid id ${JSON.stringify(id.slice(0, 80))}: ${ID_RULE}`);
  }
  if (!Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new TaskDbError('invalid_argument', `max_retries must be a non-negative integer, got ${maxRetries}`);
  }
  if (!Number.isInteger(timeoutSecs) || timeoutSecs <= 0) {
    throw new TaskDbError('invalid_argument', `timeout_secs must be a positive integer, got ${timeoutSecs}`);
  }
  const unique = new Set(prereqs);
  if (unique.size !== prereqs.length) {
    throw new TaskDbError('invalid_argument', `task ${taskId} lists a prerequisite twice`);
  }
  if (unique.has(taskId)) {
    throw new TaskDbError('cycle', `task ${taskId} of job ${jobId} cannot depend on itself`);
  }
}

/** The checks of a new stream's arguments. */
export function validateStream(reserved: number, beMult: number): void {
  if (!Number.isInteger(reserved) || reserved < 0) {
    throw new TaskDbError('invalid_argument', `reserved must be a non-negative integer, got ${reserved}`);
  }
  if (!(beMult > 0) || !Number.isFinite(beMult)) {
    throw new TaskDbError('invalid_argument', `be_mult must be a positive number, got ${beMult}`);
  }
}

/** A progress report as stored: within 0..1, 0 for a number that is none. */
export function clampProgress(progress: number): number {
  return Math.min(1, Math.max(0, Number.isFinite(progress) ? progress : 0));
}

export function toTask<J>(row: TaskRow<J>, json: JsonColumn<J>): Task {
  return {
    jobId: row.job_id,
    taskId: row.task_id,
    streamId: row.stream_id,
    taskDef: json(row.task_def),
    kind: row.kind,
    segment: row.segment,
    prerequisites: json(row.prerequisites) as string[],
    state: row.state,
    createdAt: row.created_at,
    startedAt: row.started_at,
    updatedAt: row.updated_at,
    waitingOn: row.waiting_on,
    progress: row.progress,
    retries: row.retries,
    maxRetries: row.max_retries,
    timeoutSecs: row.timeout_secs,
    output: row.output === null ? null : json(row.output),
    error: row.error,
  };
}

export function toStream(row: StreamRow): Stream {
  return {
    id: row.id,
    workerType: row.worker_type,
    reserved: row.reserved,
    beMult: row.be_mult,
    userId: row.user_id,
    running: row.running,
    ready: row.ready,
  };
}

export function toEvent(row: EventRow): TaskEvent {
  return {
    id: row.id,
    jobId: row.job_id,
    taskId: row.task_id,
    at: row.at,
    from: row.from_state,
    to: row.to_state,
    reason: row.reason,
    actor: row.actor,
  };
}

/** A list of names written by a process on another host: anything but names is left out. */
function names(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((x): x is string => typeof x === 'string') : [];
}

export function toWorkers<J>(rows: readonly WorkerDbRow<J>[], held: readonly HeldTaskRow[], json: JsonColumn<J>) {
  return rows.map((row): WorkerRow => ({
    id: row.id,
    host: row.host,
    streams: names(json(row.streams)),
    slots: row.slots,
    startedAt: row.started_at,
    lastHeartbeat: row.last_heartbeat,
    running: held.filter((r) => r.worker_id === row.id).map((r) => ({ jobId: r.job_id, taskId: r.task_id })),
  }));
}
