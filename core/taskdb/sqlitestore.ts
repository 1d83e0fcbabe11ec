// The SQLite taskdb (taskdb.ts, synchronous) behind the asynchronous
// TaskStore interface. One connection serves every caller, so while a
// transaction awaits, other callers wait for it to settle rather than join it.

import type { JobSummary } from './jobsummary.js';
import { TaskDb, type OpenOptions } from './taskdb.js';
import type { AdminQueryStore, Consistency, Lease, TaskStore, WorkerInfo, WorkerRow } from './store.js';
import type { ChangeContext, Job, JobListFilter, JobState, Json, Stream, Task, TaskEvent, WorkItem } from './types.js';

export class SqliteTaskStore implements TaskStore {
  readonly backend = 'sqlite';
  // Settles when the transaction in progress does.
  private gate: Promise<unknown> | undefined;

  private constructor(
    readonly tdb: TaskDb,
    private readonly inTransaction: boolean,
  ) {}

  static open(path: string, options: OpenOptions = {}): SqliteTaskStore {
    return new SqliteTaskStore(TaskDb.open(path, options), false);
  }

  /** The store over a taskdb already open. */
  static over(tdb: TaskDb): SqliteTaskStore {
    return new SqliteTaskStore(tdb, false);
  }

  readonly admin: AdminQueryStore = {
    jobIds: (state, limit, offset) => this.run((t) => t.admin.jobIds(state, limit, offset)),
    taskIds: (filter, limit) => this.run((t) => t.admin.taskIds(filter, limit)),
    taskCounts: (filter) => this.run((t) => t.admin.taskCounts(filter)),
    abandonOpenTasks: (jobId, message, now) => this.run((t) => t.admin.abandonOpenTasks(jobId, message, now)),
    reviveJob: (jobId) => this.run((t) => t.admin.reviveJob(jobId)),
    resetTask: (jobId, taskId, waiting, now) => this.run((t) => t.admin.resetTask(jobId, taskId, waiting, now)),
    lockJob: async (jobId) => (await this.getJob(jobId))?.state,
    lockTask: (jobId, taskId) => this.run((t) => t.admin.lockTask(jobId, taskId)),
    holdDependants: (jobId, taskId) => this.run((t) => t.admin.holdDependants(jobId, taskId)),
    unfinishedPrerequisites: (jobId, taskId) => this.run((t) => t.admin.unfinishedPrerequisites(jobId, taskId)),
    deleteTask: (jobId, taskId, from, reason, actor) =>
      this.run((t) => t.admin.deleteTask(jobId, taskId, from, reason, actor)),
    streamOfUser: (workerType, userId) => this.run((t) => t.admin.streamOfUser(workerType, userId)),
  };

  private async run<T>(fn: (tdb: TaskDb) => T): Promise<T> {
    if (!this.inTransaction) while (this.gate) await this.gate.catch(() => undefined);
    return fn(this.tdb);
  }

  createStream(workerType: string, reserved: number, beMult: number, userId: string): Promise<string> {
    return this.run((t) => t.createStream(workerType, reserved, beMult, userId));
  }
  ensureStreams(workerTypes: readonly string[], userId: string): Promise<Record<string, string>> {
    return this.run((t) => t.ensureStreams(workerTypes, userId));
  }
  createJob(
    streamId: string,
    taskDef: Json,
    maxRetries: number,
    timeoutSecs: number,
    userId: string,
    ctx?: ChangeContext & { jobId?: string },
  ): Promise<string> {
    return this.run((t) => t.createJob(streamId, taskDef, maxRetries, timeoutSecs, userId, ctx));
  }
  createTask(
    jobId: string,
    taskId: string,
    streamId: string,
    taskDef: Json,
    prereqs: readonly string[],
    maxRetries: number,
    timeoutSecs: number,
    ctx?: ChangeContext,
  ): Promise<void> {
    return this.run((t) => t.createTask(jobId, taskId, streamId, taskDef, prereqs, maxRetries, timeoutSecs, ctx));
  }
  requestWork(workerType: string, ctx?: ChangeContext, lease?: Lease): Promise<WorkItem | undefined> {
    return this.run((t) => t.requestWork(workerType, ctx, lease));
  }
  updateTaskDone(jobId: string, taskId: string, output: Json, ctx?: ChangeContext): Promise<boolean> {
    return this.run((t) => t.updateTaskDone(jobId, taskId, output, ctx));
  }
  updateTaskFailed(jobId: string, taskId: string, error: string, ctx?: ChangeContext): Promise<boolean> {
    return this.run((t) => t.updateTaskFailed(jobId, taskId, error, ctx));
  }
  updateTaskRetry(jobId: string, taskId: string, error?: string, ctx?: ChangeContext): Promise<boolean> {
    return this.run((t) => t.updateTaskRetry(jobId, taskId, error, ctx));
  }
  updateTaskProgress(jobId: string, taskId: string, progress: number): Promise<boolean> {
    return this.run((t) => t.updateTaskProgress(jobId, taskId, progress));
  }
  requeueTimedOut(limit?: number, ctx?: ChangeContext): Promise<number> {
    return this.run((t) => t.requeueTimedOut(limit, ctx));
  }
  requeueAllRunning(ctx?: ChangeContext): Promise<number> {
    return this.run((t) => t.requeueAllRunning(ctx));
  }
  failJob(jobId: string, error: string, ctx?: ChangeContext): Promise<boolean> {
    return this.run((t) => t.failJob(jobId, error, ctx));
  }
  stopJob(jobId: string, ctx?: ChangeContext): Promise<boolean> {
    return this.run((t) => t.stopJob(jobId, ctx));
  }
  failFinishedJob(jobId: string, error: string, ctx?: ChangeContext): Promise<boolean> {
    return this.run((t) => t.failFinishedJob(jobId, error, ctx));
  }
  deleteJob(jobId: string, ctx?: ChangeContext): Promise<boolean> {
    return this.run((t) => t.deleteJob(jobId, ctx));
  }
  registerWorker(worker: WorkerInfo): Promise<void> {
    return this.run((t) => t.registerWorker(worker));
  }
  heartbeat(workerId: string, leaseMs: number): Promise<boolean> {
    return this.run((t) => t.heartbeat(workerId, leaseMs));
  }
  removeWorker(workerId: string): Promise<void> {
    return this.run((t) => t.removeWorker(workerId));
  }
  listWorkers(since: number): Promise<WorkerRow[]> {
    return this.run((t) => t.listWorkers(since));
  }
  getJobState(jobId: string): Promise<JobState | undefined> {
    return this.run((t) => t.getJobState(jobId));
  }
  getJob(jobId: string): Promise<Job | undefined> {
    return this.run((t) => t.getJob(jobId));
  }
  requireJob(jobId: string): Promise<Job> {
    return this.run((t) => t.requireJob(jobId));
  }
  getTask(jobId: string, taskId: string): Promise<Task | undefined> {
    return this.run((t) => t.getTask(jobId, taskId));
  }
  requireTask(jobId: string, taskId: string): Promise<Task> {
    return this.run((t) => t.requireTask(jobId, taskId));
  }
  getTasks(jobId: string): Promise<Task[]> {
    return this.run((t) => t.getTasks(jobId));
  }
  getStream(streamId: string): Promise<Stream | undefined> {
    return this.run((t) => t.getStream(streamId));
  }
  getStreams(): Promise<Stream[]> {
    return this.run((t) => t.getStreams());
  }
  getConcurrentJobs(userId?: string): Promise<string[]> {
    return this.run((t) => t.getConcurrentJobs(userId));
  }
  getEvents(jobId: string, afterId?: number): Promise<TaskEvent[]> {
    return this.run((t) => t.getEvents(jobId, afterId));
  }
  getEventsSince(afterId: number, limit?: number): Promise<TaskEvent[]> {
    return this.run((t) => t.getEventsSince(afterId, limit));
  }
  jobSummaries(filter: JobListFilter | undefined, limit: number, offset: number, now?: number): Promise<JobSummary[]> {
    return this.run((t) => t.jobSummaries(filter, limit, offset, now));
  }
  jobSummary(jobId: string, now?: number): Promise<JobSummary | undefined> {
    return this.run((t) => t.jobSummary(jobId, now));
  }
  listJobIds(filter: JobListFilter | undefined, limit?: number, offset?: number): Promise<string[]> {
    return this.run((t) => t.listJobIds(filter, limit, offset));
  }
  countJobs(filter?: JobListFilter): Promise<number> {
    return this.run((t) => t.countJobs(filter));
  }
  checkConsistency(): Promise<Consistency> {
    return this.run((t) => t.checkConsistency());
  }

  async transaction<T>(ctx: ChangeContext | undefined, fn: (tx: TaskStore) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    while (this.gate) await this.gate.catch(() => undefined);
    const tx = new SqliteTaskStore(this.tdb, true);
    const done = this.tdb.transactionAsync(ctx, () => fn(tx));
    this.gate = done;
    try {
      return await done;
    } finally {
      this.gate = undefined;
    }
  }

  async close(): Promise<void> {
    while (this.gate) await this.gate.catch(() => undefined);
    this.tdb.close();
  }
}
