// The proof planner: segments become leaves of a tree of joins, built while
// execution is still streaming segments out. One task-number sequence is shared
// by every command, so task numbers are also the tasks' creation order.
// The keccak and union commands are the cluster's plan for precompile proofs
// (keccak requests proved apart, unioned, and waited on by finalize); the
// engine issues none yet (engine/tasks.ts plans segments only), so they are
// tested here and kept as the place those proofs will plug in.

/** What a planned task does: `prove` proves one segment (the tree's leaves). */
export type Command = 'prove' | 'join' | 'keccak' | 'union' | 'finalize';

export interface PlannedTask {
  number: number;
  command: Command;
  /** 0 for leaves; one more than the tallest input otherwise. */
  height: number;
  /** Inputs of a join, union or finalize, in order (left before right). */
  dependsOn: number[];
  /** The keccak root a finalize also waits on, when there were keccak requests. */
  keccakDependsOn: number[];
}

export class PlannerError extends Error {
  override name = 'PlannerError';
}

export class Planner {
  private readonly tasks: PlannedTask[] = [];
  // Peaks: tasks no join depends on yet, tallest first (hence oldest first).
  private readonly peaks: number[] = [];
  private readonly keccakPeaks: number[] = [];
  private consumed = 0;
  private last: number | undefined;

  get taskCount(): number {
    return this.tasks.length;
  }

  get finished(): boolean {
    return this.last !== undefined;
  }

  get root(): number | undefined {
    return this.last;
  }

  task(number: number): PlannedTask {
    const task = this.tasks[number];
    if (!task) throw new PlannerError(`no task number ${number} in the plan`);
    return task;
  }

  /** Adds a segment and joins it at once with every peak of the same height. */
  enqueueSegment(): number {
    return this.enqueueLeaf('prove', this.peaks, 'join');
  }

  /** Adds a keccak request and unions it with keccak peaks of the same height. */
  enqueueKeccak(): number {
    return this.enqueueLeaf('keccak', this.keccakPeaks, 'union');
  }

  /**
   * Closes the plan: unions the keccak peaks, joins the remaining segment peaks
   * smallest first into one root and adds Finalize on it. Idempotent.
   */
  finish(): number {
    if (this.last !== undefined) return this.last;
    if (this.peaks.length === 0) throw new PlannerError('cannot finish a plan with no segments');
    const keccakRoot = this.mergeAll(this.keccakPeaks, 'union');
    const root = this.mergeAll(this.peaks, 'join') as number;
    const keccak = keccakRoot === undefined ? [] : [keccakRoot];
    const height = 1 + Math.max(this.task(root).height, ...keccak.map((k) => this.task(k).height));
    this.last = this.push('finalize', height, [root], keccak);
    return this.last;
  }

  /** Each task once, in creation order; undefined when the consumer has caught up. */
  nextTask(): PlannedTask | undefined {
    const task = this.tasks[this.consumed];
    if (task) this.consumed++;
    return task;
  }

  /** The tree under the root (or the current peaks while still planning), for logs and the UI. */
  toString(): string {
    const roots = this.last !== undefined ? [this.last] : [...this.peaks, ...this.keccakPeaks];
    if (roots.length === 0) return '(empty plan)';
    const lines: string[] = [];
    const walk = (n: number, indent: number): void => {
      const t = this.task(n);
      lines.push(`${' '.repeat(indent)}${t.number} ${t.command}`);
      for (const d of [...t.dependsOn, ...t.keccakDependsOn]) walk(d, indent + 2);
    };
    for (const r of roots) walk(r, 0);
    return lines.join('\n');
  }

  private enqueueLeaf(command: 'prove' | 'keccak', peaks: number[], merge: 'join' | 'union'): number {
    if (this.last !== undefined) throw new PlannerError(`cannot add a ${command} after the plan is finished`);
    const number = this.push(command, 0, [], []);
    let peak = number;
    for (;;) {
      const smallest = peaks[peaks.length - 1];
      if (smallest === undefined || this.task(smallest).height !== this.task(peak).height) break;
      peaks.pop();
      peak = this.merge(merge, smallest, peak);
    }
    peaks.push(peak);
    return number;
  }

  /** Merges the peaks, smallest (latest) first, into one; returns it (undefined when none). */
  private mergeAll(peaks: number[], merge: 'join' | 'union'): number | undefined {
    while (peaks.length >= 2) {
      const right = peaks.pop() as number;
      const left = peaks.pop() as number;
      peaks.push(this.merge(merge, left, right));
    }
    return peaks[0];
  }

  private merge(command: 'join' | 'union', left: number, right: number): number {
    const height = 1 + Math.max(this.task(left).height, this.task(right).height);
    return this.push(command, height, [left, right], []);
  }

  private push(command: Command, height: number, dependsOn: number[], keccakDependsOn: number[]): number {
    const number = this.tasks.length;
    this.tasks.push({ number, command, height, dependsOn, keccakDependsOn });
    return number;
  }
}
