import type { JobStatus } from '../../../core/api/contract';
import { progressFraction, progressText } from '../lib/jobs';

/** The progress bar of a job: segments proven of those known. */
export function JobProgress({ status }: { status: JobStatus }) {
  const percent = Math.round(100 * progressFraction(status));
  const text = progressText(status);
  return (
    <div
      className="progress"
      role="progressbar"
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={percent}
      aria-valuetext={text}
    >
      <div className={`bar phase-${status.phase}`} style={{ width: `${percent}%` }} />
      <span className="progress-text">{text}</span>
    </div>
  );
}
