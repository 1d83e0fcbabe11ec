// A job's phase for people, derived from its tasks.

import type { JobStatus } from '../api/contract.js';
import { type Job, STOPPED_BY_USER, type Task } from '../taskdb/types.js';

/** The part of a job's status its tasks decide. */
export type Progress = Pick<JobStatus, 'phase' | 'proven' | 'segments' | 'executionDone' | 'etaMs'>;

const kindOf = (t: Task): string => t.taskId.split('-')[0] ?? '';

export function progressOf(job: Job, tasks: readonly Task[], now = Date.now()): Progress {
  const init = tasks.find((t) => t.taskId === 'init');
  const proves = tasks.filter((t) => kindOf(t) === 'prove');
  const proven = proves.filter((t) => t.state === 'done').length;
  const executionDone = init?.state === 'done';
  const base = { proven, segments: proves.length, executionDone, etaMs: null };
  if (job.state === 'done') return { ...base, phase: 'succeeded', etaMs: 0 };
  if (job.state === 'failed') return { ...base, phase: job.error === STOPPED_BY_USER ? 'stopped' : 'failed' };
  if (!init || init.state === 'ready' || init.state === 'pending') return { ...base, phase: 'queued' };
  const etaMs = estimate(proves, executionDone, now);
  if (!executionDone && proves.length === 0) return { ...base, phase: 'executing' };
  if (proven < proves.length || !executionDone) return { ...base, phase: 'proving', etaMs };
  const finalize = tasks.find((t) => t.taskId === 'finalize');
  if (!finalize || finalize.state === 'pending' || finalize.state === 'ready') {
    return {
      ...base,
      phase: tasks.some((t) => kindOf(t) === 'join' && t.state !== 'done') ? 'joining' : 'finalizing',
      etaMs,
    };
  }
  return { ...base, phase: finalize.progress >= 0.5 ? 'verifying' : 'finalizing', etaMs };
}

/** Time left: segments still to prove at the pace of those proven so far. */
function estimate(proves: readonly Task[], executionDone: boolean, now: number): number | null {
  const done = proves.filter((t) => t.state === 'done' && t.startedAt !== null);
  if (done.length === 0 || !executionDone) return null;
  const first = Math.min(...proves.map((t) => t.startedAt ?? now));
  const perSegment = (now - first) / done.length;
  return Math.round(perSegment * (proves.length - done.length));
}
