import { describe, expect, it } from 'vitest';
import type { JobStatus, Task } from '../../../core/api/contract';
import { duration, groupedHex, journalText } from './format';
import { matchesFilter, progressFraction, progressText } from './jobs';
import { NODE_H, layoutTree, shapeKey, shapeOf } from './tree';

const task = (taskId: string, prerequisites: string[] = []): Task => ({
  taskId,
  kind: taskId === 'init' ? 'execute' : (taskId.split('-')[0] as Task['kind']),
  segment: taskId.startsWith('prove-') ? Number(taskId.slice('prove-'.length)) : null,
  prerequisites,
  state: 'done',
  createdAt: 0,
  startedAt: 0,
  updatedAt: 1,
  progress: 1,
  retries: 0,
  maxRetries: 2,
  error: null,
});

describe('planner tree layout', () => {
  const tasks = [
    task('init'),
    task('prove-0'),
    task('prove-1'),
    task('join-2', ['prove-0', 'prove-1']),
    task('finalize', ['join-2']),
  ];

  it('puts segments at the bottom, joins above them and finalize at the top', () => {
    const tree = layoutTree(tasks);
    const y = (id: string): number => tree.nodes.get(id)?.y ?? NaN;
    expect(y('prove-0')).toBe(y('prove-1'));
    expect(y('join-2')).toBeLessThan(y('prove-0') - NODE_H);
    expect(y('finalize')).toBeLessThan(y('join-2') - NODE_H);
    expect(tree.edges.map((e) => `${e.from}>${e.to}`).sort()).toEqual([
      'join-2>finalize',
      'prove-0>join-2',
      'prove-1>join-2',
    ]);
    expect(tree.width).toBeGreaterThan(0);
  });

  it('draws the executor and then the segments in order along the bottom', () => {
    const proves = Array.from({ length: 16 }, (_, i) => task(`prove-${i}`));
    const joins: Task[] = [];
    let level = proves.map((t) => t.taskId);
    for (let n = 16; level.length > 1;) {
      const next: string[] = [];
      for (let i = 0; i < level.length; i += 2) {
        const id = `join-${n++}`;
        joins.push(task(id, [level[i] as string, level[i + 1] as string]));
        next.push(id);
      }
      level = next;
    }
    const tree = layoutTree([task('init'), ...proves, ...joins]);
    const xs = ['init', ...proves.map((t) => t.taskId)].map((id) => tree.nodes.get(id)?.x ?? NaN);
    expect(xs).toEqual([...xs].sort((a, b) => a - b));
  });

  it('keys the layout by shape alone', () => {
    const key = shapeKey(tasks);
    expect(shapeOf(key)).toEqual(
      tasks.map((t) => ({ taskId: t.taskId, kind: t.kind, segment: t.segment, prerequisites: t.prerequisites })),
    );
    expect(shapeKey(tasks.map((t) => ({ ...t, state: 'running' as const, retries: 3 })))).toBe(key);
    expect(shapeKey([...tasks, task('prove-3')])).not.toBe(key);
    expect(shapeOf('')).toEqual([]);
  });
});

describe('formatting', () => {
  it('shows durations, hex groups and journals for people', () => {
    expect(duration(null)).toBe('–');
    expect(duration(250)).toBe('250 ms');
    expect(duration(61_000)).toBe('1 min 01 s');
    expect(duration(3_723_000)).toBe('1 h 02 min');
    expect(groupedHex('0011223344556677aa')).toBe('00112233 44556677 aa');
    expect(journalText(Buffer.from('héllo\n').toString('hex'))).toBe('héllo\n');
    expect(journalText('bfae39ab')).toBeNull();
    expect(journalText('0100')).toBeNull();
  });
});

describe('job filters and progress', () => {
  const status = (phase: JobStatus['phase'], proven = 0, segments = 0, joined = 0, joins = 0): JobStatus =>
    ({ phase, proven, segments, joined, joins }) as JobStatus;
  it('puts every live phase under running and the ended ones under their own name', () => {
    expect(matchesFilter(status('proving'), 'running')).toBe(true);
    expect(matchesFilter(status('queued'), 'running')).toBe(true);
    expect(matchesFilter(status('stopped'), 'running')).toBe(false);
    expect(matchesFilter(status('stopped'), 'stopped')).toBe(true);
    expect(matchesFilter(status('failed'), undefined)).toBe(true);
  });
  it('fills the bar by segments proven, and fully only on success', () => {
    expect(progressFraction(status('proving', 2, 4))).toBeCloseTo(0.45);
    expect(progressFraction(status('finalizing', 4, 4))).toBeCloseTo(0.9);
    // A succinct receipt: 4 segments proven, 3 of 4 lifts and 0 of 3 joins done.
    expect(progressFraction(status('joining', 4, 4, 3, 7))).toBeCloseTo((0.9 * 7) / 11);
    expect(progressFraction(status('finalizing', 4, 4, 7, 7))).toBeCloseTo(0.9);
    expect(progressFraction(status('succeeded', 4, 4))).toBe(1);
  });
  it('says in words where a job stands', () => {
    expect(progressText({ ...status('proving', 2, 4), executionDone: false })).toBe('2 of 4+ segments proven');
    expect(progressText({ ...status('joining', 4, 4), executionDone: true })).toBe('4 of 4 segments proven');
    expect(progressText({ ...status('joining', 4, 4, 3, 7), executionDone: true })).toBe(
      '4 of 4 segments proven, 3 of 7 joined',
    );
    expect(progressText({ ...status('proving', 2, 3, 1, 2), executionDone: false })).toBe(
      '2 of 3+ segments proven, 1 of 2+ joined',
    );
    expect(progressText(status('queued'))).toBe('waiting to start');
    expect(progressText(status('executing'))).toBe('executing…');
    expect(progressText(status('failed'))).toBe('ended before any segment');
  });
});
