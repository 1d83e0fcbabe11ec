// The proving engine: owns the taskdb, the blob store and a pool of worker
// slots, and turns a session (an ELF and its input) into a verified receipt.
// The heavy work runs in bento-zkvm child processes (see tasks.ts); this file
// is the scheduling: claim, run, report, retry.

import { EventEmitter } from 'node:events';
import { availableParallelism } from 'node:os';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { BlobStore } from '../blobs/blobstore.js';
import { markTerminal } from '../blobs/retention.js';
import { prepareDataDir } from '../config/datadir.js';
import { type DataDirLock, lockDataDir } from '../config/datadirlock.js';
import { taskDbPath } from '../config/paths.js';
import { type AdminResult, resetTasks } from '../taskdb/admin.js';
import { TaskDb } from '../taskdb/taskdb.js';
import type { Json, WorkItem } from '../taskdb/types.js';
import { FileRefused, readRegularFile } from '../files/safefile.js';
import { isStorageFull } from '../files/storagefull.js';
import { elfHeaderProblem } from '../guest/elfheader.js';
import { isValidId } from '../ids.js';
import { NativeError, runNative } from './native.js';
import { STOPPED, progressOf } from './phase.js';
import {
  DEFAULT_PO2,
  JobDetail,
  type JobFilter,
  type JobStatus,
  PO2_MAX,
  PO2_MIN,
  type Phase,
} from '../api/contract.js';
import { STREAMS, type StreamKind, TaskDef, streamOf, timeoutSecs } from './taskdefs.js';
import { type TaskContext, runTask } from './tasks.js';

export const USER = 'local';

export const DEFAULT_MAX_FILE_BYTES = 256 * 1024 * 1024;

/** How long a slot waits after a fault, and how often an outcome that could not be written for lack of space is tried again. */
const STORAGE_RETRY_MS = 1000;

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
}

/** What a worker slot runs now. */
export interface ActiveTask {
  stream: StreamKind;
  jobId: string;
  taskId: string;
  startedAt: number;
}

const FILTER_SQL: Record<JobFilter, string> = {
  running: "state = 'running'",
  succeeded: "state = 'done'",
  failed: `state = 'failed' AND error IS NOT '${STOPPED}'`,
  stopped: `state = 'failed' AND error IS '${STOPPED}'`,
};

export class EngineError extends Error {
  override name = 'EngineError';
}

const TERMINAL: readonly Phase[] = ['succeeded', 'failed', 'stopped'];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL.includes(status.phase);
}

export function defaultSlots(): Record<StreamKind, number> {
  return { exec: 1, prove: Math.max(1, Math.floor(availableParallelism() / 2)), join: 1, aux: 1 };
}

export class Engine extends EventEmitter<{ change: [jobId: string] }> {
  readonly db: TaskDb;
  readonly store: BlobStore;
  private readonly streams: Record<StreamKind, string>;
  private readonly slots: Record<StreamKind, number>;
  private readonly maxRetries: number;
  private readonly timeoutScale: number;
  private readonly binary: string | undefined;
  private readonly lock: DataDirLock;
  readonly maxFileBytes: number;
  private readonly running = new Map<string, Set<AbortController>>();
  /** Live execution figures (cycles so far) while a job's executor runs. */
  private readonly live = new Map<string, { cycles: number }>();
  private readonly active = new Set<ActiveTask>();
  private waiters: (() => void)[] = [];
  /** Set while the taskdb cannot be written for lack of space. */
  storageFull = false;
  private loops: Promise<void>[] = [];
  private closed = false;

  private constructor(
    db: TaskDb,
    store: BlobStore,
    streams: Record<StreamKind, string>,
    lock: DataDirLock,
    options: EngineOptions,
  ) {
    super();
    // Every UI client's event stream listens here: no listener cap.
    this.setMaxListeners(0);
    this.db = db;
    this.lock = lock;
    this.store = store;
    this.streams = streams;
    this.slots = { ...defaultSlots(), ...options.slots };
    this.maxRetries = options.maxRetries ?? 2;
    this.timeoutScale = options.timeoutScale ?? 1;
    this.binary = options.binary;
    this.maxFileBytes = options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES;
  }

  static async open(options: EngineOptions): Promise<Engine> {
    await prepareDataDir(options.home);
    const lock = await lockDataDir(options.home, options.holder ?? 'a bento engine');
    try {
      const store = new BlobStore(options.home);
      await store.init();
      const db = TaskDb.open(taskDbPath(options.home), { actor: 'engine' });
      const existing = db.getStreams().filter((s) => s.userId === USER);
      const streams = Object.fromEntries(
        STREAMS.map((kind) => [
          kind,
          existing.find((s) => s.workerType === kind)?.id ?? db.createStream(kind, 1, 1, USER),
        ]),
      ) as Record<StreamKind, string>;
      return new Engine(db, store, streams, lock, options);
    } catch (err) {
      lock.release();
      throw err;
    }
  }

  /** Worker slots of a stream kind (0 for a kind this engine does not run). */
  slotCount(kind: string): number {
    return (this.slots as Record<string, number>)[kind] ?? 0;
  }

  /** Re-queues tasks a dead process left running, then starts the worker slots. */
  start(): void {
    this.db.requeueAllRunning({ actor: 'engine', reason: 'engine restarted' });
    for (const kind of STREAMS) {
      for (let i = 0; i < this.slots[kind]; i++) this.loops.push(this.slot(kind));
    }
  }

  /** Stops the slots and their children; tasks in flight are re-queued by the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    for (const set of this.running.values()) for (const c of set) c.abort(new EngineError('engine closing'));
    await Promise.all(this.loops);
    this.db.close();
    this.lock.release();
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
    };
    const jobId = this.db.createJob(
      this.streams.exec,
      def as unknown as Json,
      this.maxRetries,
      this.timeout('execute', po2),
      USER,
    );
    this.changed(jobId);
    return jobId;
  }

  /** Stores a guest ELF under its SHA-256, only once its header shows an RV32 executable (nothing else is kept or echoed). */
  async storeElf(bytes: Uint8Array, name: string): Promise<string> {
    const problem = elfHeaderProblem(bytes.subarray(0, 20), name);
    if (problem) throw new EngineError(problem);
    return (await this.store.putContentAddressed('elfs', bytes)).sha256;
  }

  status(jobId: string): JobStatus {
    const job = this.db.getJob(jobId);
    if (!job) throw new EngineError(`no job ${jobId}`);
    const tasks = this.db.getTasks(jobId);
    const init = tasks.find((t) => t.taskId === 'init');
    const def = TaskDef.safeParse(init?.taskDef);
    const out = (init?.output ?? {}) as Record<string, Json>;
    const finalize = tasks.find((t) => t.taskId === 'finalize');
    const end = job.endedAt ?? Date.now();
    const progress = progressOf(job, tasks);
    const executeOnly = def.success && def.data.kind === 'execute' ? def.data.executeOnly : false;
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
      cycles: typeof out.cycles === 'number' ? out.cycles : (this.live.get(jobId)?.cycles ?? null),
      exitCode: typeof out.exitCode === 'number' ? out.exitCode : null,
      journalHex: typeof out.journal === 'string' ? out.journal : null,
      imageId: typeof out.imageId === 'string' ? out.imageId : null,
      executeOnly,
      hasReceipt: job.state === 'done' && finalize !== undefined && this.receiptFile(jobId) !== null,
    };
  }

  /** A job's status with its tasks and their timeline, as the contract shows them. */
  detail(jobId: string): JobDetail {
    const tasks = this.db.getTasks(jobId).flatMap((task) => {
      const def = TaskDef.safeParse(task.taskDef);
      // A task whose definition no longer parses fails when claimed; it is not drawn.
      if (!def.success) return [];
      return [{ ...task, kind: def.data.kind, segment: def.data.kind === 'prove' ? def.data.segment : null }];
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
    // A row from outside (an old backfill) may carry an id no blob can have: it simply has no receipt.
    const receipt = isValidId(jobId) ? this.store.path('receipts', jobId) : null;
    return receipt && existsSync(receipt) ? receipt : null;
  }

  /** Sessions, newest first, optionally only those in one state. */
  list(limit = 50, offset = 0, filter?: JobFilter): JobStatus[] {
    return this.listIds(filter, limit, offset).flatMap((id) => {
      try {
        return [this.status(id)];
      } catch (err) {
        // One unreadable row never takes the list down with it.
        this.fault(`listing job ${id.slice(0, 80)}`, err);
        return [];
      }
    });
  }

  /** Job ids, newest first (cheap: no status is built). */
  listIds(filter?: JobFilter, limit = -1, offset = 0): string[] {
    const where = filter ? `WHERE ${FILTER_SQL[filter]}` : '';
    const rows = this.db.db
      .prepare(`SELECT id FROM jobs ${where} ORDER BY created_at DESC, rowid DESC LIMIT ? OFFSET ?`)
      .all(limit, offset) as { id: string }[];
    return rows.map((r) => r.id);
  }

  count(filter?: JobFilter): number {
    const where = filter ? `WHERE ${FILTER_SQL[filter]}` : '';
    return (this.db.db.prepare(`SELECT COUNT(*) AS n FROM jobs ${where}`).get() as { n: number }).n;
  }

  /** What every busy worker slot runs now, oldest first. */
  activeTasks(): ActiveTask[] {
    return [...this.active].sort((a, b) => a.startedAt - b.startedAt);
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
    for (const c of this.running.get(jobId) ?? []) c.abort(new EngineError('job deleted'));
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

  /** Fails the job as stopped by the user and kills its children. */
  async stop(jobId: string): Promise<boolean> {
    const stopped = this.db.failJob(jobId, STOPPED, { actor: 'user' });
    for (const c of this.running.get(jobId) ?? []) c.abort(new EngineError(STOPPED));
    if (stopped) await this.ended(jobId);
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

  private timeout(kind: TaskDef['kind'], po2: number): number {
    return Math.max(1, Math.ceil(timeoutSecs(kind, po2) * this.timeoutScale));
  }

  private changed(jobId: string): void {
    this.wake();
    this.emit('change', jobId);
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** Waits for new work (a wake-up) or a short poll, for work another process adds. */
  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 200);
      this.waiters.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  private async slot(kind: StreamKind): Promise<void> {
    while (!this.closed) {
      try {
        const item = this.db.requestWork(kind);
        if (!item) {
          await this.idle();
          continue;
        }
        this.changed(item.jobId);
        await this.run(item, kind);
      } catch (err) {
        // Nothing may end a slot (and with it the daemon): the fault is logged (a full disk once) and the slot goes on.
        if (!isStorageFull(err) || !this.storageFull) this.fault(`${kind} slot`, err);
        if (isStorageFull(err)) this.storageFull = true;
        await new Promise((r) => setTimeout(r, STORAGE_RETRY_MS));
      }
    }
  }

  private fault(where: string, err: unknown): void {
    process.stderr.write(`bento engine: ${where}: ${err instanceof Error ? err.message : String(err)}\n`);
  }

  /**
   * Writes a task's outcome to the taskdb. A full disk is waited out (the
   * outcome is kept in memory and written once space returns), so a proof
   * finished during it is not lost and the daemon stays up.
   */
  private async record(write: () => void): Promise<void> {
    for (;;) {
      try {
        write();
        this.storageFull = false;
        return;
      } catch (err) {
        if (!isStorageFull(err) || this.closed) throw err;
        if (!this.storageFull) this.fault('taskdb', err);
        this.storageFull = true;
        await new Promise((r) => setTimeout(r, STORAGE_RETRY_MS));
      }
    }
  }

  private async run(item: WorkItem, stream: StreamKind): Promise<void> {
    const { jobId, taskId } = item;
    const activity: ActiveTask = { stream, jobId, taskId, startedAt: Date.now() };
    this.active.add(activity);
    const controller = new AbortController();
    const set = this.running.get(jobId) ?? new Set();
    set.add(controller);
    this.running.set(jobId, set);
    // A stop from another process shows only in the taskdb.
    const watch = setInterval(() => {
      if (this.db.getJobState(jobId) !== 'running') controller.abort(new EngineError(STOPPED));
    }, 250);
    const parsed = TaskDef.safeParse(item.taskDef);
    try {
      if (!parsed.success) throw new EngineError(`task ${taskId} has an invalid definition: ${parsed.error.message}`);
      const def = parsed.data;
      const context: TaskContext = {
        jobId,
        taskId,
        store: this.store,
        db: this.db,
        signal: controller.signal,
        binary: this.binary,
        timeoutMs: (this.db.getTask(jobId, taskId)?.timeoutSecs ?? 600) * 1000,
        timeoutOf: (kind, po2) => this.timeout(kind, po2),
        streamOf: (kind) => this.streams[streamOf(kind)],
        maxRetries: this.maxRetries,
        onProgress: (fraction) => {
          this.db.updateTaskProgress(jobId, taskId, fraction);
          this.changed(jobId);
        },
        onCycles: (cycles) => {
          this.live.set(jobId, { cycles });
          this.changed(jobId);
        },
        onTasksAdded: () => this.changed(jobId),
      };
      const output = await runTask(def, context);
      await this.record(() => this.db.updateTaskDone(jobId, taskId, output));
    } catch (err) {
      await this.record(() => this.report(item, err, controller.signal));
    } finally {
      clearInterval(watch);
      this.active.delete(activity);
      set.delete(controller);
      if (set.size === 0) this.running.delete(jobId);
    }
    // Live figures last while the executor runs; its output holds them after.
    if (taskId === 'init') this.live.delete(jobId);
    const state = this.db.getJobState(jobId);
    if (state === 'done' || state === 'failed')
      await this.ended(jobId).catch((err: unknown) => this.fault(`job ${jobId}`, err));
    this.changed(jobId);
  }

  /** A failed run: retried when it may succeed again, failed when it never will. */
  private report(item: WorkItem, err: unknown, signal: AbortSignal): void {
    const { jobId, taskId } = item;
    if (signal.aborted && this.closed) return; // re-queued when the engine starts again
    const message = err instanceof Error ? err.message : String(err);
    const context = `task ${taskId} of job ${jobId}: ${message}`;
    if (signal.aborted) {
      this.db.updateTaskRetry(jobId, taskId, message);
    } else if (err instanceof NativeError && err.reported) {
      // The tool itself refused (a guest fault, a bad ELF, a receipt that does not verify): rerunning repeats it.
      this.db.updateTaskFailed(jobId, taskId, message);
    } else if (err instanceof EngineError) {
      this.db.updateTaskFailed(jobId, taskId, context);
    } else {
      this.db.updateTaskRetry(jobId, taskId, context);
    }
  }

  private async ended(jobId: string): Promise<void> {
    const job = this.db.getJob(jobId);
    if (job?.endedAt) await markTerminal(this.store.root, jobId, job.endedAt);
  }
}
