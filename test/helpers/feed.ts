// The tests' way to a daemon: the typed client, and waiting on the live feed
// (GET /api/events) for a job to reach a phase, instead of polling on a timer.

import { createParser } from 'eventsource-parser';
import { ApiClient, feedEvent } from '../../core/api/client.js';
import type { JobStatus, Phase } from '../../core/api/contract.js';

export const ENDED: readonly Phase[] = ['succeeded', 'failed', 'stopped'];

export function client(base: string, token: string, headers: Record<string, string> = {}): ApiClient {
  return new ApiClient({ baseUrl: base, token: () => token, headers });
}

/**
 * The job's status once `reached` holds for it (by default: once it has ended).
 * The feed is opened before the status is first read, so no change falls between the two.
 */
export async function untilJob(
  api: ApiClient,
  jobId: string,
  reached: (s: JobStatus) => boolean = (s) => ENDED.includes(s.phase),
  ms = 120_000,
): Promise<JobStatus> {
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(new Error(`job ${jobId} did not get there in ${ms} ms`)), ms);
  try {
    const res = await api.events(abort.signal);
    const { tasks: _tasks, events: _events, ...now } = await api.job(jobId);
    if (reached(now)) return now;
    let found: JobStatus | undefined;
    const parser = createParser({
      onEvent(event) {
        const feed = feedEvent(event.event, event.data);
        if (!found && feed?.type === 'job' && feed.status.jobId === jobId && reached(feed.status)) found = feed.status;
      },
    });
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    while (!found) {
      const { done, value } = await reader.read();
      if (done) throw new Error(`the feed ended before job ${jobId} got there`);
      parser.feed(decoder.decode(value, { stream: true }));
    }
    await reader.cancel();
    return found;
  } finally {
    clearTimeout(timer);
    abort.abort();
  }
}
