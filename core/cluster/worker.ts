// A cluster worker: a process on any host that claims tasks of its streams
// from the shared PostgreSQL taskdb, runs them as bento-zkvm children on files
// fetched from the bucket (publishing what they write), and reports the
// outcome. Every claim carries a lease its heartbeats move on; every worker
// also sweeps, so a task whose worker died is taken back once its lease ends,
// whichever workers are left.

import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { S3Config } from '../api/contract.js';
import { S3TaskFiles } from '../blobs/taskfiles.js';
import { USER } from '../engine/engine.js';
import { Scheduler } from '../engine/scheduler.js';
import { STREAMS, type StreamKind } from '../engine/taskdefs.js';
import { PgTaskDb } from '../taskdb/pg/pgtaskdb.js';
import { whenReachable } from '../taskdb/pg/unavailable.js';
import { Membership } from './membership.js';

export interface WorkerOptions {
  /** The taskdb's PostgreSQL URL. */
  taskdb: string;
  s3: S3Config;
  /** The streams it claims from (default: all). */
  streams?: readonly StreamKind[];
  /** Tasks it runs at once on each of its streams. */
  slots?: number;
  /** Where fetched and written files are kept on this host. */
  cache: string;
  binary?: string;
  /** How long a claim stays held without a heartbeat (default 30 s). */
  leaseMs?: number;
  /** How often the requeue sweep runs (default 5 s). */
  sweepMs?: number;
  maxRetries?: number;
  timeoutScale?: number;
  /** Named in the taskdb's events and the Workers view (default: host-pid-random). */
  id?: string;
  /** Where a worker's faults go (default: stderr). */
  log?: (line: string) => void;
}

export class ClusterWorker {
  private constructor(
    readonly id: string,
    private readonly tdb: PgTaskDb,
    private readonly scheduler: Scheduler,
    private readonly membership: Membership,
  ) {}

  static async start(options: WorkerOptions): Promise<ClusterWorker> {
    const id = options.id ?? `${hostname()}-${process.pid}-${randomUUID().slice(0, 8)}`;
    const streams = options.streams ?? STREAMS;
    const slots = options.slots ?? 1;
    const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
    // A worker started while the database is down or restarting waits for it, as a running one does.
    const reachable = <T>(fn: () => Promise<T>): Promise<T> =>
      whenReachable(fn, (err) => log(`bento worker ${id}: waiting for the taskdb: ${err.message}`));
    const tdb = await reachable(() =>
      PgTaskDb.open(options.taskdb, { actor: id, poolSize: streams.length * slots + 4 }),
    );
    try {
      const streamIds = (await reachable(() => tdb.ensureStreams(STREAMS, USER))) as Record<StreamKind, string>;
      const info = { id, host: hostname(), streams: [...streams], slots };
      const membership = await reachable(() =>
        Membership.join(tdb, info, {
          leaseMs: options.leaseMs,
          sweepMs: options.sweepMs,
          log: (line) => log(`bento worker ${line}`),
        }),
      );
      const scheduler = new Scheduler(
        tdb,
        new S3TaskFiles(options.s3, options.cache),
        streamIds,
        {
          slots: Object.fromEntries(STREAMS.map((kind) => [kind, streams.includes(kind) ? slots : 0])),
          maxRetries: options.maxRetries ?? 2,
          binary: options.binary,
          timeoutScale: options.timeoutScale,
          actor: id,
          lease: membership.lease,
        },
        () => undefined,
      );
      scheduler.start();
      return new ClusterWorker(id, tdb, scheduler, membership);
    } catch (err) {
      await tdb.close();
      throw err;
    }
  }

  /**
   * Stops claiming and kills its children; the tasks it held go back to the
   * queue now rather than when their lease ends (if the taskdb can be reached:
   * otherwise the sweep takes them back then).
   */
  async close(): Promise<void> {
    this.membership.stop();
    await this.scheduler.close();
    try {
      await this.membership.leave();
    } finally {
      await this.tdb.close();
    }
  }
}
