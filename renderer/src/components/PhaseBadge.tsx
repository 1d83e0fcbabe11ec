import type { Phase } from '../api/types';

export function PhaseBadge({ phase }: { phase: Phase }) {
  return <span className={`badge phase-${phase}`}>{phase}</span>;
}
