// The live feed: one server-sent event stream (read through fetch, so the
// token goes in a header), whose job statuses are written straight into the
// query cache. Lists and details never poll; a reconnect refetches once to
// catch what was missed.

import { type InfiniteData, type QueryClient } from '@tanstack/react-query';
import { createParser } from 'eventsource-parser';
import { useSyncExternalStore } from 'react';
import { desktop } from './connection';
import { api } from './client';
import { feedEvent } from '../../../core/api/client';
import type { JobPage, Phase, JobStatus } from '../../../core/api/contract';
import { matchesFilter, isTerminalPhase } from '../lib/jobs';

export type FeedState = 'connecting' | 'live' | 'reconnecting';

let feedState: FeedState = 'connecting';
const listeners = new Set<() => void>();
function setFeedState(next: FeedState): void {
  feedState = next;
  for (const l of listeners) l();
}

export function useFeedState(): FeedState {
  return useSyncExternalStore(
    (l) => {
      listeners.add(l);
      return () => listeners.delete(l);
    },
    () => feedState,
  );
}

/** Long proofs worth a desktop notification when they end. */
const NOTIFY_AFTER_MS = 30_000;

export function applyJobStatus(qc: QueryClient, status: JobStatus): void {
  for (const query of qc.getQueryCache().findAll({ queryKey: ['jobs'] })) {
    const filter = query.queryKey[1] as string | undefined;
    const data = query.state.data as InfiniteData<JobPage> | undefined;
    if (!data) continue;
    const present = data.pages.some((p) => p.jobs.some((j) => j.jobId === status.jobId));
    if (present && matchesFilter(status, filter)) {
      qc.setQueryData<InfiniteData<JobPage>>(query.queryKey, {
        ...data,
        pages: data.pages.map((p) => ({ ...p, jobs: p.jobs.map((j) => (j.jobId === status.jobId ? status : j)) })),
      });
    } else if (present || matchesFilter(status, filter)) {
      // New, or joined or left this filtered list: its pages and total change.
      void qc.invalidateQueries({ queryKey: query.queryKey, exact: true });
    }
  }
  void qc.invalidateQueries({ queryKey: ['workers'] });
  const previous = qc.getQueryData<JobStatus>(['job', status.jobId]);
  if (previous) {
    qc.setQueryData(['job', status.jobId], { ...previous, ...status });
    // Tasks and events are not in the feed: fetch them for the open detail,
    // at most once a second (a big job's detail is large and changes often).
    refreshDetail(qc, status.jobId);
  }
  if (isTerminalPhase(status.phase)) void qc.invalidateQueries({ queryKey: ['receipts'] });
  notifyIfLongProofEnded(status);
}

const DETAIL_EVERY_MS = 1000;
const detailTimers = new Map<string, ReturnType<typeof setTimeout>>();
const detailFetched = new Map<string, number>();

function refreshDetail(qc: QueryClient, jobId: string): void {
  if (detailTimers.has(jobId)) return; // one is already due
  const wait = Math.max(0, (detailFetched.get(jobId) ?? 0) + DETAIL_EVERY_MS - Date.now());
  detailTimers.set(
    jobId,
    setTimeout(() => {
      detailTimers.delete(jobId);
      detailFetched.set(jobId, Date.now());
      void qc.invalidateQueries({ queryKey: ['job', jobId] });
    }, wait),
  );
}

/** Last phase seen per job, so an ending is noticed whichever view is open. */
const lastPhase = new Map<string, Phase>();

function notifyIfLongProofEnded(status: JobStatus): void {
  const before = lastPhase.get(status.jobId);
  lastPhase.set(status.jobId, status.phase);
  if (
    before === undefined ||
    isTerminalPhase(before) ||
    !isTerminalPhase(status.phase) ||
    status.elapsedMs < NOTIFY_AFTER_MS
  )
    return;
  desktop()?.notify(
    `Proof ${status.phase}`,
    `Job ${status.jobId.slice(0, 8)} ${status.phase} after ${Math.round(status.elapsedMs / 1000)} s`,
  );
}

function applyDeleted(qc: QueryClient, jobId: string): void {
  lastPhase.delete(jobId);
  qc.removeQueries({ queryKey: ['job', jobId] });
  void qc.invalidateQueries({ queryKey: ['jobs'] });
  void qc.invalidateQueries({ queryKey: ['receipts'] });
}

/** Follows the daemon's event stream until the returned function is called. */
export function followEvents(qc: QueryClient): () => void {
  const abort = new AbortController();
  let attempt = 0;
  const run = async (): Promise<void> => {
    while (!abort.signal.aborted) {
      try {
        const res = await api.events(abort.signal);
        if (attempt > 0) void qc.invalidateQueries();
        attempt = 0;
        setFeedState('live');
        const parser = createParser({
          onEvent(event) {
            const feed = feedEvent(event.event, event.data);
            if (feed?.type === 'job') applyJobStatus(qc, feed.status);
            else if (feed?.type === 'deleted') applyDeleted(qc, feed.jobId);
          },
        });
        const reader = (res.body as ReadableStream<Uint8Array>).getReader();
        const decoder = new TextDecoder();
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          parser.feed(decoder.decode(value, { stream: true }));
        }
      } catch {
        if (abort.signal.aborted) return;
      }
      attempt++;
      setFeedState('reconnecting');
      await new Promise((r) => setTimeout(r, Math.min(5000, 250 * 2 ** attempt)));
    }
  };
  void run();
  return () => abort.abort();
}
