// The taskdb's verbs as one asynchronous interface with two backends: SQLite
// (sqlitestore.ts, the desktop's file) and PostgreSQL (pg/pgtaskdb.ts, a
// cluster's shared database). Both keep the same state machine: the same
// states, transitions, stream priority rule, events and answers.

import type { TaskRowFilter } from './adminqueries.js';
import type { JobSummary } from './jobsummary.js';
import type {
  ChangeContext,
  Job,
  JobListFilter,
  JobState,
  Json,
  Stream,
  Task,
  TaskEvent,
  TaskState,
  WorkItem,
} from './types.js';

/** A claim's lease: the worker that holds the task, and until when it may go unheard from. */
export interface Lease {
  workerId: string;
  ms: number;
}

/** A worker process as it announces itself. */
export interface WorkerInfo {
  id: string;
  host: string;
  streams: string[];
  slots: number;
}

/** A connected worker, with what it runs now. */
export interface WorkerRow extends WorkerInfo {
  startedAt: number;
  lastHeartbeat: number;
  running: { jobId: string; taskId: string }[];
}

/** What the state machine's bookkeeping must always agree with; each list is empty on a consistent taskdb. */
export interface Consistency {
  /** Streams whose ready or running counters differ from their tasks. */
  streamCounters: string[];
  /** Jobs whose unfinished count differs from their tasks, or whose done state does. */
  jobCounters: string[];
  /** Pending or ready tasks of a job that has ended. */
  leakingTasks: string[];
  /** Pending or ready tasks whose waiting_on differs from their unfinished prerequisites. */
  badWaits: string[];
}

/** The admin verbs' named queries on either backend; within a transaction they are part of it. */
export interface AdminQueryStore {
  /** Job ids, newest first, optionally in one state. */
  jobIds(state: JobState | undefined, limit: number, offset: number): Promise<string[]>;
  /** The tasks a filter selects, oldest job first, as (job, task) ids. */
  taskIds(filter: TaskRowFilter, limit: number): Promise<{ jobId: string; taskId: string }[]>;
  /** How many selected tasks there are, by worker type and state. */
  taskCounts(filter: TaskRowFilter): Promise<{ workerType: string; state: TaskState; n: number }[]>;
  /** Fails every unfinished task of a job with `message`. */
  abandonOpenTasks(jobId: string, message: string, now: number): Promise<void>;
  /** A failed or finished job runs again. */
  reviveJob(jobId: string): Promise<void>;
  /** A task back to the start: ready, or pending on `waiting` prerequisites. */
  resetTask(jobId: string, taskId: string, waiting: number, now: number): Promise<void>;
  /** A job's state, its row held by the transaction until it ends (undefined: no such job). */
  lockJob(jobId: string): Promise<JobState | undefined>;
  /** A task's state, its row held by the transaction until it ends (undefined: no such task). */
  lockTask(jobId: string, taskId: string): Promise<TaskState | undefined>;
  /** Tasks waiting on a done task wait again (it is being reset). */
  holdDependants(jobId: string, taskId: string): Promise<void>;
  unfinishedPrerequisites(jobId: string, taskId: string): Promise<number>;
  /** Removes a task row, recording the deletion in the audit trail. */
  deleteTask(jobId: string, taskId: string, from: TaskState, reason: string | null, actor: string): Promise<void>;
  /** The first stream of a user for a worker type, if there is one. */
  streamOfUser(workerType: string, userId: string): Promise<string | undefined>;
}

export interface TaskStore {
  /** Which engine this is, for messages and benchmarks. */
  readonly backend: 'sqlite' | 'postgres';
  createStream(workerType: string, reserved: number, beMult: number, userId: string): Promise<string>;
  /**
   * The user's stream of each worker type, created (reserved 1, multiplier 1)
   * where there is none; processes doing this at once all get the same ones.
   */
  ensureStreams(workerTypes: readonly string[], userId: string): Promise<Record<string, string>>;
  createJob(
    streamId: string,
    taskDef: Json,
    maxRetries: number,
    timeoutSecs: number,
    userId: string,
    ctx?: ChangeContext & { jobId?: string },
  ): Promise<string>;
  createTask(
    jobId: string,
    taskId: string,
    streamId: string,
    taskDef: Json,
    prereqs: readonly string[],
    maxRetries: number,
    timeoutSecs: number,
    ctx?: ChangeContext,
  ): Promise<void>;
  /** Claims the best ready task of a worker type (see TaskDb.requestWork), held under a lease when one is given. */
  requestWork(workerType: string, ctx?: ChangeContext, lease?: Lease): Promise<WorkItem | undefined>;
  updateTaskDone(jobId: string, taskId: string, output: Json, ctx?: ChangeContext): Promise<boolean>;
  updateTaskFailed(jobId: string, taskId: string, error: string, ctx?: ChangeContext): Promise<boolean>;
  updateTaskRetry(jobId: string, taskId: string, error?: string, ctx?: ChangeContext): Promise<boolean>;
  updateTaskProgress(jobId: string, taskId: string, progress: number): Promise<boolean>;
  /** Retries (or fails) running tasks past their deadline or their lease; returns how many. */
  requeueTimedOut(limit?: number, ctx?: ChangeContext): Promise<number>;
  requeueAllRunning(ctx?: ChangeContext): Promise<number>;
  failJob(jobId: string, error: string, ctx?: ChangeContext): Promise<boolean>;
  stopJob(jobId: string, ctx?: ChangeContext): Promise<boolean>;
  failFinishedJob(jobId: string, error: string, ctx?: ChangeContext): Promise<boolean>;
  deleteJob(jobId: string, ctx?: ChangeContext): Promise<boolean>;

  /** Records a worker (again) as connected. */
  registerWorker(worker: WorkerInfo): Promise<void>;
  /** A worker is alive: its heartbeat and the leases of the tasks it runs move on by `leaseMs`. */
  heartbeat(workerId: string, leaseMs: number): Promise<boolean>;
  /** A worker leaves: it is no longer listed (its running tasks keep their leases). */
  removeWorker(workerId: string): Promise<void>;
  /** Workers heard from since `since` (ms), oldest first, with their running tasks. */
  listWorkers(since: number): Promise<WorkerRow[]>;

  getJobState(jobId: string): Promise<Job['state'] | undefined>;
  getJob(jobId: string): Promise<Job | undefined>;
  requireJob(jobId: string): Promise<Job>;
  getTask(jobId: string, taskId: string): Promise<Task | undefined>;
  requireTask(jobId: string, taskId: string): Promise<Task>;
  getTasks(jobId: string): Promise<Task[]>;
  getStream(streamId: string): Promise<Stream | undefined>;
  getStreams(): Promise<Stream[]>;
  getConcurrentJobs(userId?: string): Promise<string[]>;
  getEvents(jobId: string, afterId?: number): Promise<TaskEvent[]>;
  getEventsSince(afterId: number, limit?: number): Promise<TaskEvent[]>;
  /** A page of jobs, newest first (all of them when limit is -1), with what their statuses need of their tasks. */
  jobSummaries(filter: JobListFilter | undefined, limit: number, offset: number, now?: number): Promise<JobSummary[]>;
  jobSummary(jobId: string, now?: number): Promise<JobSummary | undefined>;
  /** Job ids, newest first, optionally of one list only (all of them when limit is -1). */
  listJobIds(filter: JobListFilter | undefined, limit?: number, offset?: number): Promise<string[]>;
  countJobs(filter?: JobListFilter): Promise<number>;
  /** Checks the counters and waits the triggers keep against the rows they count. */
  checkConsistency(): Promise<Consistency>;

  /** The admin verbs' queries (admin.ts): selections, and the raw row changes that repair a job. */
  readonly admin: AdminQueryStore;

  /** Runs `fn` as one change: every verb called on `tx` is part of one transaction. */
  transaction<T>(ctx: ChangeContext | undefined, fn: (tx: TaskStore) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
