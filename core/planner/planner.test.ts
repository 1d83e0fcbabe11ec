import { describe, expect, it } from 'vitest';
import { type PlannedTask, Planner } from './planner.js';

function shape(tasks: PlannedTask[]): string {
  const letter = { prove: 'S', join: 'J', keccak: 'K', union: 'U', finalize: 'F' } as const;
  return tasks
    .map((t) => {
      const deps = [...t.dependsOn, ...t.keccakDependsOn];
      return `${t.number} ${letter[t.command]}${deps.length ? `(${deps.join(',')})` : ''}`;
    })
    .join(', ');
}

function drain(p: Planner): PlannedTask[] {
  const out: PlannedTask[] = [];
  for (let t = p.nextTask(); t; t = p.nextTask()) out.push(t);
  return out;
}

function plan(segments: number): PlannedTask[] {
  const p = new Planner();
  for (let i = 0; i < segments; i++) p.enqueueSegment();
  p.finish();
  return drain(p);
}

describe('Planner', () => {
  it('pins the shapes of 1, 3 and 4 segments', () => {
    expect(shape(plan(4))).toBe('0 S, 1 S, 2 J(0,1), 3 S, 4 S, 5 J(3,4), 6 J(2,5), 7 F(6)');
    expect(shape(plan(3))).toBe('0 S, 1 S, 2 J(0,1), 3 S, 4 J(2,3), 5 F(4)');
    expect(shape(plan(1))).toBe('0 S, 1 F(0)');
  });

  it('joins as soon as two peaks of one height exist, before execution ends', () => {
    const p = new Planner();
    p.enqueueSegment();
    expect(shape(drain(p))).toBe('0 S');
    p.enqueueSegment();
    expect(shape(drain(p))).toBe('1 S, 2 J(0,1)');
    p.enqueueSegment();
    expect(shape(drain(p))).toBe('3 S');
  });

  it('joins remaining peaks smallest first, keeping segment order left to right', () => {
    const tasks = plan(7);
    expect(shape(tasks)).toBe(
      '0 S, 1 S, 2 J(0,1), 3 S, 4 S, 5 J(3,4), 6 J(2,5), 7 S, 8 S, 9 J(7,8), 10 S, 11 J(9,10), 12 J(6,11), 13 F(12)',
    );
    // Every segment is reached from the root, each exactly once, in order.
    const leaves: number[] = [];
    const walk = (n: number): void => {
      const t = tasks[n] as PlannedTask;
      if (t.command === 'prove') leaves.push(n);
      t.dependsOn.forEach(walk);
    };
    walk(13);
    expect(leaves).toEqual([0, 1, 3, 4, 7, 8, 10]);
  });

  it('has a root of logarithmic height', () => {
    const p = new Planner();
    for (let i = 0; i < 1000; i++) p.enqueueSegment();
    const f = p.task(p.finish());
    expect(f.command).toBe('finalize');
    expect(f.height).toBeLessThanOrEqual(11);
    expect(p.taskCount).toBe(1000 + 999 + 1);
  });

  it('unions keccak requests and makes finalize wait on both roots', () => {
    const p = new Planner();
    p.enqueueKeccak();
    p.enqueueSegment();
    p.enqueueKeccak();
    p.enqueueKeccak();
    p.finish();
    expect(shape(drain(p))).toBe('0 K, 1 S, 2 K, 3 U(0,2), 4 K, 5 U(3,4), 6 F(1,5)');
  });

  it('finish is idempotent; segments after it and empty plans are errors', () => {
    const p = new Planner();
    expect(() => p.finish()).toThrow(/no segments/);
    p.enqueueSegment();
    const root = p.finish();
    expect(p.finish()).toBe(root);
    expect(p.taskCount).toBe(2);
    expect(() => p.enqueueSegment()).toThrow(/after the plan is finished/);
    expect(() => p.enqueueKeccak()).toThrow(/after the plan is finished/);
    expect(() => p.task(99)).toThrow(/no task number 99/);
  });

  it('prints the tree', () => {
    const p = new Planner();
    for (let i = 0; i < 3; i++) p.enqueueSegment();
    expect(p.toString()).toBe('2 join\n  0 prove\n  1 prove\n3 prove');
    p.finish();
    expect(p.toString()).toBe('5 finalize\n  4 join\n    2 join\n      0 prove\n      1 prove\n    3 prove');
  });
});
