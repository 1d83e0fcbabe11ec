// A job's phase and time left, from the summary of its tasks.

import { describe, expect, it } from 'vitest';
import type { JobSummary } from '../taskdb/jobsummary.js';
import { progressOf } from './phase.js';

const NOW = 100_000;

function summary(over: Partial<JobSummary> = {}): JobSummary {
  return {
    job: { id: 'j', state: 'running', error: null, userId: 'u', createdAt: 0, endedAt: null, unfinished: 1 },
    execute: { state: 'done', taskDef: {}, output: null },
    finalize: { state: 'pending', progress: 0 },
    proves: 4,
    proven: 4,
    provenTimed: 4,
    firstProveStart: NOW - 40_000,
    openJoins: 0,
    joins: 0,
    joined: 0,
    ...over,
  };
}

describe('a job phase', () => {
  it('estimates the segments left at the pace of those proven', () => {
    expect(progressOf(summary({ proven: 1, provenTimed: 1, firstProveStart: NOW - 10_000 }), NOW)).toMatchObject({
      phase: 'proving',
      proven: 1,
      segments: 4,
      etaMs: 30_000,
    });
  });

  it('is joining, with no estimate, while joins or the lifts before them are open', () => {
    // Every segment proven, lifts (counted with the joins) still open: not "finalizing, 0 s left".
    expect(progressOf(summary({ openJoins: 5, joins: 7, joined: 3 }), NOW)).toMatchObject({
      phase: 'joining',
      etaMs: null,
      joined: 3,
      joins: 7,
    });
  });

  it('finalizes, then verifies, then ends', () => {
    expect(progressOf(summary({ finalize: { state: 'ready', progress: 0 } }), NOW).phase).toBe('finalizing');
    expect(progressOf(summary({ finalize: { state: 'running', progress: 0.2 } }), NOW).phase).toBe('finalizing');
    expect(progressOf(summary({ finalize: { state: 'running', progress: 0.5 } }), NOW).phase).toBe('verifying');
    const done = summary({ job: { ...summary().job, state: 'done', endedAt: NOW } });
    expect(progressOf(done, NOW)).toMatchObject({ phase: 'succeeded', etaMs: 0 });
  });

  it('is queued or executing before any segment comes out', () => {
    expect(progressOf(summary({ execute: { state: 'ready', taskDef: {}, output: null } }), NOW).phase).toBe('queued');
    const running = { state: 'running' as const, taskDef: {}, output: null };
    expect(progressOf(summary({ execute: running, proves: 0, proven: 0 }), NOW).phase).toBe('executing');
  });
});
