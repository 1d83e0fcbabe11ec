import type { Phase } from '../../../core/api/contract';

export function PhaseBadge({ phase }: { phase: Phase }) {
  return <span className={`badge phase-${phase}`}>{phase}</span>;
}
