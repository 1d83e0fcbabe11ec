// The UI's live feed: a server-sent event stream of job statuses, so views
// update without polling.

import type { FastifyInstance } from 'fastify';
import type { Engine } from '../engine/engine.js';

export function registerEventStream(app: FastifyInstance, engine: Engine): void {
  // Server-sent events: a `job` event with the job's status whenever it changes, `deleted` when it is gone.
  app.get('/api/events', (req, reply) => {
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    res.write(': connected\n\n');
    const pending = new Set<string>();
    let timer: NodeJS.Timeout | undefined;
    // Changes come in bursts; each job is sent at most every 100 ms.
    let closed = false;
    /** The event for a job's change; undefined while the taskdb cannot be read (the change is sent again later). */
    const eventOf = async (jobId: string): Promise<string | undefined> => {
      try {
        if ((await engine.jobState(jobId)) === undefined)
          return `event: deleted\ndata: ${JSON.stringify({ jobId })}\n\n`;
        return `event: job\ndata: ${JSON.stringify(await engine.status(jobId))}\n\n`;
      } catch {
        pending.add(jobId);
        return undefined;
      }
    };
    const flush = (): void => {
      const jobs = [...pending];
      pending.clear();
      void Promise.all(jobs.map(eventOf))
        .then((events) => {
          if (!closed) res.write(events.filter((e) => e !== undefined).join(''));
        })
        .finally(() => {
          timer = undefined;
          // Changes that came meanwhile, or could not be read yet: the next flush (at most every 100 ms) sends them.
          if (pending.size > 0 && !closed) timer = setTimeout(flush, 100);
        });
    };
    const onChange = (jobId: string): void => {
      pending.add(jobId);
      timer ??= setTimeout(flush, 100);
    };
    const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000);
    engine.on('change', onChange);
    req.raw.on('close', () => {
      closed = true;
      engine.off('change', onChange);
      clearInterval(heartbeat);
      if (timer) clearTimeout(timer);
    });
  });
}
