// The Bonsai routes speak RISC Zero's progress strings in `state`.

import { describe, expect, it } from 'vitest';
import type { JobStatus, Phase } from '../api/contract.js';
import { bonsaiState } from './bonsai.js';

const at = (phase: Phase, proven = 0, segments = 0, joined = 0, joins = 0): JobStatus =>
  ({ phase, proven, segments, joined, joins }) as JobStatus;

describe('bonsaiState', () => {
  it("words each phase as RISC Zero's services do", () => {
    expect(bonsaiState(at('queued'))).toBe('Setup');
    expect(bonsaiState(at('executing'))).toBe('Executor');
    expect(bonsaiState(at('proving', 3, 8))).toBe('ProveSegments: 3/8');
    expect(bonsaiState(at('joining', 8, 8, 2, 7))).toBe('RecursionJoin: 2/7');
    expect(bonsaiState(at('finalizing'))).toBe('Finalize');
    expect(bonsaiState(at('verifying'))).toBe('Finalize');
    for (const ended of ['succeeded', 'failed', 'stopped'] as const) expect(bonsaiState(at(ended))).toBeNull();
  });
});
