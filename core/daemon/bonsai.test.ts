// The Bonsai routes speak RISC Zero's progress strings in `state`.

import { describe, expect, it } from 'vitest';
import type { JobStatus, Phase } from '../api/contract.js';
import { bonsaiState } from './bonsai.js';

const at = (phase: Phase, proven = 0, segments = 0): JobStatus => ({ phase, proven, segments }) as JobStatus;

describe('bonsaiState', () => {
  it("words each phase as RISC Zero's services do", () => {
    const joins = { done: 2, total: 7 };
    expect(bonsaiState(at('queued'), joins)).toBe('Setup');
    expect(bonsaiState(at('executing'), joins)).toBe('Executor');
    expect(bonsaiState(at('proving', 3, 8), joins)).toBe('ProveSegments: 3/8');
    expect(bonsaiState(at('joining', 8, 8), joins)).toBe('RecursionJoin: 2/7');
    expect(bonsaiState(at('finalizing'), joins)).toBe('Finalize');
    expect(bonsaiState(at('verifying'), joins)).toBe('Finalize');
    for (const ended of ['succeeded', 'failed', 'stopped'] as const) expect(bonsaiState(at(ended), joins)).toBeNull();
  });
});
