// The engine: the job service over a data directory. It creates, reads,
// lists, stops, retries and deletes jobs, and announces every change of a job
// (`change`); the scheduler (scheduler.ts) runs their tasks. The taskdb and
// the blob store are private to the two: callers see jobs in the contract's
// shapes (core/api/contract.ts) and the few blob operations uploads need.

import { EventEmitter } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { type BlobSource, BlobStore } from '../blobs/blobstore.js';
import { markTerminal } from '../blobs/retention.js';
import { LocalTaskFiles } from '../blobs/taskfiles.js';
import { SqliteTaskStore } from '../taskdb/sqlitestore.js';
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
import { NativeError, imageIdOf, runNative } from './native.js';
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
import { type ActiveTask, Scheduler } from './scheduler.js';
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
}

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

  private constructor(
    private readonly db: TaskDb,
    private readonly store: BlobStore,
    private readonly streams: Record<StreamKind, string>,
    private readonly lock: DataDirLock,
    options: EngineOptions,
  ) {
    super();
    // Every UI client's event stream listens here: no listener cap.
    this.setMaxListeners(0);
    this.maxRetries = options.maxRetries ?? 2;
    this.binary = options.binary;
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
    this.scheduler = new Scheduler(
      SqliteTaskStore.over(db),
      new LocalTaskFiles(store),
      streams,
      {
        slots: options.slots,
        maxRetries: this.maxRetries,
        binary: options.binary,
        timeoutScale: options.timeoutScale,
        recoverOnStart: true,
        onEnded: (jobId, endedAt) => markTerminal(store.root, jobId, endedAt),
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
      const db = TaskDb.open(taskDbPath(options.home), { actor: 'engine' });
      const streams = db.ensureStreams(STREAMS, USER) as Record<StreamKind, string>;
      return new Engine(db, store, streams, lock, options);
    } catch (err) {
      lock.release();
      throw err;
    }
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
  streamLoad(): { workerType: string; running: number; ready: number }[] {
    return this.db.getStreams().map((st) => ({ workerType: st.workerType, running: st.running, ready: st.ready }));
  }

  /** Re-queues tasks a dead process left running, then starts the worker slots. */
  start(): void {
    this.scheduler.start();
  }

  /** Stops the slots and their children; tasks in flight are re-queued by the next start. */
  async close(): Promise<void> {
    await this.scheduler.close();
    this.db.close();
    this.lock.release();
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
    const def: TaskDef = {
      kind: 'execute',
      elf,
      input,
      po2,
      cycleLimit: request.cycleLimit ?? null,
      executeOnly: request.executeOnly ?? false,
      receiptKind: request.receiptKind ?? DEFAULT_RECEIPT_KIND,
    };
    const jobId = this.db.createJob(
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

  status(jobId: string): JobStatus {
    const summary = this.db.jobSummary(jobId);
    if (!summary) throw new EngineError(`no job ${jobId}`);
    return this.statusOf(summary);
  }

  /** A job's status from the summary of its tasks (one query, whatever the job's size). */
  private statusOf(summary: JobSummary, now = Date.now()): JobStatus {
    const { job, execute, finalize } = summary;
    const jobId = job.id;
    const def = TaskDef.safeParse(execute?.taskDef);
    const out = (execute?.output ?? {}) as Record<string, Json>;
    const end = job.endedAt ?? now;
    const progress = progressOf(summary, now);
    const execDef = def.success && def.data.kind === 'execute' ? def.data : undefined;
    const executeOnly = execDef?.executeOnly ?? false;
    const receiptBytes = job.state === 'done' && finalize !== null ? this.receiptSize(jobId) : null;
    return {
      ...progress,
      // Execute-only jobs have no proving tasks to count: the executor reports its segments.
      segments: executeOnly && typeof out.segments === 'number' ? out.segments : progress.segments,
      jobId,
      state: job.state,
      error: job.error,
      createdAt: job.createdAt,
      endedAt: job.endedAt,
      elapsedMs: end - job.createdAt,
      cycles: typeof out.cycles === 'number' ? out.cycles : this.scheduler.liveCycles(jobId),
      exitCode: typeof out.exitCode === 'number' ? out.exitCode : null,
      journalHex: typeof out.journal === 'string' ? out.journal : null,
      imageId: typeof out.imageId === 'string' ? out.imageId : null,
      executeOnly,
      receiptKind: execDef?.receiptKind ?? DEFAULT_RECEIPT_KIND,
      hasReceipt: receiptBytes !== null,
      receiptBytes,
    };
  }

  /** A job's status with its tasks and their timeline, as the contract shows them. */
  detail(jobId: string): JobDetail {
    const tasks = this.db.getTasks(jobId).flatMap((task) => {
      const kind = TaskKind.safeParse(task.kind);
      // A task of no known kind (a foreign backfill) fails when claimed; it is not drawn.
      return kind.success ? [{ ...task, kind: kind.data }] : [];
    });
    return JobDetail.parse({ ...this.status(jobId), tasks, events: this.db.getEvents(jobId) });
  }

  /** The guest's stdout and stderr (empty until the executor has run). */
  async logs(jobId: string): Promise<Buffer> {
    this.status(jobId);
    return this.store.get('logs', jobId).catch(() => Buffer.alloc(0));
  }

  /** The stored receipt of a job, if there is one (a path for this process only, never sent out). */
  receiptFile(jobId: string): string | null {
    const receipt = this.receiptPath(jobId);
    return receipt && existsSync(receipt) ? receipt : null;
  }

  /** The stored receipt's size in bytes; null when there is none (or it was deleted a moment ago). */
  private receiptSize(jobId: string): number | null {
    const receipt = this.receiptPath(jobId);
    return receipt ? (statSync(receipt, { throwIfNoEntry: false })?.size ?? null) : null;
  }

  private receiptPath(jobId: string): string | null {
    // A row from outside (an old backfill) may carry an id no blob can have: it simply has no receipt.
    return isValidId(jobId) ? this.store.path('receipts', jobId) : null;
  }

  /** Whether the job exists. */
  hasJob(jobId: string): boolean {
    return this.jobState(jobId) !== undefined;
  }

  /** The job's state alone (cheap: no status is built); undefined for no such job. */
  jobState(jobId: string): JobStatus['state'] | undefined {
    return this.db.getJobState(jobId);
  }

  /** The ELF and input a job runs (their blob ids), if its executor's definition is readable. */
  blobsOf(jobId: string): { elf: string; input: string } | null {
    const def = TaskDef.safeParse(this.db.getTask(jobId, 'init')?.taskDef);
    return def.success && def.data.kind === 'execute' ? { elf: def.data.elf, input: def.data.input } : null;
  }

  /** The job's stored receipt. */
  receipt(jobId: string): Promise<Buffer> {
    return this.store.get('receipts', jobId);
  }

  /** Stored receipts of succeeded jobs, newest job first, with their sizes. */
  async receipts(
    limit: number,
    offset: number,
  ): Promise<{ receipts: (JobStatus & { receiptBytes: number })[]; total: number }> {
    const stored = new Set(await this.store.list('receipts'));
    const ids = this.listIds('succeeded').filter((id) => stored.has(id));
    const receipts = ids.slice(offset, offset + limit).flatMap((id) => {
      const status = this.status(id);
      // A receipt deleted since the listing is left out of the page.
      return status.receiptBytes === null ? [] : [{ ...status, receiptBytes: status.receiptBytes }];
    });
    return { receipts, total: ids.length };
  }

  /** An admin verb on the taskdb (bento admin); a job it deleted loses its children and files too. */
  async admin(verb: string, args: unknown): Promise<unknown> {
    const result = runEngineAdminVerb(this.db, verb, args);
    await Promise.all(deletedJobs(result).map((jobId) => this.forget(jobId)));
    return result;
  }

  /** Jobs, newest first, optionally only those in one state. */
  list(limit = 50, offset = 0, filter?: JobFilter): JobStatus[] {
    const now = Date.now();
    return this.db.jobSummaries(filter, limit, offset, now).flatMap((summary) => {
      try {
        return [this.statusOf(summary, now)];
      } catch (err) {
        // One unreadable row never takes the list down with it.
        this.scheduler.fault(`listing job ${summary.job.id.slice(0, 80)}`, err);
        return [];
      }
    });
  }

  /** Job ids, newest first (cheap: no status is built). */
  private listIds(filter?: JobFilter, limit = -1, offset = 0): string[] {
    return this.db.listJobIds(filter, limit, offset);
  }

  count(filter?: JobFilter): number {
    return this.db.countJobs(filter);
  }

  /** Removes an ended job: its tasks and events, receipt, journal, logs and work directory. */
  async delete(jobId: string): Promise<void> {
    const state = this.db.getJobState(jobId);
    if (!state) throw new EngineError(`no job ${jobId}`);
    if (state === 'running') throw new EngineError(`job ${jobId} is still running: stop it before deleting it`);
    this.db.deleteJob(jobId, { actor: 'user', reason: 'deleted' });
    await this.forget(jobId);
  }

  /** After a job's rows are gone (here or by an admin verb): its children are stopped and its files removed. */
  async forget(jobId: string): Promise<void> {
    this.scheduler.abortJob(jobId, 'job deleted');
    await this.store.removeJob(jobId);
    this.emit('change', jobId);
  }

  /**
   * Verifies a job's stored receipt again (bento-zkvm verify). One that no
   * longer verifies (the file changed on disk) fails its job, so it is never
   * handed out as a proof.
   */
  async verifyReceipt(jobId: string): Promise<{ valid: true; verifyMs: number } | { valid: false; error: string }> {
    const s = this.status(jobId);
    const receipt = this.receiptFile(jobId);
    if (!s.hasReceipt || !receipt || !s.imageId) throw new EngineError(`job ${jobId} has no receipt (${s.phase})`);
    try {
      const { result } = await runNative(
        ['verify', receipt, '--image-id', s.imageId],
        this.binary ? { binary: this.binary } : {},
      );
      return { valid: true, verifyMs: Number(result.verify_ms) };
    } catch (err) {
      if (!(err instanceof NativeError && err.reported)) throw err;
      this.db.failFinishedJob(jobId, `the stored receipt no longer verifies: ${err.message}`, { actor: 'engine' });
      this.emit('change', jobId);
      return { valid: false, error: err.message };
    }
  }

  /** Runs a failed or stopped job again from its failed tasks (finished segments are kept). */
  retry(jobId: string): AdminResult {
    const result = resetTasks(
      this.db,
      { jobId, state: 'failed' },
      { force: true, actor: 'user', reason: 'retried from the UI' },
    );
    this.changed(jobId);
    return result;
  }

  /** Removes a job's stored receipt (the job stays). */
  async deleteReceipt(jobId: string): Promise<void> {
    await this.store.delete('receipts', jobId);
    this.emit('change', jobId);
  }

  /** Stops the job at the user's word and kills its children. */
  async stop(jobId: string): Promise<boolean> {
    const stopped = this.db.stopJob(jobId, { actor: 'user' });
    this.scheduler.abortJob(jobId, STOPPED_BY_USER);
    if (stopped) await this.scheduler.ended(jobId);
    return stopped;
  }

  /** Resolves when the job reaches a terminal phase. */
  waitFor(jobId: string): Promise<JobStatus> {
    return new Promise((resolve) => {
      const check = (id: string): void => {
        // Changes are frequent (progress lines): the full status only once the job has ended.
        if (id !== jobId || this.db.getJobState(jobId) === 'running') return;
        this.off('change', check);
        resolve(this.status(jobId));
      };
      this.on('change', check);
      check(jobId);
    });
  }

  private changed(jobId: string): void {
    this.scheduler.wake();
    this.emit('change', jobId);
  }
}
