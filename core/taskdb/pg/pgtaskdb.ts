// The taskdb on PostgreSQL: a cluster's shared database, written by the
// daemon and by workers on other hosts. The same verbs and answers as the
// SQLite taskdb (../taskdb.ts); workers claim with FOR UPDATE SKIP LOCKED, so
// concurrent claimers never wait on each other's tasks nor take the same one.

import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { CONSISTENCY_QUERIES } from '../consistency.js';
import { type JobRow, toJob } from '../jobrow.js';
import {
  cancelledBecause,
  clampProgress,
  type EventRow,
  type ExpiredRow,
  expiryReason,
  type HeldTaskRow,
  type StreamRow,
  type TaskRow,
  toEvent,
  toStream,
  toTask,
  toWorkers,
  validateStream,
  validateTask,
  type WorkerDbRow,
} from '../rows.js';
import type { AdminQueryStore, Consistency, Lease, TaskStore, WorkerInfo, WorkerRow } from '../store.js';
import {
  type ChangeContext,
  type Job,
  type JobListFilter,
  type JobState,
  type Json,
  type Stream,
  STOPPED_BY_USER,
  type Task,
  TaskDbError,
  type TaskEvent,
  type TaskState,
  type WorkItem,
} from '../types.js';
import { PG_MIGRATIONS } from './migrations.js';
import { isTaskDbUnreachable } from '../unreachable.js';
import { PG_JOB_LISTS, PG_SQL as SQL } from './statements.js';
import { type TaskRowFilter, taskSelectionSql, taskWhere } from '../adminqueries.js';
import { type JobSummary, type SummaryRow, toSummary } from '../jobsummary.js';

export interface PgOpenOptions {
  /** Who this connection acts for when a verb names no actor. */
  actor?: string;
  /** Connections kept open (default 10). */
  poolSize?: number;
}

// Millisecond timestamps and counts are bigints: small enough for a number.
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === pg.types.builtins.INT8
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format ?? 'text')) as typeof pg.types.getTypeParser,
};

// A deadlock (two completions releasing each other's dependants) or a lost
// serialization: the transaction is run again.
const RETRYABLE = new Set(['40P01', '40001']);
const MAX_ATTEMPTS = 5;

type Client = pg.PoolClient;

/** The actor and reason last set on a connection, so that a verb sets them only when they change. */
const contextOf = new WeakMap<Client, { actor: string; reason: string | null }>();

export class PgTaskDb implements TaskStore {
  readonly backend = 'postgres';

  private constructor(
    private readonly pool: pg.Pool,
    private readonly defaultActor: string,
    // Set on the store a transaction hands its callback: every verb runs on its connection.
    private readonly tx?: { client: Client; actor: string; reason: string | null; now: number },
  ) {}

  readonly admin: AdminQueryStore = {
    jobIds: async (state, limit, offset) =>
      (state
        ? await this.read<{ id: string }>(SQL.adminJobIdsInState, [state, limit, offset])
        : await this.read<{ id: string }>(SQL.adminJobIds, [limit, offset])
      ).map((r) => r.id),
    taskIds: async (filter: TaskRowFilter, limit: number) => {
      const { where, params } = taskWhere(filter, (n) => `$${n}`);
      const sql = taskSelectionSql.ids(where, 'seq', `$${params.length + 1}`);
      const rows = await this.read<{ job_id: string; task_id: string }>(sql, [...params, limit]);
      return rows.map((r) => ({ jobId: r.job_id, taskId: r.task_id }));
    },
    taskCounts: async (filter: TaskRowFilter) => {
      const { where, params } = taskWhere(filter, (n) => `$${n}`);
      return this.read<{ workerType: string; state: TaskState; n: number }>(taskSelectionSql.counts(where), params);
    },
    abandonOpenTasks: async (jobId, message, now) => {
      await this.read(SQL.abandonOpenTasks, [message, now, jobId]);
    },
    reviveJob: async (jobId) => {
      await this.read(SQL.reviveJob, [jobId]);
    },
    resetTask: async (jobId, taskId, waiting, now) => {
      await this.read(SQL.resetTask, [waiting === 0 ? 'ready' : 'pending', waiting, now, jobId, taskId]);
    },
    lockJob: async (jobId) => (await this.read<{ state: JobState }>(SQL.lockJob, [jobId]))[0]?.state,
    lockTask: async (jobId, taskId) => (await this.read<{ state: TaskState }>(SQL.lockTask, [jobId, taskId]))[0]?.state,
    holdDependants: async (jobId, taskId) => {
      await this.read(SQL.holdDependants, [jobId, taskId]);
    },
    unfinishedPrerequisites: async (jobId, taskId) =>
      (await this.read<{ n: number }>(SQL.unfinishedPrerequisites, [jobId, taskId]))[0]?.n ?? 0,
    deleteTask: async (jobId, taskId, from, reason, actor) => {
      await this.read(SQL.deleteTask, [jobId, taskId]);
      await this.read(SQL.taskDeleted, [jobId, taskId, Date.now(), from, reason, actor]);
    },
    streamOfUser: async (workerType, userId) =>
      (await this.read<{ id: string }>(SQL.streamOfUser, [workerType, userId]))[0]?.id,
  };

  /** Connects to `url` and brings the schema up to date. */
  static async open(url: string, options: PgOpenOptions = {}): Promise<PgTaskDb> {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      types: TYPES,
      // The SQLite taskdb's trade (synchronous = NORMAL): a commit does not
      // wait for its WAL flush, so a crash of the server's machine may lose
      // the last few hundred ms of changes but never corrupts anything. A
      // lost claim is claimed again, a lost completion reruns its task, whose
      // memoized output is reused. Waiting instead costs a disk flush per verb.
      options: '-c synchronous_commit=off',
      // A server gone silent (a network partition) is noticed instead of waited on for ever.
      keepAlive: true,
      connectionTimeoutMillis: 30_000,
    });
    // A connection dropped while idle (the server restarted) must not end the process: the pool replaces it.
    pool.on('error', () => undefined);
    // Nor one dropped while checked out: pg then emits 'error' on the client,
    // which the pool does not listen to; the query in flight fails on its own
    // (the verb's caller sees the error) and the broken client is released as such.
    pool.on('connect', (client) => client.on('error', () => undefined));
    const store = new PgTaskDb(pool, options.actor ?? 'taskdb');
    try {
      await store.migrate();
    } catch (err) {
      await pool.end();
      throw err;
    }
    return store;
  }

  private async migrate(): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      // One migrator at a time across every process sharing the database.
      await client.query('SELECT pg_advisory_xact_lock(7420001)');
      await client.query('CREATE TABLE IF NOT EXISTS bento_schema (version integer PRIMARY KEY, applied_at bigint)');
      const { rows } = await client.query<{ v: number | null }>('SELECT max(version) AS v FROM bento_schema');
      const current = rows[0]?.v ?? 0;
      if (current > PG_MIGRATIONS.length) {
        throw new TaskDbError(
          'invalid_state',
          `taskdb schema version ${current} is newer than this program knows (${PG_MIGRATIONS.length}); upgrade Local Bento`,
        );
      }
      for (let version = current; version < PG_MIGRATIONS.length; version++) {
        await client.query(PG_MIGRATIONS[version] as string);
        await client.query('INSERT INTO bento_schema (version, applied_at) VALUES ($1, $2)', [version + 1, Date.now()]);
      }
      await client.query('COMMIT');
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  /** The schema version the database is at. */
  async schemaVersion(): Promise<number> {
    const { rows } = await this.pool.query<{ v: number }>('SELECT max(version) AS v FROM bento_schema');
    return rows[0]?.v ?? 0;
  }

  async close(): Promise<void> {
    if (!this.tx && !this.pool.ended) await this.pool.end();
  }

  /**
   * Runs `fn` as one change on one connection: in the transaction in
   * progress, or in its own (single statements commit on their own). A
   * deadlock or serialization failure runs it again.
   */
  private async change<T>(
    ctx: ChangeContext | undefined,
    fn: (c: Client, now: number) => Promise<T>,
    single = false,
  ): Promise<T> {
    if (this.tx) {
      const tx = this.tx;
      const saved = { actor: tx.actor, reason: tx.reason };
      const actor = ctx?.actor ?? tx.actor;
      const reason = ctx?.reason ?? tx.reason;
      await setContext(tx.client, actor, reason);
      try {
        return await fn(tx.client, tx.now);
      } finally {
        await setContext(tx.client, saved.actor, saved.reason);
      }
    }
    const actor = ctx?.actor ?? this.defaultActor;
    const reason = ctx?.reason ?? null;
    for (let attempt = 1; ; attempt++) {
      const client = await this.pool.connect();
      let broken: Error | undefined;
      try {
        await setContext(client, actor, reason);
        if (single) return await fn(client, Date.now());
        await client.query('BEGIN');
        try {
          const result = await fn(client, Date.now());
          await client.query('COMMIT');
          return result;
        } catch (err) {
          await client.query('ROLLBACK').catch(() => undefined);
          throw err;
        }
      } catch (err) {
        // A rollback also undoes the settings written in the transaction.
        contextOf.delete(client);
        if (!(err instanceof TaskDbError)) broken = err as Error;
        if (attempt < MAX_ATTEMPTS && RETRYABLE.has((err as { code?: string }).code ?? '')) {
          broken = undefined;
          continue;
        }
        throw err;
      } finally {
        // A connection that failed other than by a retryable or taskdb error may be dead: the pool drops it.
        client.release(broken && !RETRYABLE.has((broken as { code?: string }).code ?? '') ? broken : undefined);
      }
    }
  }

  private async read<R extends pg.QueryResultRow>(sql: string | pg.QueryConfig, params: unknown[] = []): Promise<R[]> {
    if (this.tx) return (await this.tx.client.query<R>(sql, params)).rows;
    try {
      return (await this.pool.query<R>(sql, params)).rows;
    } catch (err) {
      // A pooled connection the server dropped (it restarted) fails once: a new one is tried.
      if (!isTaskDbUnreachable(err)) throw err;
      return (await this.pool.query<R>(sql, params)).rows;
    }
  }

  async transaction<T>(ctx: ChangeContext | undefined, fn: (tx: TaskStore) => Promise<T>): Promise<T> {
    if (this.tx) return this.change(ctx, () => fn(this));
    return this.change(ctx, (client, now) =>
      fn(
        new PgTaskDb(this.pool, this.defaultActor, {
          client,
          now,
          actor: ctx?.actor ?? this.defaultActor,
          reason: ctx?.reason ?? null,
        }),
      ),
    );
  }

  async createStream(workerType: string, reserved: number, beMult: number, userId: string): Promise<string> {
    validateStream(reserved, beMult);
    const id = randomUUID();
    await this.read(SQL.insertStream, [id, workerType, reserved, beMult, userId]);
    return id;
  }

  ensureStreams(workerTypes: readonly string[], userId: string): Promise<Record<string, string>> {
    return this.change(undefined, async (c) => {
      // One process at a time decides which streams are missing.
      await c.query(SQL.lockStreams);
      const { rows } = await c.query<StreamRow>(SQL.getStreams);
      const ids: Record<string, string> = {};
      for (const wt of workerTypes) {
        const found = rows.find((s) => s.user_id === userId && s.worker_type === wt);
        ids[wt] = found?.id ?? randomUUID();
        if (!found) await c.query(SQL.insertStream, [ids[wt], wt, 1, 1, userId]);
      }
      return ids;
    });
  }

  async createJob(
    streamId: string,
    taskDef: Json,
    maxRetries: number,
    timeoutSecs: number,
    userId: string,
    ctx?: ChangeContext & { jobId?: string },
  ): Promise<string> {
    const jobId = ctx?.jobId ?? randomUUID();
    await this.change(ctx, async (c, now) => {
      await requireStream(c, streamId);
      if ((await c.query(SQL.getJob, [jobId])).rowCount)
        throw new TaskDbError('already_exists', `job ${jobId} already exists`);
      validateTask(jobId, 'init', [], maxRetries, timeoutSecs);
      const { rows } = await c.query<{ seq: number }>(SQL.insertJob, [jobId, userId, now]);
      await c.query(SQL.insertTask, [
        jobId,
        'init',
        streamId,
        rows[0]?.seq,
        JSON.stringify(taskDef),
        '[]',
        'ready',
        now,
        0,
        maxRetries,
        timeoutSecs,
      ]);
    });
    return jobId;
  }

  async createTask(
    jobId: string,
    taskId: string,
    streamId: string,
    taskDef: Json,
    prereqs: readonly string[],
    maxRetries: number,
    timeoutSecs: number,
    ctx?: ChangeContext,
  ): Promise<void> {
    await this.change(ctx, async (c, now) => {
      const job = (await c.query<{ state: JobState; seq: number }>(SQL.getJob, [jobId])).rows[0];
      if (!job) throw new TaskDbError('not_found', `job ${jobId} does not exist`);
      if (job.state !== 'running') {
        throw new TaskDbError('invalid_state', `job ${jobId} is ${job.state}: no task can be added to it`);
      }
      await requireStream(c, streamId);
      validateTask(jobId, taskId, prereqs, maxRetries, timeoutSecs);
      if ((await c.query(SQL.getTaskState, [jobId, taskId])).rowCount) {
        throw new TaskDbError('already_exists', `task ${taskId} of job ${jobId} already exists`);
      }
      // Prerequisites must already exist, so a new task can never close a cycle.
      const found = new Map(
        (await c.query<{ task_id: string; state: TaskState }>(SQL.prereqStates, [jobId, prereqs])).rows.map((r) => [
          r.task_id,
          r.state,
        ]),
      );
      let waitingOn = 0;
      for (const pre of prereqs) {
        const state = found.get(pre);
        if (!state)
          throw new TaskDbError('not_found', `prerequisite ${pre} of task ${taskId} does not exist in job ${jobId}`);
        if (state !== 'done') waitingOn++;
      }
      await c.query(SQL.insertTask, [
        jobId,
        taskId,
        streamId,
        job.seq,
        JSON.stringify(taskDef),
        JSON.stringify(prereqs),
        waitingOn === 0 ? 'ready' : 'pending',
        now,
        waitingOn,
        maxRetries,
        timeoutSecs,
      ]);
      if (prereqs.length > 0) await c.query(SQL.insertDeps, [jobId, prereqs, taskId]);
    });
  }

  requestWork(workerType: string, ctx?: ChangeContext, lease?: Lease): Promise<WorkItem | undefined> {
    return this.change(
      ctx,
      async (c, now) => {
        const { rows } = await c.query<{
          job_id: string;
          task_id: string;
          task_def: Json;
          prerequisites: string[];
          max_retries: number;
        }>(SQL.claim, [workerType, now, lease?.workerId ?? null, lease ? now + lease.ms : null]);
        const row = rows[0];
        return (
          row && {
            jobId: row.job_id,
            taskId: row.task_id,
            taskDef: row.task_def,
            prereqs: row.prerequisites,
            maxRetries: row.max_retries,
          }
        );
      },
      true,
    );
  }

  updateTaskDone(jobId: string, taskId: string, output: Json, ctx?: ChangeContext): Promise<boolean> {
    return this.change(
      ctx,
      async (c, now) => ((await c.query(SQL.markDone, [JSON.stringify(output), now, jobId, taskId])).rowCount ?? 0) > 0,
      true,
    );
  }

  updateTaskFailed(jobId: string, taskId: string, error: string, ctx?: ChangeContext): Promise<boolean> {
    return this.change(ctx, async (c, now) => {
      const applied = ((await c.query(SQL.markFailed, [error, now, jobId, taskId])).rowCount ?? 0) > 0;
      if (applied) await failJobOn(c, jobId, error, now);
      return applied;
    });
  }

  updateTaskRetry(jobId: string, taskId: string, error?: string, ctx?: ChangeContext): Promise<boolean> {
    return this.change(ctx, (c, now) => retryOn(c, jobId, taskId, error, now));
  }

  updateTaskProgress(jobId: string, taskId: string, progress: number): Promise<boolean> {
    const clamped = clampProgress(progress);
    return this.change(
      undefined,
      async (c, now) => ((await c.query(SQL.updateProgress, [clamped, now, jobId, taskId])).rowCount ?? 0) > 0,
      true,
    );
  }

  requeueTimedOut(limit = 100, ctx?: ChangeContext): Promise<number> {
    return this.change({ actor: ctx?.actor ?? 'sweeper', ...ctx }, async (c, now) => {
      const { rows } = await c.query<ExpiredRow>(SQL.timedOut, [now, limit]);
      for (const row of rows) await retryOn(c, row.job_id, row.task_id, expiryReason(row), now);
      return rows.length;
    });
  }

  requeueAllRunning(ctx?: ChangeContext): Promise<number> {
    return this.change({ actor: ctx?.actor ?? 'recovery', ...ctx }, async (c, now) => {
      const { rows } = await c.query<{ job_id: string; task_id: string }>(SQL.allRunning);
      for (const row of rows) await retryOn(c, row.job_id, row.task_id, 'worker process died', now);
      return rows.length;
    });
  }

  failJob(jobId: string, error: string, ctx?: ChangeContext): Promise<boolean> {
    return this.change(ctx, (c, now) => failJobOn(c, jobId, error, now));
  }

  stopJob(jobId: string, ctx?: ChangeContext): Promise<boolean> {
    return this.change(ctx, async (c, now) => {
      const applied = ((await c.query(SQL.stopJob, [STOPPED_BY_USER, now, jobId])).rowCount ?? 0) > 0;
      await c.query(SQL.cancelOpenTasks, [cancelledBecause(STOPPED_BY_USER), now, jobId]);
      return applied;
    });
  }

  failFinishedJob(jobId: string, error: string, ctx?: ChangeContext): Promise<boolean> {
    return this.change(ctx, async (c) => ((await c.query(SQL.failFinishedJob, [error, jobId])).rowCount ?? 0) > 0);
  }

  deleteJob(jobId: string, ctx?: ChangeContext): Promise<boolean> {
    return this.change(ctx, async (c, now) => {
      const job = (await c.query<{ state: JobState }>(SQL.getJob, [jobId])).rows[0];
      if (!job) return false;
      await c.query(SQL.deleteJob, [jobId]);
      await c.query(SQL.deleteEvents, [jobId]);
      // The deletion itself stays in the audit trail.
      await c.query(SQL.insertDeletedEvent, [jobId, now, job.state]);
      return true;
    });
  }

  async registerWorker(worker: WorkerInfo): Promise<void> {
    const now = Date.now();
    await this.read(SQL.upsertWorker, [worker.id, worker.host, JSON.stringify(worker.streams), worker.slots, now, now]);
  }

  heartbeat(workerId: string, leaseMs: number): Promise<boolean> {
    return this.change(undefined, async (c, now) => {
      await c.query(SQL.extendLeases, [now + leaseMs, workerId]);
      return ((await c.query(SQL.touchWorker, [now, workerId])).rowCount ?? 0) > 0;
    });
  }

  async removeWorker(workerId: string): Promise<void> {
    await this.read(SQL.deleteWorker, [workerId]);
  }

  async listWorkers(since: number): Promise<WorkerRow[]> {
    const workers = await this.read<WorkerDbRow<Json>>(SQL.workers, [since]);
    const held = await this.read<HeldTaskRow>(SQL.workerTasks, [since]);
    return toWorkers(workers, held, asJson);
  }

  async getJobState(jobId: string): Promise<JobState | undefined> {
    return (await this.read<{ state: JobState }>(SQL.getJob, [jobId]))[0]?.state;
  }

  async getJob(jobId: string): Promise<Job | undefined> {
    const row = (await this.read<JobRow>(SQL.getJob, [jobId]))[0];
    return row && toJob(row);
  }

  async requireJob(jobId: string): Promise<Job> {
    const job = await this.getJob(jobId);
    if (!job) throw new TaskDbError('not_found', `job ${jobId} does not exist`);
    return job;
  }

  async getTask(jobId: string, taskId: string): Promise<Task | undefined> {
    const row = (await this.read<TaskRow<Json>>(SQL.getTask, [jobId, taskId]))[0];
    return row && toTask(row, asJson);
  }

  async requireTask(jobId: string, taskId: string): Promise<Task> {
    await this.requireJob(jobId);
    const task = await this.getTask(jobId, taskId);
    if (!task) throw new TaskDbError('not_found', `task ${taskId} does not exist in job ${jobId}`);
    return task;
  }

  async getTasks(jobId: string): Promise<Task[]> {
    return (await this.read<TaskRow<Json>>(SQL.getTasks, [jobId])).map((row) => toTask(row, asJson));
  }

  async getStream(streamId: string): Promise<Stream | undefined> {
    const row = (await this.read<StreamRow>(SQL.getStream, [streamId]))[0];
    return row && toStream(row);
  }

  async getStreams(): Promise<Stream[]> {
    return (await this.read<StreamRow>(SQL.getStreams)).map(toStream);
  }

  async getConcurrentJobs(userId?: string): Promise<string[]> {
    const rows =
      userId === undefined
        ? await this.read<{ id: string }>(SQL.runningJobs)
        : await this.read<{ id: string }>(SQL.runningJobsOfUser, [userId]);
    return rows.map((r) => r.id);
  }

  async getEvents(jobId: string, afterId = 0): Promise<TaskEvent[]> {
    return (await this.read<EventRow>(SQL.jobEvents, [jobId, afterId])).map(toEvent);
  }

  async getEventsSince(afterId: number, limit = 1000): Promise<TaskEvent[]> {
    return (await this.read<EventRow>(SQL.eventsSince, [afterId, limit])).map(toEvent);
  }

  async jobSummaries(
    filter: JobListFilter | undefined,
    limit: number,
    offset: number,
    now = Date.now(),
  ): Promise<JobSummary[]> {
    const rows = await this.read<SummaryRow>(PG_JOB_LISTS[filter ?? 'all'].summaries, [
      now,
      limit < 0 ? null : limit,
      offset,
    ]);
    return rows.map(toSummary);
  }

  async jobSummary(jobId: string, now = Date.now()): Promise<JobSummary | undefined> {
    const row = (await this.read<SummaryRow>(SQL.jobSummary, [jobId, now]))[0];
    return row && toSummary(row);
  }

  async listJobIds(filter: JobListFilter | undefined, limit = -1, offset = 0): Promise<string[]> {
    const rows = await this.read<{ id: string }>(PG_JOB_LISTS[filter ?? 'all'].ids, [limit < 0 ? null : limit, offset]);
    return rows.map((r) => r.id);
  }

  async countJobs(filter?: JobListFilter): Promise<number> {
    return (await this.read<{ n: number }>(PG_JOB_LISTS[filter ?? 'all'].count))[0]?.n ?? 0;
  }

  /** The newest event's id (0 for none): where a reader of what happens from now on starts. */
  async lastEventId(): Promise<number> {
    return (await this.read<{ id: number }>(SQL.lastEventId))[0]?.id ?? 0;
  }

  async checkConsistency(): Promise<Consistency> {
    const ids = async (sql: string): Promise<string[]> => (await this.read<{ id: string }>(sql)).map((r) => r.id);
    return {
      streamCounters: await ids(SQL.streamCounters.text),
      jobCounters: await ids(CONSISTENCY_QUERIES.jobCounters),
      leakingTasks: await ids(CONSISTENCY_QUERIES.leakingTasks),
      badWaits: await ids(CONSISTENCY_QUERIES.badWaits),
    };
  }
}

/** Sets the actor and reason the event triggers record, on the connection, when they change. */
async function setContext(client: Client, actor: string, reason: string | null): Promise<void> {
  const last = contextOf.get(client);
  if (last && last.actor === actor && last.reason === reason) return;
  // Session settings: they stay with the connection until changed (an empty reason reads as none).
  await client.query(SQL.setContext, [actor, reason ?? '']);
  contextOf.set(client, { actor, reason });
}

async function requireStream(c: Client, streamId: string): Promise<void> {
  if (!(await c.query(SQL.streamExists, [streamId])).rowCount)
    throw new TaskDbError('not_found', `stream ${streamId} does not exist`);
}

async function failJobOn(c: Client, jobId: string, error: string, now: number): Promise<boolean> {
  const applied = ((await c.query(SQL.failJob, [error, now, jobId])).rowCount ?? 0) > 0;
  await c.query(SQL.cancelOpenTasks, [cancelledBecause(error), now, jobId]);
  return applied;
}

/** Puts a running task back to ready; past its max retries it fails with "retry max hit". */
async function retryOn(c: Client, jobId: string, taskId: string, error: string | undefined, now: number) {
  const row = (
    await c.query<{
      retries: number;
      max_retries: number;
      state: TaskState;
      job_state: JobState;
      error: string | null;
    }>(SQL.getRetryInfo, [jobId, taskId])
  ).rows[0];
  if (!row || row.state !== 'running') return false;
  const lastError = error ?? row.error;
  if (row.job_state !== 'running') {
    await c.query(SQL.markFailed, [cancelledBecause(`job is ${row.job_state}`), now, jobId, taskId]);
    return false;
  }
  if (row.retries + 1 > row.max_retries) {
    await c.query(SQL.bumpRetries, [jobId, taskId]);
    const message = lastError ? `retry max hit: ${lastError}` : 'retry max hit';
    await c.query(SQL.markFailed, [message, now, jobId, taskId]);
    await failJobOn(c, jobId, message, now);
    return false;
  }
  const saved = contextOf.get(c);
  await setContext(c, saved?.actor ?? 'unknown', lastError ? `retry: ${lastError}` : 'retry');
  try {
    await c.query(SQL.markRetry, [now, lastError, jobId, taskId]);
  } finally {
    await setContext(c, saved?.actor ?? 'unknown', saved?.reason ?? null);
  }
  return true;
}

const asJson = (value: Json): Json => value;
