// The live job list: statuses arrive through the event stream; pages load as
// the list scrolls; filters by state.

import { useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api/client';
import { usePagedList } from '../api/paged';
import type { JobFilter, JobPage, JobStatus } from '../../../core/api/contract';
import { JobActions } from '../components/JobActions';
import { JobProgress } from '../components/JobProgress';
import { PhaseBadge } from '../components/PhaseBadge';
import { PagedList } from '../components/VirtualList';
import { useNow } from '../components/useNow';
import { FILTERS, isTerminalPhase } from '../lib/jobs';
import { count, duration, shortId } from '../lib/format';

export function JobsView() {
  const [filter, setFilter] = useState<JobFilter | undefined>(undefined);
  // The key's second element is the filter: the event stream (api/events.ts) reads it.
  const paged = usePagedList(
    ['jobs', filter],
    (page) => api.jobs({ ...page, state: filter }),
    (p: JobPage) => p.jobs,
    (p) => p.total,
  );
  const now = useNow(paged.rows.some((j) => !isTerminalPhase(j.phase)));
  return (
    <section aria-labelledby="jobs-title">
      <div className="heading">
        <h1 id="jobs-title">Jobs</h1>
        <div role="group" aria-label="Show jobs" className="filters">
          {FILTERS.map((f) => (
            <button key={f.label} type="button" aria-pressed={filter === f.value} onClick={() => setFilter(f.value)}>
              {f.label}
            </button>
          ))}
        </div>
        <span className="muted">
          {paged.query.data ? `${count(paged.total)} job${paged.total === 1 ? '' : 's'}` : ''}
        </span>
      </div>
      <PagedList
        paged={paged}
        loading="Loading jobs…"
        rowHeight={64}
        label="Jobs"
        keyOf={(j) => j.jobId}
        row={(j) => <JobRow status={j} now={now} />}
        empty={filter ? `No ${filter} jobs.` : 'No jobs yet: prove a guest from the Prove view.'}
      />
    </section>
  );
}

function JobRow({ status, now }: { status: JobStatus; now: number }) {
  const elapsed = isTerminalPhase(status.phase) ? status.elapsedMs : now - status.createdAt;
  return (
    <div className="jobrow" data-job={status.jobId} data-phase={status.phase}>
      <PhaseBadge phase={status.phase} />
      <Link href={`/jobs/${status.jobId}`} className="jobid" aria-label={`Job ${status.jobId}, ${status.phase}`}>
        {shortId(status.jobId)}
      </Link>
      <JobProgress status={status} />
      <span className="stat" title="cycles">
        {count(status.cycles)} cycles
      </span>
      <span className="stat" title="elapsed">
        {duration(elapsed)}
      </span>
      <span className="stat" title="estimated time left">
        {status.etaMs !== null && !isTerminalPhase(status.phase) ? `ETA ${duration(status.etaMs)}` : ''}
      </span>
      <JobActions status={status} />
    </div>
  );
}
