// The engine: the job service over a data directory. It creates, reads,
// lists, stops, retries and deletes jobs, and announces every change of a job
// (`change`); the scheduler (scheduler.ts) runs their tasks. The taskdb and
// the blob store are private to the two: callers see jobs in the contract's
// shapes (core/api/contract.ts) and the few blob operations uploads need.

import { EventEmitter } from 'node:events';
import { readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, join } from 'node:path';
import { type BlobSource, BlobStore } from '../blobs/blobstore.js';
import { markTerminal } from '../blobs/retention.js';
import { type FileRef, LocalTaskFiles, S3TaskFiles, type TaskFiles } from '../blobs/taskfiles.js';
import { Membership } from '../cluster/membership.js';
import { PgTaskDb } from '../taskdb/pg/pgtaskdb.js';
import { isTaskDbUnreachable } from '../taskdb/unreachable.js';
import { SqliteTaskStore } from '../taskdb/sqlitestore.js';
import type { TaskStore, WorkerRow } from '../taskdb/store.js';
import { prepareDataDir } from '../config/datadir.js';
import { type DataDirLock, lockDataDir } from '../config/datadirlock.js';
import { taskDbPath } from '../config/paths.js';
import { type AdminResult, resetTasks } from '../taskdb/admin.js';
import { TaskDb } from '../taskdb/taskdb.js';
import type { JobSummary } from '../taskdb/jobsummary.js';
import type { Json } from '../taskdb/types.js';
import { FileRefused, readRegularFile } from '../files/safefile.js';
import { elfHeaderProblem } from '../guest/elfheader.js';
import { isValidId } from '../ids.js';
import { DEFAULT_RECEIPT_KIND, type ReceiptKind, type S3Config } from '../api/contract.js';
import { S3Sync } from '../sync/s3sync.js';
import { deletedJobs, runEngineAdminVerb } from './adminverbs.js';
import { EngineError, InvalidElf } from './engineerror.js';
import { NativeError, imageIdOf } from './native.js';
import { type ReceiptCheck, checkReceipt } from './receiptcheck.js';
import { progressOf } from './phase.js';
import { STOPPED_BY_USER } from '../taskdb/types.js';
import {
  DEFAULT_PO2,
  JobDetail,
  type JobFilter,
  type JobStatus,
  PO2_MAX,
  PO2_MIN,
  type Phase,
  TaskKind,
} from '../api/contract.js';
import { type ActiveTask, Scheduler, defaultSlots } from './scheduler.js';
import { STREAMS, type StreamKind, TaskDef } from './taskdefs.js';

export { EngineError, InvalidElf };
export type { ActiveTask };

export const USER = 'local';

export const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;

export interface EngineOptions {
  home: string;
  /** Worker slots per stream (defaults suit the machine: one prove slot per two cores). */
  slots?: Partial<Record<StreamKind, number>>;
  maxRetries?: number;
  /** The bento-zkvm binary (default: $BENTO_ZKVM or the one built by npm install). */
  binary?: string;
  /** Scales every task's timeout (tests shorten them). */
  timeoutScale?: number;
  /** The largest guest ELF read from a path (default 256 MiB, the daemon's upload limit). */
  maxFileBytes?: number;
  /** Who holds the data directory's lock, for the message another process gets (default: an engine in pid N). */
  holder?: string;
  /** Run on a cluster's shared taskdb and bucket instead of the data directory's own (see core/cluster). */
  cluster?: ClusterOptions;
}

export interface ClusterOptions {
  /** The taskdb's PostgreSQL URL. */
  taskdb: string;
  s3: S3Config;
  /** How long a claim of this process stays held without a heartbeat (default 30 s). */
  leaseMs?: number;
  /** How often this process sweeps for tasks whose lease ended (default 5 s). */
  sweepMs?: number;
  /** How often it reads the taskdb's events for changes made by other hosts (default 500 ms). */
  followMs?: number;
}

/** How far below the newest event read the cluster's event log is read again (see Engine.follow). */
const FOLLOW_WINDOW = 256;
/** How often waitFor asks for a job's state besides listening for its changes. */
const WAIT_POLL_MS = 5000;
/** Every how many rounds of reading events the running jobs are read as well. */
const FOLLOW_RECHECK_ROUNDS = 10;

/** How long a worker may go unheard from and still be listed. */
const WORKER_LISTED_MS = 2 * 60_000;

export interface JobRequest {
  /** The guest ELF: a file, or the id of one stored before. */
  elfPath?: string;
  imageBlob?: string;
  input: Uint8Array;
  po2?: number;
  cycleLimit?: number | null;
  executeOnly?: boolean;
  receiptKind?: ReceiptKind;
}

/** The blob store's operations that uploads need (ELFs, inputs, Bonsai's receipt uploads). */
export type Uploads = Pick<BlobStore, 'exists' | 'put' | 'putContentAddressed' | 'get' | 'delete'>;

const TERMINAL: readonly Phase[] = ['succeeded', 'failed', 'stopped'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.includes(status.phase);
}

export class Engine extends EventEmitter<{ change: [jobId: string] }> {
  private readonly scheduler: Scheduler;
  private readonly maxRetries: number;
  private readonly binary: string | undefined;
  readonly maxFileBytes: number;

  private follower: NodeJS.Timeout | undefined;

  private constructor(
    private readonly tdb: TaskStore,
    private readonly store: BlobStore,
    private readonly files: TaskFiles,
    private readonly streams: Record<StreamKind, string>,
    private readonly lock: DataDirLock,
    options: EngineOptions,
    /** This process as a member of a cluster (its id, heartbeats and sweep). */
    private readonly membership: Membership | undefined,
  ) {
    super();
    // Every UI client's event stream listens here: no listener cap.
    this.setMaxListeners(0);
    this.maxRetries = options.maxRetries ?? 2;
    this.binary = options.binary;
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.scheduler = new Scheduler(
      tdb,
      files,
      streams,
      {
        slots: options.slots,
        maxRetries: this.maxRetries,
        binary: options.binary,
        timeoutScale: options.timeoutScale,
        // A shared taskdb's running tasks belong to other hosts too: only the sweep takes them back.
        ...(membership
          ? { actor: membership.info.id, lease: membership.lease }
          : {
              recoverOnStart: true,
              onEnded: (jobId: string, endedAt: number) => markTerminal(store.root, jobId, endedAt),
            }),
      },
      (jobId) => this.emit('change', jobId),
    );
  }

  static async open(options: EngineOptions): Promise<Engine> {
    await prepareDataDir(options.home);
    const lock = await lockDataDir(options.home, options.holder ?? 'a bento engine');
    try {
      const store = new BlobStore(options.home);
      await store.init();
      if (options.cluster) return await Engine.openCluster(options, options.cluster, store, lock);
      const db = TaskDb.open(taskDbPath(options.home), { actor: 'engine' });
      const streams = db.ensureStreams(STREAMS, USER) as Record<StreamKind, string>;
      return new Engine(SqliteTaskStore.over(db), store, new LocalTaskFiles(store), streams, lock, options, undefined);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /** The engine on a cluster's taskdb and bucket, itself a member that runs tasks on its slots. */
  private static async openCluster(
    options: EngineOptions,
    cluster: ClusterOptions,
    store: BlobStore,
    lock: DataDirLock,
  ): Promise<Engine> {
    const id = `serve@${hostname()}-${process.pid}`;
    const tdb = await PgTaskDb.open(cluster.taskdb, { actor: id, poolSize: 16 });
    try {
      const streams = (await tdb.ensureStreams(STREAMS, USER)) as Record<StreamKind, string>;
      const since = await tdb.lastEventId();
      const slots = { ...defaultSlots(), ...options.slots };
      const membership = await Membership.join(
        tdb,
        {
          id,
          host: hostname(),
          streams: STREAMS.filter((k) => slots[k] > 0),
          slots: Math.max(...Object.values(slots)),
        },
        {
          leaseMs: cluster.leaseMs,
          sweepMs: cluster.sweepMs,
          log: (line) => process.stderr.write(`bento serve: ${line}\n`),
        },
      );
      const cache = join(store.root, 'cluster-cache');
      const engine = new Engine(tdb, store, new S3TaskFiles(cluster.s3, cache), streams, lock, options, membership);
      engine.follow(cluster.followMs ?? 500, cache, since);
      return engine;
    } catch (err) {
      await tdb.close();
      throw err;
    }
  }

  /**
   * Announces the changes other hosts make (a worker elsewhere claims, proves,
   * fails): the taskdb's events are read as they come, from now on. A job
   * that ended leaves nothing in this host's cache but its stored blobs.
   */
  private follow(ms: number, cache: string, since: number): void {
    let last = since;
    // Event ids are taken when a change is made but seen when it commits, so an
    // id below the last one read may still come: a window below it is read
    // again, and what was seen of it remembered.
    const seen = new Set<number>();
    // And every few rounds the jobs running are read: one that was and is not has ended, seen or not.
    let running = new Set<string>();
    let round = 0;
    let busy = false;
    let failing = false;
    this.follower = setInterval(() => {
      if (busy) return;
      busy = true;
      void (async () => {
        for (;;) {
          const events = await this.tdb.getEventsSince(Math.max(0, last - FOLLOW_WINDOW), 1000);
          failing = false;
          const fresh = events.filter((e) => e.id > since && !seen.has(e.id));
          for (const e of fresh) {
            seen.add(e.id);
            last = Math.max(last, e.id);
            // An id from the shared database names a folder only once it is one an id can be (no ../).
            if (e.taskId === null && e.to !== 'running' && isValidId(e.jobId))
              await rm(join(cache, 'work', e.jobId), { recursive: true, force: true });
          }
          for (const id of seen) if (id <= last - FOLLOW_WINDOW) seen.delete(id);
          const changed = new Set(fresh.map((e) => e.jobId));
          const caughtUp = events.length < 1000;
          if (caughtUp && round++ % FOLLOW_RECHECK_ROUNDS === 0) {
            const now = new Set(await this.tdb.getConcurrentJobs());
            for (const jobId of running) if (!now.has(jobId)) changed.add(jobId);
            running = now;
          }
          for (const jobId of changed) this.emit('change', jobId);
          if (caughtUp) return;
        }
      })()
        .catch((err: unknown) => {
          // Once per outage (the database restarting): the next rounds try again quietly.
          if (!failing) this.scheduler.fault('reading the taskdb events', err);
          failing = true;
        })
        .finally(() => {
          busy = false;
        });
    }, ms);
  }

  /** Whether this engine runs on a cluster's taskdb and bucket. */
  get clustered(): boolean {
    return this.membership !== undefined;
  }

  /** The cluster's workers heard from lately, this process among them; none on the desktop. */
  async workers(): Promise<WorkerRow[]> {
    return this.membership ? this.tdb.listWorkers(Date.now() - WORKER_LISTED_MS) : [];
  }

  /** The data directory. */
  get home(): string {
    return this.store.root;
  }

  /** Where uploads go: the blob store, narrowed to what uploading needs. */
  get uploads(): Uploads {
    return this.store;
  }

  /** Worker slots of a stream kind (0 for a kind this engine does not run). */
  slotCount(kind: string): number {
    return this.scheduler.slotCount(kind);
  }

  /** What every busy worker slot runs now, oldest first. */
  activeTasks(): ActiveTask[] {
    return this.scheduler.activeTasks();
  }

  /** Each stream's running and ready tasks. */
  async streamLoad(): Promise<{ workerType: string; running: number; ready: number }[]> {
    return (await this.tdb.getStreams()).map((st) => ({
      workerType: st.workerType,
      running: st.running,
      ready: st.ready,
    }));
  }

  /** Re-queues tasks a dead process left running, then starts the worker slots. */
  start(): void {
    this.scheduler.start();
  }

  /** Stops the slots and their children; tasks in flight are re-queued by the next start. */
  async close(): Promise<void> {
    clearInterval(this.follower);
    this.membership?.stop();
    try {
      await this.scheduler.close();
      // Its tasks go back to the queue now rather than when their lease ends (or then, with the taskdb out of reach).
      await this.membership?.leave().catch((err: unknown) => this.scheduler.fault('leaving the cluster', err));
    } finally {
      await this.tdb.close();
      this.lock.release();
    }
  }

  /** A bucket sync over this data directory's blobs. */
  syncTo(config: S3Config): S3Sync {
    return new S3Sync(this.store, config);
  }

  async createJob(request: JobRequest): Promise<string> {
    const po2 = request.po2 ?? DEFAULT_PO2;
    if (!Number.isInteger(po2) || po2 < PO2_MIN || po2 > PO2_MAX)
      throw new EngineError(`po2 ${po2} is out of range (${PO2_MIN}..=${PO2_MAX})`);
    let elf: string;
    if (request.elfPath) {
      // A path may name anything (a FIFO, a device, a secret): only a bounded regular file is read.
      const name = `the ELF ${basename(request.elfPath)}`;
      const bytes = await readRegularFile(request.elfPath, { maxBytes: this.maxFileBytes, name }).catch(
        (err: unknown) => {
          throw err instanceof FileRefused ? new EngineError(err.message) : err;
        },
      );
      elf = await this.storeElf(bytes, name);
    } else if (request.imageBlob) {
      if (!(await this.store.exists('elfs', request.imageBlob)))
        throw new EngineError(`no stored ELF ${request.imageBlob}`);
      elf = request.imageBlob;
    } else {
      throw new EngineError('a session needs an ELF');
    }
    const input = (await this.store.putContentAddressed('inputs', request.input)).sha256;
    // A worker on another host reads them from the bucket.
    await this.files.share(this.store, 'elfs', elf);
    await this.files.share(this.store, 'inputs', input);
    const def: TaskDef = {
      kind: 'execute',
      elf,
      input,
      po2,
      cycleLimit: request.cycleLimit ?? null,
      executeOnly: request.executeOnly ?? false,
      receiptKind: request.receiptKind ?? DEFAULT_RECEIPT_KIND,
    };
    const jobId = await this.tdb.createJob(
      this.streams.exec,
      def as unknown as Json,
      this.maxRetries,
      this.scheduler.timeout('execute', po2),
      USER,
    );
    this.changed(jobId);
    return jobId;
  }

  /**
   * Stores a guest ELF under its image ID, the one key of elfs/ (as the Bonsai
   * routes and the bucket's layout have it), once its header shows an RV32
   * executable and the prover computes its image ID (nothing else is kept or echoed).
   */
  async storeElf(data: BlobSource, name: string, options: { maxBytes?: number } = {}): Promise<string> {
    const put = await this.store.putKeyed(
      'elfs',
      data,
      async ({ path, head }) => {
        const problem = elfHeaderProblem(head.subarray(0, 20), name);
        if (problem) throw new InvalidElf(problem);
        return imageIdOf(path, this.binary).catch((err: unknown) => {
          throw err instanceof NativeError ? new InvalidElf(`${name}: ${err.message}`) : err;
        });
      },
      options,
    );
    return put.id;
  }

  async status(jobId: string): Promise<JobStatus> {
    const summary = await this.tdb.jobSummary(jobId);
    if (!summary) throw new EngineError(`no job ${jobId}`);
    return this.statusOf(summary);
  }

  /** A job's status from the summary of its tasks (one query, whatever the job's size). */
  private async statusOf(summary: JobSummary, now = Date.now()): Promise<JobStatus> {
    const { job, execute, finalize } = summary;
    const jobId = job.id;
    const def = TaskDef.safeParse(execute?.taskDef);
    const out = (execute?.output ?? {}) as Record<string, Json>;
    const end = job.endedAt ?? now;
    const progress = progressOf(summary, now);
    const execDef = def.success && def.data.kind === 'execute' ? def.data : undefined;
    const executeOnly = execDef?.executeOnly ?? false;
    const receiptBytes = job.state === 'done' && finalize !== null ? await this.receiptSize(jobId) : null;
    return {
      ...progress,
      // Execute-only jobs have no proving tasks to count: the executor reports its segments.
      segments: (executeOnly ? finite(out.segments) : null) ?? progress.segments,
      jobId,
      state: job.state,
      error: job.error,
      createdAt: job.createdAt,
      endedAt: job.endedAt,
      elapsedMs: end - job.createdAt,
      // The executor's output is written by whichever host ran it: only finite numbers are taken from it.
      cycles: finite(out.cycles) ?? this.scheduler.liveCycles(jobId),
      exitCode: finite(out.exitCode),
      journalHex: typeof out.journal === 'string' ? out.journal : null,
      // The image ID is the one this ELF was stored under (computed where it was uploaded), shown once it ran.
      imageId: typeof out.imageId === 'string' ? (execDef?.elf ?? null) : null,
      executeOnly,
      receiptKind: execDef?.receiptKind ?? DEFAULT_RECEIPT_KIND,
      hasReceipt: receiptBytes !== null,
      receiptBytes,
    };
  }

  /** A job's status with its tasks and their timeline, as the contract shows them. */
  async detail(jobId: string): Promise<JobDetail> {
    const status = await this.status(jobId);
    const tasks = (await this.tdb.getTasks(jobId)).flatMap((task) => {
      const kind = TaskKind.safeParse(task.kind);
      // A task of no known kind (a foreign backfill) fails when claimed; it is not drawn.
      return kind.success ? [{ ...task, kind: kind.data }] : [];
    });
    return JobDetail.parse({ ...status, tasks, events: await this.tdb.getEvents(jobId) });
  }

  /** The guest's stdout and stderr (empty until the executor has run). */
  async logs(jobId: string): Promise<Buffer> {
    await this.status(jobId);
    const logs = isValidId(jobId) ? await this.files.fetch({ kind: 'logs', id: jobId }).catch(() => null) : null;
    return logs ? readFile(logs).catch(() => Buffer.alloc(0)) : Buffer.alloc(0);
  }

  /** The stored receipt of a job, if there is one (a path for this process only, never sent out). */
  async receiptFile(jobId: string): Promise<string | null> {
    const ref = receiptRef(jobId);
    return ref && (await this.files.size(ref)) !== null ? this.files.fetch(ref) : null;
  }

  /** The stored receipt's size in bytes; null when there is none (or it was deleted a moment ago). */
  private async receiptSize(jobId: string): Promise<number | null> {
    const ref = receiptRef(jobId);
    return ref ? this.files.size(ref) : null;
  }

  /** Whether the job exists. */
  async hasJob(jobId: string): Promise<boolean> {
    return (await this.jobState(jobId)) !== undefined;
  }

  /** The job's state alone (cheap: no status is built); undefined for no such job. */
  jobState(jobId: string): Promise<JobStatus['state'] | undefined> {
    return this.tdb.getJobState(jobId);
  }

  /** The ELF and input a job runs (their blob ids), if its executor's definition is readable. */
  async blobsOf(jobId: string): Promise<{ elf: string; input: string } | null> {
    const def = TaskDef.safeParse((await this.tdb.getTask(jobId, 'init'))?.taskDef);
    return def.success && def.data.kind === 'execute' ? { elf: def.data.elf, input: def.data.input } : null;
  }

  /** Stored receipts of succeeded jobs, newest job first, with their sizes. */
  async receipts(
    limit: number,
    offset: number,
  ): Promise<{ receipts: (JobStatus & { receiptBytes: number })[]; total: number }> {
    const stored = new Set(await this.files.list('receipts'));
    const ids = (await this.tdb.listJobIds('succeeded')).filter((id) => stored.has(id));
    const statuses = await Promise.all(ids.slice(offset, offset + limit).map((id) => this.status(id)));
    // A receipt deleted since the listing is left out of the page.
    const receipts = statuses.flatMap((status) =>
      status.receiptBytes === null ? [] : [{ ...status, receiptBytes: status.receiptBytes }],
    );
    return { receipts, total: ids.length };
  }

  /** An admin verb on the taskdb (bento admin); a job it deleted loses its children and files too. */
  async admin(verb: string, args: unknown): Promise<unknown> {
    const result = await runEngineAdminVerb(this.tdb, verb, args);
    await Promise.all(deletedJobs(result).map((jobId) => this.forget(jobId)));
    return result;
  }

  /** Jobs, newest first, optionally only those in one state. */
  async list(limit = 50, offset = 0, filter?: JobFilter): Promise<JobStatus[]> {
    const now = Date.now();
    const summaries = await this.tdb.jobSummaries(filter, limit, offset, now);
    const statuses = await Promise.all(
      summaries.map((summary) =>
        this.statusOf(summary, now).catch((err: unknown) => {
          // One unreadable row never takes the list down with it.
          this.scheduler.fault(`listing job ${summary.job.id.slice(0, 80)}`, err);
          return undefined;
        }),
      ),
    );
    return statuses.filter((s): s is JobStatus => s !== undefined);
  }

  count(filter?: JobFilter): Promise<number> {
    return this.tdb.countJobs(filter);
  }

  /** Removes an ended job: its tasks and events, receipt, journal, logs and work directory. */
  async delete(jobId: string): Promise<void> {
    const state = await this.tdb.getJobState(jobId);
    if (!state) throw new EngineError(`no job ${jobId}`);
    if (state === 'running') throw new EngineError(`job ${jobId} is still running: stop it before deleting it`);
    await this.tdb.deleteJob(jobId, { actor: 'user', reason: 'deleted' });
    await this.forget(jobId);
  }

  /** After a job's rows are gone (here or by an admin verb): its children are stopped and its files removed. */
  async forget(jobId: string): Promise<void> {
    this.scheduler.abortJob(jobId, 'job deleted');
    // The job is gone either way: files that could not be removed (the bucket out of reach) are reported, not the delete.
    await this.files
      .removeJob(jobId)
      .catch((err: unknown) => this.scheduler.fault(`removing the files of job ${jobId}`, err));
    this.emit('change', jobId);
  }

  /**
   * Verifies a job's stored receipt again (bento-zkvm verify). One that no
   * longer verifies (the file changed on disk) fails its job, so it is never
   * handed out as a proof.
   */
  async verifyReceipt(jobId: string): Promise<ReceiptCheck> {
    const s = await this.status(jobId);
    const stored = await this.receiptFile(jobId);
    if (!s.hasReceipt || !stored || !s.imageId) throw new EngineError(`job ${jobId} has no receipt (${s.phase})`);
    const claim = { imageId: s.imageId, journalHex: s.journalHex, exitCode: s.exitCode };
    const checked = await checkReceipt(await readFile(stored), claim, this.binary);
    return checked.valid ? checked : this.receiptRefused(jobId, checked.error);
  }

  /** A stored receipt that does not verify fails its job, so it is never handed out as a proof. */
  private async receiptRefused(jobId: string, error: string): Promise<{ valid: false; error: string }> {
    await this.tdb.failFinishedJob(jobId, `the stored receipt no longer verifies: ${error}`, { actor: 'engine' });
    this.emit('change', jobId);
    return { valid: false, error };
  }

  /** Runs a failed or stopped job again from its failed tasks (finished segments are kept). */
  async retry(jobId: string): Promise<AdminResult> {
    const result = await resetTasks(
      this.tdb,
      { jobId, state: 'failed' },
      { force: true, actor: 'user', reason: 'retried from the UI' },
    );
    this.changed(jobId);
    return result;
  }

  /** Removes a job's stored receipt (the job stays). */
  async deleteReceipt(jobId: string): Promise<void> {
    const ref = receiptRef(jobId);
    if (ref) await this.files.remove(ref);
    this.emit('change', jobId);
  }

  /** Stops the job at the user's word and kills its children. */
  async stop(jobId: string): Promise<boolean> {
    const stopped = await this.tdb.stopJob(jobId, { actor: 'user' });
    this.scheduler.abortJob(jobId, STOPPED_BY_USER);
    if (stopped) await this.scheduler.ended(jobId);
    return stopped;
  }

  /** Resolves when the job reaches a terminal phase. */
  waitFor(jobId: string): Promise<JobStatus> {
    return new Promise((resolve, reject) => {
      let settled = false;
      const settle = (): void => {
        settled = true;
        this.off('change', check);
        clearInterval(poll);
      };
      const check = (id: string): void => {
        if (id !== jobId || settled) return;
        // Changes are frequent (progress lines): the full status only once the job has ended.
        void this.tdb
          .getJobState(jobId)
          .then(async (state) => {
            if (state === 'running' || settled) return;
            const status = await this.status(jobId);
            if (settled) return;
            settle();
            resolve(status);
          })
          .catch((err: unknown) => {
            // The taskdb or bucket restarting is waited out: the next change or poll asks again.
            if (settled || isTaskDbUnreachable(err)) return;
            settle();
            reject(err instanceof Error ? err : new Error(String(err)));
          });
      };
      // A change made elsewhere that was not heard of (see follow) is found by asking now and then.
      const poll = setInterval(() => check(jobId), WAIT_POLL_MS);
      this.on('change', check);
      check(jobId);
    });
  }

  private changed(jobId: string): void {
    this.scheduler.wake();
    this.emit('change', jobId);
  }
}

/** A job's receipt; none for a row from outside (an old backfill) whose id no blob can have. */
function receiptRef(jobId: string): FileRef | null {
  return isValidId(jobId) ? { kind: 'receipts', id: jobId } : null;
}

/** A finite number from a JSON value, else null (JSON from elsewhere may hold 1e400, which parses to Infinity). */
function finite(value: Json | undefined): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}
