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
 * Reads the live feed until `settle` has an answer: once as soon as the feed
 * is open (with no statuses, for the caller to read the current ones, so
 * that no change falls between the two), then with the job statuses each
 * piece of the feed brings. `awaited` names what is waited for, in errors.
 */
async function followFeed<T>(
  api: ApiClient,
  ms: number,
  awaited: string,
  settle: (statuses: JobStatus[] | null) => Promise<T | undefined>,
): Promise<T> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`${awaited}: not in ${ms} ms`)), ms);
  try {
    const res = await api.events(abort.signal);
    let answer = await settle(null);
    const statuses: JobStatus[] = [];
    const parser = createParser({
      onEvent(event) {
        const feed = feedEvent(event.event, event.data);
        if (feed?.type === 'job') statuses.push(feed.status);
      },
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    while (answer === undefined) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the feed ended before ${awaited}`);
      parser.feed(decoder.decode(value, { stream: true }));
      answer = await settle(statuses.splice(0));
    }
    await reader.cancel();
    return answer;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}

/** The jobs' statuses once `reached` holds for each (by default: once each has ended). */
export function untilJobs(
  api: ApiClient,
  jobIds: readonly string[],
  reached: (s: JobStatus) => boolean = (s) => ENDED.includes(s.phase),
  ms = 120_000,
): Promise<Map<string, JobStatus>> {
  const wanted = new Set(jobIds);
  const found = new Map<string, JobStatus>();
  return followFeed(api, ms, 'the jobs got there', async (statuses) => {
    if (statuses === null) {
      for (const jobId of wanted) {
        const { tasks: _tasks, events: _events, ...now } = await api.job(jobId);
        if (reached(now)) found.set(jobId, now);
      }
    }
    for (const status of statuses ?? []) {
      if (wanted.has(status.jobId) && !found.has(status.jobId) && reached(status)) found.set(status.jobId, status);
    }
    return found.size === wanted.size ? found : undefined;
  });
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
export function untilTask(
  api: ApiClient,
  jobIds: readonly string[],
  wanted: (t: Task) => boolean,
  ms = 120_000,
): Promise<{ jobId: string; task: Task }> {
  return followFeed(api, ms, 'such a task appeared', async (statuses) => {
    const changed = statuses === null ? jobIds : [...new Set(statuses.map((s) => s.jobId))];
    for (const jobId of changed.filter((id) => jobIds.includes(id))) {
      const task = (await api.job(jobId)).tasks.find(wanted);
      if (task) return { jobId, task };
    }
    return undefined;
  });
}
