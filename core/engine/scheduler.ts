// The scheduler: a pool of worker slots per stream that claim ready tasks from
// the taskdb, run each as a bento-zkvm child (tasks.ts), record the outcome
// (done, retried or failed), and stop the children of a job that ends. It
// reports every change through `notify`. The desktop's job service
// (engine.ts) owns one over its SQLite taskdb and blob store; a cluster
// worker (core/cluster/worker.ts) one over PostgreSQL and the bucket.

import { availableParallelism } from 'node:os';
import type { TaskFiles } from '../blobs/taskfiles.js';
import type { Lease, TaskStore } from '../taskdb/store.js';
import type { WorkItem } from '../taskdb/types.js';
import { isStorageFull } from '../files/storagefull.js';
import { isTaskDbUnreachable } from '../taskdb/unreachable.js';
import { EngineError } from './engineerror.js';
import { NativeError } from './native.js';
import { STOPPED_BY_USER } from '../taskdb/types.js';
import { STREAMS, type StreamKind, TaskDef, streamOf, timeoutSecs } from './taskdefs.js';
import { type TaskContext, runTask } from './tasks.js';

/** How long a slot waits after a fault, and how often an outcome that could not be written for lack of space is tried again. */
const STORAGE_RETRY_MS = 1000;

/** What a worker slot runs now. */
export interface ActiveTask {
  stream: StreamKind;
  jobId: string;
  taskId: string;
  /** What the task does, if its definition is readable (and the segment a prove task proves). */
  kind: TaskDef['kind'] | null;
  segment: number | null;
  startedAt: number;
}

export interface SchedulerOptions {
  /** Worker slots per stream (defaults suit the machine: one prove slot per two cores). */
  slots?: Partial<Record<StreamKind, number>> | undefined;
  maxRetries: number;
  /** The bento-zkvm binary (default: $BENTO_ZKVM or the one built by npm install). */
  binary?: string | undefined;
  /** Scales every task's timeout (tests shorten them). */
  timeoutScale?: number | undefined;
  /** Who claims (the taskdb events' actor), and the lease a claim is held under (a cluster worker's). */
  actor?: string;
  lease?: Lease;
  /**
   * Whether start() first re-queues every running task, as a single process
   * that owns the taskdb does after a crash (never a worker of a shared one:
   * the sweep takes back a dead worker's tasks when their lease ends).
   */
  recoverOnStart?: boolean;
  /** Called once a job has ended (the desktop marks its files for the retention sweep). */
  onEnded?: (jobId: string, endedAt: number) => Promise<void>;
}

export function defaultSlots(): Record<StreamKind, number> {
  return { exec: 1, prove: Math.max(1, Math.floor(availableParallelism() / 2)), join: 1, aux: 1 };
}

export class Scheduler {
  private readonly slots: Record<StreamKind, number>;
  private readonly maxRetries: number;
  private readonly timeoutScale: number;
  private readonly binary: string | undefined;
  private readonly running = new Map<string, Set<AbortController>>();
  /** Live execution figures (cycles so far) while a job's executor runs. */
  private readonly live = new Map<string, { cycles: number }>();
  private readonly active = new Set<ActiveTask>();
  private waiters: (() => void)[] = [];
  /** Set while the taskdb cannot be written for lack of space. */
  private storageFull = false;
  private loops: Promise<void>[] = [];
  private closed = false;

  constructor(
    private readonly db: TaskStore,
    private readonly files: TaskFiles,
    /** The stream id of each stream kind. */
    private readonly streams: Record<StreamKind, string>,
    options: SchedulerOptions,
    /** Called whenever a job changes (a claim, progress, an outcome). */
    private readonly notify: (jobId: string) => void,
  ) {
    this.slots = { ...defaultSlots(), ...options.slots };
    this.maxRetries = options.maxRetries;
    this.timeoutScale = options.timeoutScale ?? 1;
    this.binary = options.binary;
    this.options = options;
  }

  private readonly options: SchedulerOptions;

  /** Worker slots of a stream kind (0 for a kind this engine does not run). */
  slotCount(kind: string): number {
    return (this.slots as Record<string, number>)[kind] ?? 0;
  }

  /** Re-queues tasks a dead process left running, then starts the worker slots. */
  start(): void {
    const recovered = this.options.recoverOnStart
      ? this.db
          .requeueAllRunning({ actor: 'engine', reason: 'engine restarted' })
          .catch((err: unknown) => this.fault('re-queueing tasks left running', err))
      : Promise.resolve();
    for (const kind of STREAMS) {
      for (let i = 0; i < this.slots[kind]; i++) this.loops.push(recovered.then(() => this.slot(kind)));
    }
  }

  /** Stops the slots and their children; tasks in flight are re-queued by the next start. */
  async close(): Promise<void> {
    this.closed = true;
    this.wake();
    for (const set of this.running.values()) for (const c of set) c.abort(new EngineError('engine closing'));
    await Promise.all(this.loops);
  }

  /** Kills the children working for a job (stopped or deleted). */
  abortJob(jobId: string, reason: string): void {
    for (const c of this.running.get(jobId) ?? []) c.abort(new EngineError(reason));
  }

  /** Cycles executed so far while the job's executor runs (null when it does not run). */
  liveCycles(jobId: string): number | null {
    return this.live.get(jobId)?.cycles ?? null;
  }

  /** What every busy worker slot runs now, oldest first. */
  activeTasks(): ActiveTask[] {
    return [...this.active].sort((a, b) => a.startedAt - b.startedAt);
  }

  /** The timeout of a task of this kind and size. */
  timeout(kind: TaskDef['kind'], po2: number): number {
    return Math.max(1, Math.ceil(timeoutSecs(kind, po2) * this.timeoutScale));
  }

  /** New work was added: idle slots look for it now. */
  wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  /** A job has ended: its owner's hook (the desktop marks its files for the retention sweep). */
  async ended(jobId: string): Promise<void> {
    if (!this.options.onEnded) return;
    const job = await this.db.getJob(jobId);
    if (job?.endedAt) await this.options.onEnded(jobId, job.endedAt);
  }

  private changed(jobId: string): void {
    this.wake();
    this.notify(jobId);
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
        const item = await this.db.requestWork(
          kind,
          this.options.actor ? { actor: this.options.actor } : undefined,
          this.options.lease,
        );
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

  fault(where: string, err: unknown): void {
    process.stderr.write(`bento engine: ${where}: ${err instanceof Error ? err.message : String(err)}\n`);
  }

  /**
   * Writes a task's outcome to the taskdb. A full disk, or a database server
   * out of reach, is waited out (the outcome is kept in memory and written
   * once it can be), so a proof finished meanwhile is not lost and the
   * process stays up.
   */
  private async record(write: () => Promise<unknown>): Promise<void> {
    for (;;) {
      try {
        await write();
        this.storageFull = false;
        return;
      } catch (err) {
        if (isTaskDbUnreachable(err) && !this.closed) {
          this.fault('taskdb', err);
          await new Promise((r) => setTimeout(r, STORAGE_RETRY_MS));
          continue;
        }
        if (!isStorageFull(err) || this.closed) throw err;
        if (!this.storageFull) this.fault('taskdb', err);
        this.storageFull = true;
        await new Promise((r) => setTimeout(r, STORAGE_RETRY_MS));
      }
    }
  }

  private async run(item: WorkItem, stream: StreamKind): Promise<void> {
    const { jobId, taskId } = item;
    const parsed = TaskDef.safeParse(item.taskDef);
    const activity: ActiveTask = {
      stream,
      jobId,
      taskId,
      kind: parsed.success ? parsed.data.kind : null,
      segment: parsed.success && parsed.data.kind === 'prove' ? parsed.data.segment : null,
      startedAt: Date.now(),
    };
    this.active.add(activity);
    const controller = new AbortController();
    const set = this.running.get(jobId) ?? new Set();
    set.add(controller);
    this.running.set(jobId, set);
    // A stop from another process shows only in the taskdb.
    const watch = setInterval(() => {
      this.db.getJobState(jobId).then(
        (state) => {
          if (state !== 'running') controller.abort(new EngineError(STOPPED_BY_USER));
        },
        // An unreachable taskdb stops nothing: the outcome's write waits for it.
        () => undefined,
      );
    }, 250);
    try {
      if (!parsed.success) throw new EngineError(`task ${taskId} has an invalid definition: ${parsed.error.message}`);
      const def = parsed.data;
      const context: TaskContext = {
        jobId,
        taskId,
        files: this.files,
        db: this.db,
        signal: controller.signal,
        binary: this.binary,
        timeoutMs: ((await this.db.getTask(jobId, taskId))?.timeoutSecs ?? 600) * 1000,
        timeoutOf: (kind, po2) => this.timeout(kind, po2),
        streamOf: (kind) => this.streams[streamOf(kind)],
        maxRetries: this.maxRetries,
        onProgress: (fraction) => {
          this.db.updateTaskProgress(jobId, taskId, fraction).then(
            () => this.changed(jobId),
            (err: unknown) => this.fault(`progress of task ${taskId}`, err),
          );
        },
        onCycles: (cycles) => {
          this.live.set(jobId, { cycles });
          this.changed(jobId);
        },
        onTasksAdded: () => this.changed(jobId),
      };
      const output = await runTask(def, context);
      await this.record(() =>
        this.db.updateTaskDone(jobId, taskId, output, this.options.actor ? { actor: this.options.actor } : undefined),
      );
    } catch (err) {
      await this.record(() => this.report(item, err, controller.signal));
    } finally {
      clearInterval(watch);
      this.active.delete(activity);
      set.delete(controller);
      if (set.size === 0) this.running.delete(jobId);
    }
    // Live figures last while the executor runs; its output holds them after.
    if (parsed.success && parsed.data.kind === 'execute') this.live.delete(jobId);
    const state = await this.db.getJobState(jobId).catch(() => undefined);
    if (state !== undefined && state !== 'running')
      await this.ended(jobId).catch((err: unknown) => this.fault(`job ${jobId}`, err));
    this.changed(jobId);
  }

  /** A failed run: retried when it may succeed again, failed when it never will. */
  private async report(item: WorkItem, err: unknown, signal: AbortSignal): Promise<void> {
    const { jobId, taskId } = item;
    // Closing: re-queued when the engine starts again, or by the sweep once a worker's lease ends.
    if (signal.aborted && this.closed) return;
    const message = err instanceof Error ? err.message : String(err);
    const context = `task ${taskId} of job ${jobId}: ${message}`;
    const by = this.options.actor ? { actor: this.options.actor } : undefined;
    if (signal.aborted) {
      await this.db.updateTaskRetry(jobId, taskId, message, by);
    } else if (err instanceof NativeError && err.reported) {
      // The tool itself refused (a guest fault, a bad ELF, a receipt that does not verify): rerunning repeats it.
      await this.db.updateTaskFailed(jobId, taskId, message, by);
    } else if (err instanceof EngineError) {
      await this.db.updateTaskFailed(jobId, taskId, context, by);
    } else {
      await this.db.updateTaskRetry(jobId, taskId, context, by);
    }
  }
}
