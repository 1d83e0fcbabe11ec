// A job's phase for people, derived from the summary of its tasks
// (core/taskdb/jobsummary.ts): their kinds and states, never their ids.

import type { JobStatus } from '../api/contract.js';
import type { JobSummary } from '../taskdb/jobsummary.js';

/** The part of a job's status its tasks decide. */
export type Progress = Pick<
  JobStatus,
  'phase' | 'proven' | 'segments' | 'joined' | 'joins' | 'executionDone' | 'etaMs'
>;

export function progressOf(s: JobSummary, now = Date.now()): Progress {
  const { job, execute, finalize } = s;
  const executionDone = execute?.state === 'done';
  const base = { proven: s.proven, segments: s.proves, joined: s.joined, joins: s.joins, executionDone, etaMs: null };
  if (job.state === 'done') return { ...base, phase: 'succeeded', etaMs: 0 };
  if (job.state === 'failed' || job.state === 'stopped') return { ...base, phase: job.state };
  if (!execute || execute.state === 'ready' || execute.state === 'pending') return { ...base, phase: 'queued' };
  const etaMs = estimate(s, executionDone, now);
  if (!executionDone && s.proves === 0) return { ...base, phase: 'executing' };
  if (s.proven < s.proves || !executionDone) return { ...base, phase: 'proving', etaMs };
  // Joining (lifts included) is not timed yet: no estimate rather than a wrong one.
  if (s.openJoins > 0) return { ...base, phase: 'joining' };
  if (!finalize || finalize.state === 'pending' || finalize.state === 'ready')
    return { ...base, phase: 'finalizing', etaMs };
  return { ...base, phase: finalize.progress >= 0.5 ? 'verifying' : 'finalizing', etaMs };
}

/** Time left: segments still to prove at the pace of those proven so far. */
function estimate(s: JobSummary, executionDone: boolean, now: number): number | null {
  if (s.provenTimed === 0 || !executionDone || s.firstProveStart === null) return null;
  const perSegment = (now - s.firstProveStart) / s.provenTimed;
  return Math.round(perSegment * (s.proves - s.provenTimed));
}
