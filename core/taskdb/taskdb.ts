import { randomUUID } from 'node:crypto';
import Database from 'better-sqlite3';
import { AdminQueries } from './adminqueries.js';
import { type JobRow, toJob } from './jobrow.js';
import { JOB_LISTS, type JobSummary, JobSummaries } from './jobsummary.js';
import { EVENT_TRIGGERS, MIGRATIONS } from './schema.js';
import { CONSISTENCY_QUERIES } from './consistency.js';
import * as Rows from './rows.js';
import { toEvent, toStream, toTask as toTaskOf, toWorkers } from './rows.js';
import type { Consistency, Lease, WorkerInfo, WorkerRow } from './store.js';
import {
  type ChangeContext,
  type Job,
  type JobListFilter,
  type JobState,
  type Json,
  type Stream,
  type Task,
  type TaskEvent,
  STOPPED_BY_USER,
  TaskDbError,
  type TaskState,
  type WorkItem,
} from './types.js';

export interface OpenOptions {
  /** Who this connection acts for when a verb names no actor (e.g. "daemon", "admin-cli"). */
  actor?: string;
  /** How long a writer waits for another process's lock, in ms. */
  busyTimeoutMs?: number;
  readonly?: boolean;
}

type TaskRow = Rows.TaskRow<string>;

/** The error of a task that was never run because its job failed first. */
export const cancelledBecause = Rows.cancelledBecause;

/** The task database: the cluster's taskdb verbs over one SQLite file. */
export class TaskDb {
  readonly db: Database.Database;
  private readonly defaultActor: string;
  // The change in progress, read by the event triggers through SQL functions.
  private ctx: { now: number; actor: string; reason: string | null };
  private readonly stmts: ReturnType<typeof prepare>;
  /** The admin verbs' named queries. */
  readonly admin: AdminQueries;
  private readonly summaries: JobSummaries;
  private readonly tx: ReturnType<typeof prepareTransactions>;
  private depth = 0;

  private constructor(db: Database.Database, actor: string) {
    this.db = db;
    this.defaultActor = actor;
    this.ctx = { now: Date.now(), actor, reason: null };
    if (!db.readonly) db.exec(EVENT_TRIGGERS);
    this.stmts = prepare(db);
    this.admin = new AdminQueries(db);
    this.summaries = new JobSummaries(db);
    this.tx = prepareTransactions(db);
    this.context = db.readonly ? undefined : new EventContext(db);
  }

  private readonly context: EventContext | undefined;

  private setContext(actor: string, reason: string | null): void {
    this.context?.set(actor, reason);
  }

  static open(path: string, options: OpenOptions = {}): TaskDb {
    const db = new Database(path, { readonly: options.readonly ?? false });
    try {
      db.pragma(`busy_timeout = ${Math.max(0, Math.floor(options.busyTimeoutMs ?? 5000))}`);
      if (!db.readonly) {
        db.pragma('journal_mode = WAL');
        // In WAL mode NORMAL never corrupts the database; a power cut may lose
        // the last commits, a crashed process loses nothing.
        db.pragma('synchronous = NORMAL');
        db.pragma('cache_size = -32768');
        // Savepoint and statement journals in memory: on disk they cost a write per page.
        db.pragma('temp_store = MEMORY');
      }
      if (!db.readonly) migrate(db);
      db.pragma('foreign_keys = ON');
      return new TaskDb(db, options.actor ?? 'taskdb');
    } catch (err) {
      db.close();
      throw err;
    }
  }

  close(): void {
    if (!this.db.open) return;
    this.db.close();
  }

  /** Runs `fn` as one change: its own transaction, or part of the one it is called in. */
  private change<T>(ctx: ChangeContext | undefined, fn: () => T): T {
    const outer = this.ctx;
    // A verb called inside another's transaction acts for the same actor and reason.
    const nested = this.depth > 0;
    this.ctx = {
      now: nested ? outer.now : Date.now(),
      actor: ctx?.actor ?? (nested ? outer.actor : this.defaultActor),
      reason: ctx?.reason ?? (nested ? outer.reason : null),
    };
    this.depth++;
    try {
      this.setContext(this.ctx.actor, this.ctx.reason);
      return nested ? fn() : this.inOwnTransaction(fn);
    } finally {
      this.depth--;
      this.ctx = outer;
      if (nested) this.setContext(outer.actor, outer.reason);
    }
  }

  private inOwnTransaction<T>(fn: () => T): T {
    this.tx.begin.run();
    try {
      const result = fn();
      this.tx.commit.run();
      return result;
    } catch (err) {
      if (this.db.inTransaction) this.tx.rollback.run();
      this.context?.forget();
      throw err;
    }
  }

  private withReason<T>(reason: string | null, fn: () => T): T {
    const saved = this.ctx.reason;
    this.ctx.reason = reason;
    this.setContext(this.ctx.actor, reason);
    try {
      return fn();
    } finally {
      this.ctx.reason = saved;
      this.setContext(this.ctx.actor, saved);
    }
  }

  createStream(workerType: string, reserved: number, beMult: number, userId: string): string {
    Rows.validateStream(reserved, beMult);
    const id = randomUUID();
    this.stmts.insertStream.run(id, workerType, reserved, beMult, userId);
    return id;
  }

  ensureStreams(workerTypes: readonly string[], userId: string): Record<string, string> {
    return this.change(undefined, () => {
      const existing = this.getStreams().filter((s) => s.userId === userId);
      return Object.fromEntries(
        workerTypes.map((wt) => [
          wt,
          existing.find((s) => s.workerType === wt)?.id ?? this.createStream(wt, 1, 1, userId),
        ]),
      );
    });
  }

  createJob(
    streamId: string,
    taskDef: Json,
    maxRetries: number,
    timeoutSecs: number,
    userId: string,
    ctx?: ChangeContext & { jobId?: string },
  ): string {
    const jobId = ctx?.jobId ?? randomUUID();
    this.change(ctx, () => {
      this.requireStream(streamId);
      if (this.stmts.getJob.get(jobId)) throw new TaskDbError('already_exists', `job ${jobId} already exists`);
      this.stmts.insertJob.run(jobId, userId, this.ctx.now);
      this.insertTask(jobId, 'init', streamId, taskDef, [], maxRetries, timeoutSecs);
    });
    return jobId;
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
  ): void {
    this.change(ctx, () => {
      const job = this.requireJob(jobId);
      if (job.state !== 'running') {
        throw new TaskDbError('invalid_state', `job ${jobId} is ${job.state}: no task can be added to it`);
      }
      this.requireStream(streamId);
      this.insertTask(jobId, taskId, streamId, taskDef, prereqs, maxRetries, timeoutSecs);
    });
  }

  private insertTask(
    jobId: string,
    taskId: string,
    streamId: string,
    taskDef: Json,
    prereqs: readonly string[],
    maxRetries: number,
    timeoutSecs: number,
  ): void {
    Rows.validateTask(jobId, taskId, prereqs, maxRetries, timeoutSecs);
    if (this.stmts.getTask.get(jobId, taskId)) {
      throw new TaskDbError('already_exists', `task ${taskId} of job ${jobId} already exists`);
    }
    // Prerequisites must already exist, so a new task can never close a cycle.
    let waitingOn = 0;
    for (const pre of prereqs) {
      const row = this.stmts.getTaskState.get(jobId, pre) as { state: TaskState } | undefined;
      if (!row)
        throw new TaskDbError('not_found', `prerequisite ${pre} of task ${taskId} does not exist in job ${jobId}`);
      if (row.state !== 'done') waitingOn++;
    }
    const seq = (this.stmts.getJobSeq.get(jobId) as { seq: number }).seq;
    this.stmts.insertTask.run({
      job_id: jobId,
      task_id: taskId,
      stream_id: streamId,
      job_seq: seq,
      task_def: JSON.stringify(taskDef),
      prerequisites: JSON.stringify(prereqs),
      state: waitingOn === 0 ? 'ready' : 'pending',
      created_at: this.ctx.now,
      waiting_on: waitingOn,
      max_retries: maxRetries,
      timeout_secs: timeoutSecs,
    });
    for (const pre of prereqs) this.stmts.insertDep.run(jobId, pre, taskId);
  }

  /**
   * Claims the best ready task for a worker type: the stream with the lowest
   * priority (reserved capacity first, then best effort by multiplier), then
   * its ready task of the oldest job, oldest task first.
   */
  requestWork(workerType: string, ctx?: ChangeContext, lease?: Lease): WorkItem | undefined {
    return this.change(ctx, () => {
      const row = this.stmts.claim.get({
        now: this.ctx.now,
        workerType,
        workerId: lease?.workerId ?? null,
        leaseUntil: lease ? this.ctx.now + lease.ms : null,
      }) as Pick<TaskRow, 'job_id' | 'task_id' | 'task_def' | 'prerequisites' | 'max_retries'> | undefined;
      if (!row) return undefined;
      return {
        jobId: row.job_id,
        taskId: row.task_id,
        taskDef: JSON.parse(row.task_def) as Json,
        prereqs: JSON.parse(row.prerequisites) as string[],
        maxRetries: row.max_retries,
      };
    });
  }

  /** Marks a ready or running task done and readies its dependants. */
  updateTaskDone(jobId: string, taskId: string, output: Json, ctx?: ChangeContext): boolean {
    return this.change(ctx, () => {
      // Dependants are released by the tasks_release_dependants trigger.
      return this.stmts.markDone.run(JSON.stringify(output), this.ctx.now, jobId, taskId).changes > 0;
    });
  }

  /** Fails a task and its job (the first failure's error is kept); the job hands out no more work. */
  updateTaskFailed(jobId: string, taskId: string, error: string, ctx?: ChangeContext): boolean {
    return this.change(ctx, () => {
      const applied = this.stmts.markFailed.run(error, this.ctx.now, jobId, taskId).changes > 0;
      if (applied) this.failJob(jobId, error);
      return applied;
    });
  }

  /** Puts a running task back to ready; past its max retries it fails with "retry max hit". */
  updateTaskRetry(jobId: string, taskId: string, error?: string, ctx?: ChangeContext): boolean {
    return this.change(ctx, () => {
      const row = this.stmts.getRetryInfo.get(jobId, taskId) as
        | { retries: number; max_retries: number; state: TaskState; job_state: JobState; error: string | null }
        | undefined;
      if (!row || row.state !== 'running') return false;
      const lastError = error ?? row.error;
      if (row.job_state !== 'running') {
        this.stmts.markFailed.run(cancelledBecause(`job is ${row.job_state}`), this.ctx.now, jobId, taskId);
        return false;
      }
      if (row.retries + 1 > row.max_retries) {
        this.stmts.bumpRetries.run(jobId, taskId);
        const message = lastError ? `retry max hit: ${lastError}` : 'retry max hit';
        this.stmts.markFailed.run(message, this.ctx.now, jobId, taskId);
        this.failJob(jobId, message);
        return false;
      }
      return this.withReason(lastError ? `retry: ${lastError}` : 'retry', () => {
        this.stmts.markRetry.run(this.ctx.now, lastError, jobId, taskId);
        return true;
      });
    });
  }

  /** Raises a task's progress (never lowers it); also counts as a heartbeat for its timeout. */
  updateTaskProgress(jobId: string, taskId: string, progress: number): boolean {
    const clamped = Rows.clampProgress(progress);
    return this.change(
      undefined,
      () => this.stmts.updateProgress.run(clamped, this.ctx.now, jobId, taskId).changes > 0,
    );
  }

  /** Retries (or fails) running tasks whose deadline or lease has passed; returns how many. */
  requeueTimedOut(limit = 100, ctx?: ChangeContext): number {
    return this.change({ actor: ctx?.actor ?? 'sweeper', ...ctx }, () => {
      const rows = this.stmts.timedOut.all({ now: this.ctx.now, limit }) as Rows.ExpiredRow[];
      for (const row of rows) this.updateTaskRetry(row.job_id, row.task_id, Rows.expiryReason(row));
      return rows.length;
    });
  }

  registerWorker(worker: WorkerInfo): void {
    const now = Date.now();
    this.stmts.upsertWorker.run(worker.id, worker.host, JSON.stringify(worker.streams), worker.slots, now, now);
  }

  heartbeat(workerId: string, leaseMs: number): boolean {
    const now = Date.now();
    return this.change(undefined, () => {
      this.stmts.extendLeases.run(now + leaseMs, workerId);
      return this.stmts.touchWorker.run(now, workerId).changes > 0;
    });
  }

  removeWorker(workerId: string): void {
    this.stmts.deleteWorker.run(workerId);
  }

  listWorkers(since: number): WorkerRow[] {
    const rows = this.stmts.workers.all(since) as Rows.WorkerDbRow<string>[];
    const held = this.stmts.workerTasks.all(since) as Rows.HeldTaskRow[];
    return toWorkers(rows, held, parseJson);
  }

  /** Checks the counters and waits the triggers keep against the rows they count. */
  checkConsistency(): Consistency {
    const ids = (sql: string): string[] => (this.db.prepare(sql).all() as { id: string }[]).map((r) => r.id);
    return {
      streamCounters: ids(CONSISTENCY_QUERIES.streamCounters),
      jobCounters: ids(CONSISTENCY_QUERIES.jobCounters),
      leakingTasks: ids(CONSISTENCY_QUERIES.leakingTasks),
      badWaits: ids(CONSISTENCY_QUERIES.badWaits),
    };
  }

  /** Re-queues every task left running, as after a crash of the process that ran them. */
  requeueAllRunning(ctx?: ChangeContext): number {
    return this.change({ actor: ctx?.actor ?? 'recovery', ...ctx }, () => {
      const rows = this.stmts.allRunning.all() as { job_id: string; task_id: string }[];
      for (const row of rows) this.updateTaskRetry(row.job_id, row.task_id, 'worker process died');
      return rows.length;
    });
  }

  /** Marks a running job failed (first error wins) and cancels its pending and ready tasks. */
  failJob(jobId: string, error: string, ctx?: ChangeContext): boolean {
    return this.change(ctx, () => {
      const applied = this.stmts.failJob.run(error, this.ctx.now, jobId).changes > 0;
      this.stmts.cancelOpenTasks.run(cancelledBecause(error), this.ctx.now, jobId);
      return applied;
    });
  }

  /** Stops a running job at the user's word and cancels its pending and ready tasks. */
  stopJob(jobId: string, ctx?: ChangeContext): boolean {
    return this.change(ctx, () => {
      const applied = this.stmts.stopJob.run(STOPPED_BY_USER, this.ctx.now, jobId).changes > 0;
      this.stmts.cancelOpenTasks.run(cancelledBecause(STOPPED_BY_USER), this.ctx.now, jobId);
      return applied;
    });
  }

  /** Marks a finished job failed after the fact (its stored receipt no longer verifies). */
  failFinishedJob(jobId: string, error: string, ctx?: ChangeContext): boolean {
    return this.change(ctx, () => this.stmts.failFinishedJob.run(error, jobId).changes > 0);
  }

  deleteJob(jobId: string, ctx?: ChangeContext): boolean {
    return this.change(ctx, () => {
      const job = this.stmts.getJob.get(jobId) as JobRow | undefined;
      if (!job) return false;
      this.stmts.deleteJob.run(jobId);
      this.stmts.deleteEvents.run(jobId);
      // The deletion itself stays in the audit trail.
      this.stmts.insertEvent.run(jobId, null, this.ctx.now, job.state, 'deleted', this.ctx.reason, this.ctx.actor);
      return true;
    });
  }

  getJobState(jobId: string): JobState | undefined {
    return (this.stmts.getJob.get(jobId) as JobRow | undefined)?.state;
  }

  /** Job ids, newest first, optionally of one list only (all of them when limit is -1). */
  listJobIds(filter: JobListFilter | undefined, limit = -1, offset = 0): string[] {
    const rows = this.stmts.jobIds[filter ?? 'all'].all(limit, offset) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** A page of jobs with what their statuses need of their tasks, in one query. */
  jobSummaries(filter: JobListFilter | undefined, limit: number, offset: number, now = Date.now()): JobSummary[] {
    return this.summaries.page(filter, limit, offset, now);
  }

  jobSummary(jobId: string, now = Date.now()): JobSummary | undefined {
    return this.summaries.job(jobId, now);
  }

  /** How many jobs there are, optionally in one list. */
  countJobs(filter?: JobListFilter): number {
    return (this.stmts.jobCount[filter ?? 'all'].get() as { n: number }).n;
  }

  getJob(jobId: string): Job | undefined {
    const row = this.stmts.getJob.get(jobId) as JobRow | undefined;
    return row && toJob(row);
  }

  getTask(jobId: string, taskId: string): Task | undefined {
    const row = this.stmts.getTask.get(jobId, taskId) as TaskRow | undefined;
    return row && toTask(row);
  }

  getTasks(jobId: string): Task[] {
    return (this.stmts.getTasks.all(jobId) as TaskRow[]).map(toTask);
  }

  getStream(streamId: string): Stream | undefined {
    const row = this.stmts.getStream.get(streamId) as Rows.StreamRow | undefined;
    return row && toStream(row);
  }

  getStreams(): Stream[] {
    return (this.stmts.getStreams.all() as Rows.StreamRow[]).map(toStream);
  }

  /** Running jobs of a user (all users when omitted). */
  getConcurrentJobs(userId?: string): string[] {
    const rows = (userId === undefined ? this.stmts.runningJobs.all() : this.stmts.runningJobsOfUser.all(userId)) as {
      id: string;
    }[];
    return rows.map((r) => r.id);
  }

  /** Events of one job in order, optionally only those after an event id. */
  getEvents(jobId: string, afterId = 0): TaskEvent[] {
    return (this.stmts.jobEvents.all(jobId, afterId) as Rows.EventRow[]).map(toEvent);
  }

  /** Events of all jobs after an event id, oldest first (for live streams). */
  getEventsSince(afterId: number, limit = 1000): TaskEvent[] {
    return (this.stmts.eventsSince.all(afterId, limit) as Rows.EventRow[]).map(toEvent);
  }

  requireJob(jobId: string): Job {
    const job = this.getJob(jobId);
    if (!job) throw new TaskDbError('not_found', `job ${jobId} does not exist`);
    return job;
  }

  requireTask(jobId: string, taskId: string): Task {
    this.requireJob(jobId);
    const task = this.getTask(jobId, taskId);
    if (!task) throw new TaskDbError('not_found', `task ${taskId} does not exist in job ${jobId}`);
    return task;
  }

  private requireStream(streamId: string): Stream {
    const stream = this.getStream(streamId);
    if (!stream) throw new TaskDbError('not_found', `stream ${streamId} does not exist`);
    return stream;
  }

  /** Runs `fn` as one change (one transaction, its events attributed to ctx). */
  transaction<T>(ctx: ChangeContext | undefined, fn: () => T): T {
    return this.change(ctx, fn);
  }

  /**
   * Runs an asynchronous `fn` as one change. The caller keeps every other
   * use of this connection out until it settles (sqlitestore.ts does), since
   * whatever runs on it meanwhile would join the transaction.
   */
  async transactionAsync<T>(ctx: ChangeContext | undefined, fn: () => Promise<T>): Promise<T> {
    // Inside a transaction already: part of it.
    if (this.depth > 0) return fn();
    const outer = this.ctx;
    this.ctx = { now: Date.now(), actor: ctx?.actor ?? this.defaultActor, reason: ctx?.reason ?? null };
    this.depth++;
    try {
      this.setContext(this.ctx.actor, this.ctx.reason);
      this.tx.begin.run();
      try {
        const result = await fn();
        this.tx.commit.run();
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.tx.rollback.run();
        this.context?.forget();
        throw err;
      }
    } finally {
      this.depth--;
      this.ctx = outer;
    }
  }
}

function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new TaskDbError(
      'invalid_state',
      `taskdb schema version ${current} is newer than this program knows (${MIGRATIONS.length}); upgrade Local Bento`,
    );
  }
  if (current === MIGRATIONS.length) return;
  // Foreign keys off (better-sqlite3 turns them on by default): rebuilding a table must cascade nothing.
  db.pragma('foreign_keys = OFF');
  db.pragma('legacy_alter_table = ON');
  try {
    for (let version = current; version < MIGRATIONS.length; version++) {
      db.transaction(() => {
        db.exec(MIGRATIONS[version] as string);
        const broken = db.pragma('foreign_key_check') as unknown[];
        if (broken.length > 0)
          throw new TaskDbError('invalid_state', `taskdb migration ${version + 1} broke ${broken.length} references`);
        db.pragma(`user_version = ${version + 1}`);
      }).immediate();
    }
  } finally {
    db.pragma('legacy_alter_table = OFF');
  }
}

/**
 * The actor and reason that the event triggers record, kept in a temp table
 * and written only when they change. A rollback also undoes a write to it, so
 * every rollback forgets what was last written.
 */
class EventContext {
  private readonly update: Database.Statement;
  private actor: string | undefined;
  private reason: string | null | undefined;

  constructor(db: Database.Database) {
    this.update = db.prepare('UPDATE temp.bento_ctx SET actor = ?, reason = ? WHERE id = 0');
  }

  set(actor: string, reason: string | null): void {
    if (actor === this.actor && reason === this.reason) return;
    this.update.run(actor, reason);
    this.actor = actor;
    this.reason = reason;
  }

  forget(): void {
    this.actor = undefined;
    this.reason = undefined;
  }
}

function prepareTransactions(db: Database.Database) {
  return {
    begin: db.prepare('BEGIN IMMEDIATE'),
    commit: db.prepare('COMMIT'),
    rollback: db.prepare('ROLLBACK'),
  };
}

function prepareJobLists(db: Database.Database, sql: (where: string) => string) {
  return Object.fromEntries(Object.entries(JOB_LISTS).map(([list, where]) => [list, db.prepare(sql(where))])) as Record<
    JobListFilter | 'all',
    Database.Statement
  >;
}

function prepare(db: Database.Database) {
  return {
    insertStream: db.prepare(
      'INSERT INTO streams (id, worker_type, reserved, be_mult, user_id) VALUES (?, ?, ?, ?, ?)',
    ),
    getStream: db.prepare('SELECT * FROM streams WHERE id = ?'),
    getStreams: db.prepare('SELECT * FROM streams ORDER BY worker_type, rowid'),
    insertJob: db.prepare("INSERT INTO jobs (id, state, user_id, created_at) VALUES (?, 'running', ?, ?)"),
    getJob: db.prepare('SELECT * FROM jobs WHERE id = ?'),
    jobIds: prepareJobLists(
      db,
      (where) => `SELECT id FROM jobs ${where} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`,
    ),
    jobCount: prepareJobLists(db, (where) => `SELECT COUNT(*) AS n FROM jobs ${where}`),
    getJobSeq: db.prepare('SELECT rowid AS seq FROM jobs WHERE id = ?'),
    insertTask: db.prepare(`
      INSERT INTO tasks (job_id, task_id, stream_id, job_seq, task_def, prerequisites, state, created_at,
                         waiting_on, max_retries, timeout_secs)
      VALUES (@job_id, @task_id, @stream_id, @job_seq, @task_def, @prerequisites, @state, @created_at,
              @waiting_on, @max_retries, @timeout_secs)`),
    insertDep: db.prepare('INSERT INTO task_deps (job_id, pre_task_id, post_task_id) VALUES (?, ?, ?)'),
    getTask: db.prepare('SELECT * FROM tasks WHERE job_id = ? AND task_id = ?'),
    getTaskState: db.prepare('SELECT state FROM tasks WHERE job_id = ? AND task_id = ?'),
    getTasks: db.prepare('SELECT * FROM tasks WHERE job_id = ? ORDER BY rowid'),
    // The stream with the lowest priority (ties: the larger reservation), then
    // its ready task of the oldest job, oldest task first; in one statement.
    claim: db.prepare(`
      UPDATE tasks SET state = 'running', started_at = @now, worker_id = @workerId, lease_until = @leaseUntil
      WHERE rowid = (
        SELECT rowid FROM tasks
        WHERE state = 'ready' AND stream_id = (
          SELECT id FROM streams WHERE worker_type = @workerType AND ready > 0 ORDER BY priority, reserved DESC LIMIT 1)
        ORDER BY job_seq, rowid LIMIT 1)
      RETURNING job_id, task_id, task_def, prerequisites, max_retries`),
    markDone: db.prepare(`
      UPDATE tasks SET state = 'done', output = ?, updated_at = ?, progress = 1, error = NULL
      WHERE job_id = ? AND task_id = ? AND state IN ('ready', 'running')`),
    markFailed: db.prepare(`
      UPDATE tasks SET state = 'failed', error = ?, updated_at = ?
      WHERE job_id = ? AND task_id = ? AND state IN ('pending', 'ready', 'running')`),
    failJob: db.prepare("UPDATE jobs SET state = 'failed', error = ?, ended_at = ? WHERE id = ? AND state = 'running'"),
    stopJob: db.prepare(
      "UPDATE jobs SET state = 'stopped', error = ?, ended_at = ? WHERE id = ? AND state = 'running'",
    ),
    failFinishedJob: db.prepare("UPDATE jobs SET state = 'failed', error = ? WHERE id = ? AND state = 'done'"),
    cancelOpenTasks: db.prepare(`
      UPDATE tasks SET state = 'failed', error = ?, updated_at = ?
      WHERE job_id = ? AND state IN ('pending', 'ready')`),
    getRetryInfo: db.prepare(`
      SELECT t.retries, t.max_retries, t.state, t.error, j.state AS job_state
      FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE t.job_id = ? AND t.task_id = ?`),
    bumpRetries: db.prepare('UPDATE tasks SET retries = retries + 1 WHERE job_id = ? AND task_id = ?'),
    markRetry: db.prepare(`
      UPDATE tasks SET state = 'ready', retries = retries + 1, progress = 0, updated_at = ?, error = ?,
                       worker_id = NULL, lease_until = NULL
      WHERE job_id = ? AND task_id = ? AND state = 'running'`),
    updateProgress: db.prepare(`
      UPDATE tasks SET progress = max(progress, ?), updated_at = ?
      WHERE job_id = ? AND task_id = ? AND state IN ('ready', 'running')`),
    timedOut: db.prepare(`
      SELECT job_id, task_id, timeout_secs, worker_id, coalesce(lease_until < @now, 0) AS lease_ended FROM tasks
      WHERE state = 'running'
        AND (max(coalesce(started_at, 0), coalesce(updated_at, 0)) + timeout_secs * 1000 < @now
             OR lease_until < @now)
      LIMIT @limit`),
    upsertWorker: db.prepare(`
      INSERT INTO workers (id, host, streams, slots, started_at, last_heartbeat) VALUES (?, ?, ?, ?, ?, ?)
      ON CONFLICT (id) DO UPDATE SET host = excluded.host, streams = excluded.streams, slots = excluded.slots,
        last_heartbeat = excluded.last_heartbeat`),
    extendLeases: db.prepare(
      "UPDATE tasks SET lease_until = ? WHERE worker_id = ? AND state = 'running' AND lease_until IS NOT NULL",
    ),
    touchWorker: db.prepare('UPDATE workers SET last_heartbeat = ? WHERE id = ?'),
    deleteWorker: db.prepare('DELETE FROM workers WHERE id = ?'),
    workers: db.prepare('SELECT * FROM workers WHERE last_heartbeat >= ? ORDER BY started_at, id'),
    workerTasks: db.prepare(`
      SELECT t.worker_id, t.job_id, t.task_id FROM tasks t JOIN workers w ON w.id = t.worker_id
      WHERE t.state = 'running' AND w.last_heartbeat >= ? ORDER BY t.started_at`),
    allRunning: db.prepare("SELECT job_id, task_id FROM tasks WHERE state = 'running'"),
    deleteJob: db.prepare('DELETE FROM jobs WHERE id = ?'),
    deleteEvents: db.prepare('DELETE FROM task_events WHERE job_id = ?'),
    insertEvent: db.prepare(
      'INSERT INTO task_events (job_id, task_id, at, from_state, to_state, reason, actor) VALUES (?, ?, ?, ?, ?, ?, ?)',
    ),
    runningJobs: db.prepare("SELECT id FROM jobs WHERE state = 'running' ORDER BY rowid"),
    runningJobsOfUser: db.prepare("SELECT id FROM jobs WHERE user_id = ? AND state = 'running' ORDER BY rowid"),
    jobEvents: db.prepare('SELECT * FROM task_events WHERE job_id = ? AND id > ? ORDER BY id'),
    eventsSince: db.prepare('SELECT * FROM task_events WHERE id > ? ORDER BY id LIMIT ?'),
  };
}

function parseJson(text: string): Json {
  return JSON.parse(text) as Json;
}

function toTask(row: TaskRow): Task {
  return toTaskOf(row, parseJson);
}
