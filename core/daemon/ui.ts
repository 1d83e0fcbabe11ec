// Routes for the UI: jobs with their tasks and timelines, stop, and a
// server-sent event stream of job changes so views update without polling.

import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { Engine, SessionStatus } from '../engine/engine.js';
import { runNative } from '../engine/native.js';
import { STREAMS } from '../engine/taskdefs.js';
import { Settings, saveSettings } from '../config/settings.js';
import type { S3Sync } from '../sync/s3sync.js';
import { runAdminVerb } from '../taskdb/adminverbs.js';
import { requireJson } from './bonsai.js';
import { jobStatus, parse } from './params.js';
import { ApiError } from './security.js';

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
  phase: z.string().optional(),
});

export function registerUi(app: FastifyInstance, engine: Engine, sync: S3Sync | undefined, settings: Settings): void {
  const status = (jobId: string): SessionStatus => jobStatus(engine, jobId);

  app.get('/api/jobs', async (req) => {
    const q = parse(ListQuery, req.query);
    const jobs = engine.list(q.limit, q.offset);
    return { jobs: q.phase ? jobs.filter((j) => j.phase === q.phase) : jobs };
  });
  app.get<{ Params: { id: string } }>('/api/jobs/:id', async (req) => {
    const s = status(req.params.id);
    return { ...s, tasks: engine.db.getTasks(s.jobId), events: engine.db.getEvents(s.jobId) };
  });
  app.post<{ Params: { id: string } }>('/api/jobs/:id/stop', async (req) => {
    const s = status(req.params.id);
    return { stopped: await engine.stop(s.jobId) };
  });
  app.get<{ Params: { id: string } }>('/api/jobs/:id/logs', async (req, reply) => {
    const s = status(req.params.id);
    return reply.type('text/plain; charset=utf-8').send(await engine.store.get('logs', s.jobId).catch(() => Buffer.alloc(0)));
  });

  app.get<{ Params: { id: string } }>('/api/jobs/:id/journal', async (req, reply) => {
    const s = status(req.params.id);
    if (s.journalHex === null) throw new ApiError(404, 'NotFound', `job ${s.jobId} has no journal yet (${s.phase})`);
    return reply.type('application/octet-stream').send(Buffer.from(s.journalHex, 'hex'));
  });
  app.get<{ Params: { id: string } }>('/api/jobs/:id/receipt', async (req, reply) => {
    const s = status(req.params.id);
    if (!s.receiptPath) throw new ApiError(404, 'NotFound', `job ${s.jobId} has no receipt (${s.phase})`);
    reply.header('content-disposition', `attachment; filename="${s.jobId}.receipt"`);
    return reply.type('application/octet-stream').send(await engine.store.get('receipts', s.jobId));
  });
  app.post<{ Params: { id: string } }>('/api/jobs/:id/verify', async (req) => {
    const s = status(req.params.id);
    if (!s.receiptPath || !s.imageId) throw new ApiError(404, 'NotFound', `job ${s.jobId} has no receipt (${s.phase})`);
    try {
      const { result } = await runNative(['verify', s.receiptPath, '--image-id', s.imageId]);
      return { valid: true, verifyMs: result.verify_ms };
    } catch (err) {
      return { valid: false, error: (err as Error).message };
    }
  });
  // A failed or stopped job runs again from its failed tasks (finished segments are kept).
  app.post<{ Params: { id: string } }>('/api/jobs/:id/retry', async (req) => {
    const s = status(req.params.id);
    if (s.state !== 'failed') throw new ApiError(409, 'InvalidState', `job ${s.jobId} is ${s.phase}: only a failed job can be retried`);
    const result = runAdminVerb(engine.db, 'resetTasks', [{ jobId: s.jobId, state: 'failed' }, { force: true, actor: 'user', reason: 'retried from the UI' }]);
    engine.emit('change', s.jobId);
    return result;
  });
  app.get('/api/workers', async () => ({
    slots: Object.fromEntries(STREAMS.map((k) => [k, engine.slotCount(k)])),
    streams: engine.db.getStreams().map((st) => ({ workerType: st.workerType, running: st.running, ready: st.ready })),
  }));
  const currentSettings = () => ({
    ...settings,
    running: { slots: Object.fromEntries(STREAMS.map((k) => [k, engine.slotCount(k)])) },
    dataDirectory: engine.store.root,
    sync: sync ? { configured: true, blobs: sync.states() } : { configured: false },
  });
  app.get('/api/settings', async () => currentSettings());
  // Stored at once; new slot counts take effect when the daemon restarts.
  app.put('/api/settings', async (req) => {
    requireJson(req.headers['content-type']);
    Object.assign(settings, parse(Settings, { ...settings, ...(req.body as object) }));
    await saveSettings(engine.store.root, settings);
    return currentSettings();
  });

  // The admin verbs, as `bento admin` runs them (dry run unless the options say force).
  app.post<{ Params: { verb: string } }>('/api/admin/:verb', async (req) => {
    requireJson(req.headers['content-type']);
    const { args } = parse(z.object({ args: z.array(z.unknown()) }), req.body);
    return { result: runAdminVerb(engine.db, req.params.verb, args) };
  });

  // Server-sent events: a `job` event with the job's status whenever it changes.
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
      for (const jobId of pending) res.write(`event: job\ndata: ${JSON.stringify(engine.status(jobId))}\n\n`);
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
