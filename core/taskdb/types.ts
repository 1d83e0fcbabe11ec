import { z } from 'zod';
import { ID_RULE, isValidId } from '../ids.js';

export const JOB_STATES = ['running', 'done', 'failed', 'stopped'] as const;
export const TASK_STATES = ['pending', 'ready', 'running', 'done', 'failed'] as const;

export const JobState = z.enum(JOB_STATES);

/** The error a job the user stopped carries. */
export const STOPPED_BY_USER = 'stopped by user';

/** The lists people see jobs in: by state, with stopped jobs apart from failed ones. */
export type JobListFilter = 'running' | 'succeeded' | 'failed' | 'stopped';
export const TaskState = z.enum(TASK_STATES);
export type JobState = z.infer<typeof JobState>;
export type TaskState = z.infer<typeof TaskState>;

/** Any JSON value: task definitions and outputs are opaque to the taskdb. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export const JsonValue: z.ZodType<Json> = z.lazy(() =>
  z.union([z.null(), z.boolean(), z.number(), z.string(), z.array(JsonValue), z.record(z.string(), JsonValue)]),
);

/** Names of jobs, tasks and streams: the blob store's id rule (core/ids.ts), so every id names a safe path. */
export const Identifier = z.string().refine(isValidId, ID_RULE);

export interface Stream {
  id: string;
  workerType: string;
  reserved: number;
  beMult: number;
  userId: string;
  running: number;
  ready: number;
}

export interface Job {
  id: string;
  state: JobState;
  error: string | null;
  userId: string;
  createdAt: number;
  endedAt: number | null;
  unfinished: number;
}

export interface Task {
  jobId: string;
  taskId: string;
  streamId: string;
  taskDef: Json;
  /** The definition's `kind` (execute, prove, join, finalize), if it names one. */
  kind: string | null;
  /** The segment a prove task proves. */
  segment: number | null;
  prerequisites: string[];
  state: TaskState;
  createdAt: number;
  startedAt: number | null;
  updatedAt: number | null;
  waitingOn: number;
  progress: number;
  retries: number;
  maxRetries: number;
  timeoutSecs: number;
  output: Json | null;
  error: string | null;
}

/** What `requestWork` hands a worker. */
export interface WorkItem {
  jobId: string;
  taskId: string;
  taskDef: Json;
  prereqs: string[];
  maxRetries: number;
}

export interface TaskEvent {
  id: number;
  jobId: string;
  taskId: string | null;
  at: number;
  from: string | null;
  to: string;
  reason: string | null;
  actor: string;
}

/** Who makes a change and why: recorded with every event it causes. */
export interface ChangeContext {
  actor?: string;
  reason?: string;
}

export type TaskDbErrorCode = 'not_found' | 'already_exists' | 'invalid_argument' | 'invalid_state' | 'cycle';

export class TaskDbError extends Error {
  constructor(
    readonly code: TaskDbErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'TaskDbError';
  }
}
