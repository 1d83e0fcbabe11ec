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
    const flush = (): void => {
      timer = undefined;
      for (const jobId of pending) {
        if (engine.hasJob(jobId)) res.write(`event: job\ndata: ${JSON.stringify(engine.status(jobId))}\n\n`);
        else res.write(`event: deleted\ndata: ${JSON.stringify({ jobId })}\n\n`);
      }
      pending.clear();
    };
    const onChange = (jobId: string): void => {
      pending.add(jobId);
      timer ??= setTimeout(flush, 100);
    };
    const heartbeat = setInterval(() => res.write(': ping\n\n'), 15_000);
    engine.on('change', onChange);
    req.raw.on('close', () => {
      engine.off('change', onChange);
      clearInterval(heartbeat);
      if (timer) clearTimeout(timer);
    });
  });
}
