// The tests' way to a daemon: the typed client, and waiting on the live feed
// (GET /api/events) for a job to reach a phase, instead of polling on a timer.

import { createParser } from 'eventsource-parser';
import { ApiClient, feedEvent } from '../../core/api/client.js';
import type { JobStatus, Phase, Task } from '../../core/api/contract.js';

export const ENDED: readonly Phase[] = ['succeeded', 'failed', 'stopped'];

export function client(base: string, token: string, headers: Record<string, string> = {}): ApiClient {
  return new ApiClient({ baseUrl: base, token: () => token, headers });
}

/**
 * The jobs' statuses once `reached` holds for each (by default: once each has ended).
 * The feed is opened before the statuses are first read, so no change falls between the two.
 */
export async function untilJobs(
  api: ApiClient,
  jobIds: readonly string[],
  reached: (s: JobStatus) => boolean = (s) => ENDED.includes(s.phase),
  ms = 120_000,
): Promise<Map<string, JobStatus>> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`jobs did not get there in ${ms} ms`)), ms);
  const wanted = new Set(jobIds);
  const found = new Map<string, JobStatus>();
  try {
    const res = await api.events(abort.signal);
    for (const jobId of wanted) {
      const { tasks: _tasks, events: _events, ...now } = await api.job(jobId);
      if (reached(now)) found.set(jobId, now);
    }
    const parser = createParser({
      onEvent(event) {
        const feed = feedEvent(event.event, event.data);
        if (feed?.type !== 'job' || !wanted.has(feed.status.jobId) || found.has(feed.status.jobId)) return;
        if (reached(feed.status)) found.set(feed.status.jobId, feed.status);
      },
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    while (found.size < wanted.size) {
      const { done, value } = await reader.read();
      if (done) throw new Error('the feed ended before the jobs got there');
      parser.feed(decoder.decode(value, { stream: true }));
    }
    await reader.cancel();
    return found;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** One job's status once `reached` holds for it (by default: once it has ended). */
export async function untilJob(
  api: ApiClient,
  jobId: string,
  reached?: (s: JobStatus) => boolean,
  ms?: number,
): Promise<JobStatus> {
  return (await untilJobs(api, [jobId], reached, ms)).get(jobId) as JobStatus;
}

/**
 * The first task of one of the jobs for which `wanted` holds, read from the
 * job's detail each time the feed reports a change to it.
 */
export async function untilTask(
  api: ApiClient,
  jobIds: readonly string[],
  wanted: (t: Task) => boolean,
  ms = 120_000,
): Promise<{ jobId: string; task: Task }> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`no such task in ${ms} ms`)), ms);
  const find = async (jobId: string): Promise<{ jobId: string; task: Task } | undefined> => {
    const task = (await api.job(jobId)).tasks.find(wanted);
    return task && { jobId, task };
  };
  try {
    const res = await api.events(abort.signal);
    for (const jobId of jobIds) {
      const hit = await find(jobId);
      if (hit) return hit;
    }
    const changed = new Set<string>();
    const parser = createParser({
      onEvent(event) {
        const feed = feedEvent(event.event, event.data);
        if (feed?.type === 'job' && jobIds.includes(feed.status.jobId)) changed.add(feed.status.jobId);
      },
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) throw new Error('the feed ended before such a task appeared');
      parser.feed(decoder.decode(value, { stream: true }));
      for (const jobId of changed) {
        changed.delete(jobId);
        const hit = await find(jobId);
        if (hit) {
          await reader.cancel();
          return hit;
        }
      }
    }
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
