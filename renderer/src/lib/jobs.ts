// Job phases and filters as the views show them.

import type { JobFilter, Phase, JobStatus } from '../../../core/api/contract';

export const FILTERS: { value: JobFilter | undefined; label: string }[] = [
  { value: undefined, label: 'All' },
  { value: 'running', label: 'Running' },
  { value: 'succeeded', label: 'Succeeded' },
  { value: 'failed', label: 'Failed' },
  { value: 'stopped', label: 'Stopped' },
];

const TERMINAL: readonly Phase[] = ['succeeded', 'failed', 'stopped'];

export function isTerminalPhase(phase: Phase): boolean {
  return TERMINAL.includes(phase);
}

export function matchesFilter(status: JobStatus, filter: string | undefined): boolean {
  if (!filter) return true;
  if (filter === 'running') return !isTerminalPhase(status.phase);
  return status.phase === filter;
}

/** Fraction of the work done, for the progress bar (segments proven of those known). */
export function progressFraction(s: JobStatus): number {
  if (s.phase === 'succeeded') return 1;
  if (s.segments === 0) return 0;
  // Segments and join steps (a succinct receipt's lifts and joins take most of its time) fill the bar
  // alike; finalizing comes after them: keep a little of the bar for it.
  return (0.9 * (s.proven + s.joined)) / (s.segments + s.joins);
}

export function progressText(s: JobStatus): string {
  if (s.executeOnly) return s.phase === 'succeeded' ? 'executed' : s.phase;
  if (s.segments === 0) {
    if (s.phase === 'queued') return 'waiting to start';
    return isTerminalPhase(s.phase) ? 'ended before any segment' : 'executing…';
  }
  const total = s.executionDone ? `${s.segments}` : `${s.segments}+`;
  const joins = s.joins > 0 ? `, ${s.joined} of ${s.joins}${s.executionDone ? '' : '+'} joined` : '';
  return `${s.proven} of ${total} segments proven${joins}`;
}
