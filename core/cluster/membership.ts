// A process's membership of a cluster: it is listed among the workers, its
// heartbeats move the leases of the tasks it runs on, and it sweeps (every
// member does), so a task whose worker died is taken back once its lease
// ends, whichever members are left. `bento worker` and `bento serve
// --taskdb postgres://…` are both members.

import type { Lease, TaskStore, WorkerInfo } from '../taskdb/store.js';

export interface MembershipOptions {
  /** How long a claim stays held without a heartbeat (default 30 s). */
  leaseMs?: number | undefined;
  /** How often the requeue sweep runs (default 5 s). */
  sweepMs?: number | undefined;
  /** Where a failed round goes (the database restarting: the next round tries again). */
  log: (line: string) => void;
}

export class Membership {
  private readonly timers: NodeJS.Timeout[] = [];

  private constructor(
    private readonly tdb: TaskStore,
    readonly info: WorkerInfo,
    /** The lease its claims are held under. */
    readonly lease: Lease,
  ) {}

  private get listed(): boolean {
    return this.info.slots > 0;
  }

  /**
   * Registers the member, then keeps its heartbeat and the sweep going until
   * stop(). A member with no slots (a daemon that only serves) claims nothing:
   * it only sweeps, and is not listed among the workers.
   */
  static async join(tdb: TaskStore, info: WorkerInfo, options: MembershipOptions): Promise<Membership> {
    const leaseMs = options.leaseMs ?? 30_000;
    const member = new Membership(tdb, info, { workerId: info.id, ms: leaseMs });
    if (member.listed) {
      await tdb.registerWorker(info);
      // A heartbeat every third of the lease: two may be lost before the lease ends.
      member.every(Math.max(100, Math.floor(leaseMs / 3)), options.log, async () => {
        if (!(await tdb.heartbeat(info.id, leaseMs))) await tdb.registerWorker(info);
      });
    }
    member.every(options.sweepMs ?? 5000, options.log, () => tdb.requeueTimedOut(100, { actor: `sweeper@${info.id}` }));
    return member;
  }

  /** Runs `fn` every `ms`; a failure is logged and the next round tries again. */
  private every(ms: number, log: (line: string) => void, fn: () => Promise<unknown>): void {
    let busy = false;
    const timer = setInterval(() => {
      if (busy) return;
      busy = true;
      fn()
        .catch((err: unknown) => log(`${this.info.id}: ${err instanceof Error ? err.message : String(err)}`))
        .finally(() => {
          busy = false;
        });
    }, ms);
    this.timers.push(timer);
  }

  /** No more heartbeats or sweeps (the tasks it holds keep their leases until leave()). */
  stop(): void {
    for (const t of this.timers.splice(0)) clearInterval(t);
  }

  /**
   * Leaves the cluster: the tasks it still holds go back to the queue now
   * rather than when their lease ends, and it is no longer listed.
   */
  async leave(): Promise<void> {
    this.stop();
    if (!this.listed) return;
    const self = (await this.tdb.listWorkers(0)).find((w) => w.id === this.info.id);
    for (const task of self?.running ?? [])
      await this.tdb.updateTaskRetry(task.jobId, task.taskId, `worker ${this.info.id} stopped`, {
        actor: this.info.id,
      });
    await this.tdb.removeWorker(this.info.id);
  }
}
