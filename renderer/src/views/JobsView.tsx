// The live job list: statuses arrive through the event stream; pages load as
// the list scrolls; filters by state.

import { useInfiniteQuery } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { Link } from 'wouter';
import { getJson } from '../api/client';
import type { JobFilter, JobPage, SessionStatus } from '../api/types';
import { JobActions } from '../components/JobActions';
import { JobProgress } from '../components/JobProgress';
import { PhaseBadge } from '../components/PhaseBadge';
import { VirtualList } from '../components/VirtualList';
import { useNow } from '../components/useNow';
import { FILTERS, isTerminalPhase } from '../lib/jobs';
import { count, duration, shortId } from '../lib/format';

const PAGE = 100;

export function jobsQuery(filter: JobFilter | undefined) {
  return {
    queryKey: ['jobs', filter] as const,
    queryFn: ({ pageParam }: { pageParam: number }) => getJson<JobPage>(`/api/jobs?limit=${PAGE}&offset=${pageParam}${filter ? `&state=${filter}` : ''}`),
    initialPageParam: 0,
    getNextPageParam: (last: JobPage, pages: JobPage[]) => {
      const loaded = pages.reduce((n, p) => n + p.jobs.length, 0);
      return loaded < last.total ? loaded : undefined;
    },
  };
}

export function JobsView() {
  const [filter, setFilter] = useState<JobFilter | undefined>(undefined);
  const q = useInfiniteQuery(jobsQuery(filter));
  const jobs = q.data?.pages.flatMap((p) => p.jobs) ?? [];
  const total = q.data?.pages.at(-1)?.total ?? 0;
  const now = useNow(jobs.some((j) => !isTerminalPhase(j.phase)));
  const { hasNextPage, isFetchingNextPage, fetchNextPage } = q;
  const loadMore = useCallback(() => {
    if (hasNextPage && !isFetchingNextPage) void fetchNextPage();
  }, [hasNextPage, isFetchingNextPage, fetchNextPage]);
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
        <span className="muted">{q.data ? `${count(total)} job${total === 1 ? '' : 's'}` : ''}</span>
      </div>
      {q.error && (
        <p role="alert" className="error">
          {q.error.message}
        </p>
      )}
      {q.isPending ? (
        <p className="muted">Loading jobs…</p>
      ) : (
        <VirtualList
          items={jobs}
          total={total}
          rowHeight={64}
          label="Jobs"
          keyOf={(j) => j.jobId}
          row={(j) => <JobRow status={j} now={now} />}
          loadMore={loadMore}
          empty={filter ? `No ${filter} jobs.` : 'No jobs yet: prove a guest from the Prove view.'}
        />
      )}
    </section>
  );
}

function JobRow({ status, now }: { status: SessionStatus; now: number }) {
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
