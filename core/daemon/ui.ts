// Routes for the UI: jobs with their tasks and timelines, stop, and a
// server-sent event stream of job changes so views update without polling.

import { stat } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type Engine, JOB_FILTERS, type SessionStatus } from '../engine/engine.js';
import { runNative } from '../engine/native.js';
import { STREAMS } from '../engine/taskdefs.js';
import { Settings, saveSettings } from '../config/settings.js';
import { elfHeaderProblem } from '../guest/elfheader.js';
import { S3Config, testS3 } from '../sync/s3sync.js';
import type { ServerOptions } from './server.js';
import { runAdminVerb } from '../taskdb/adminverbs.js';
import { requireJson } from './bonsai.js';
import { jobStatus, parse } from './params.js';
import { ApiError } from './apierror.js';

const Page = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
const ListQuery = Page.extend({ state: z.enum(JOB_FILTERS).optional() });
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex');
/** A job from the UI: an uploaded ELF or a local file's path (the desktop app knows real paths). */
const NewJob = z
  .object({
    elf: Sha256.optional(),
    elfPath: z.string().startsWith('/', 'an absolute path').optional(),
    input: Sha256.optional(),
    po2: z.number().int().min(14).max(22).optional(),
    cycleLimit: z.number().int().positive().nullable().optional(),
    executeOnly: z.boolean().optional(),
  })
  .refine((j) => (j.elf === undefined) !== (j.elfPath === undefined), 'give either elf (an uploaded ELF) or elfPath');

/** Bucket settings as the UI sees them: the secret key is never sent back. */
const S3Shown = (s3: S3Config | null) => (s3 ? { ...s3, secretKey: '', hasSecretKey: true } : null);
/** Bucket settings from the UI: an empty secret keeps the stored one. */
const S3Given = S3Config.extend({ secretKey: z.string().default('') });

export function registerUi(app: FastifyInstance, engine: Engine, options: ServerOptions): void {
  const { sync, settings } = options;
  const status = (jobId: string): SessionStatus => jobStatus(engine, jobId);
  const withStoredSecret = (given: z.infer<typeof S3Given>): S3Config => {
    const secretKey = given.secretKey || (settings.s3?.endpoint === given.endpoint && settings.s3.accessKey === given.accessKey ? settings.s3.secretKey : '');
    if (!secretKey) throw new ApiError(400, 'InvalidRequest', 'the secret key is required');
    return { ...given, secretKey };
  };

  app.get('/api/jobs', async (req) => {
    const q = parse(ListQuery, req.query);
    return { jobs: engine.list(q.limit, q.offset, q.state), total: engine.count(q.state) };
  });
  // Uploads for the UI: content-addressed, answered with their SHA-256.
  app.post('/api/elfs', async (req) => {
    const bytes = req.body;
    if (!Buffer.isBuffer(bytes)) throw new ApiError(400, 'InvalidRequest', 'send the ELF as the raw request body');
    const problem = elfHeaderProblem(bytes.subarray(0, 20), 'the upload');
    if (problem) throw new ApiError(400, 'InvalidElf', problem);
    return { elf: (await engine.store.putContentAddressed('elfs', bytes)).sha256 };
  });
  app.post('/api/inputs', async (req) => {
    const bytes = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    return { input: (await engine.store.putContentAddressed('inputs', bytes)).sha256 };
  });
  app.post('/api/jobs', async (req) => {
    requireJson(req.headers['content-type']);
    const job = parse(NewJob, req.body);
    const input = job.input ? await engine.store.get('inputs', job.input).catch(() => undefined) : Buffer.alloc(0);
    if (!input) throw new ApiError(404, 'NotFound', `no uploaded input ${job.input}`);
    const jobId = await engine.createSession({
      ...(job.elf ? { imageBlob: job.elf } : { elfPath: job.elfPath as string }),
      input,
      po2: job.po2 ?? settings.defaultPo2,
      cycleLimit: job.cycleLimit ?? null,
      executeOnly: job.executeOnly ?? false,
    });
    return { jobId };
  });
  app.delete<{ Params: { id: string } }>('/api/jobs/:id', async (req) => {
    const s = status(req.params.id);
    await engine.delete(s.jobId);
    return { deleted: s.jobId };
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
  app.delete<{ Params: { id: string } }>('/api/jobs/:id/receipt', async (req) => {
    const s = status(req.params.id);
    if (!s.receiptPath) throw new ApiError(404, 'NotFound', `job ${s.jobId} has no receipt (${s.phase})`);
    await engine.store.delete('receipts', s.jobId);
    engine.emit('change', s.jobId);
    return { deleted: s.jobId };
  });
  // Stored receipts, newest job first, with their sizes.
  app.get('/api/receipts', async (req) => {
    const q = parse(Page, req.query);
    const stored = new Set(await engine.store.list('receipts'));
    const ids = engine.listIds('succeeded').filter((id) => stored.has(id));
    const page = ids.slice(q.offset, q.offset + q.limit);
    const receipts = await Promise.all(page.map(async (id) => ({ ...engine.status(id), receiptBytes: await engine.store.size('receipts', id) })));
    return { receipts, total: ids.length };
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
    active: engine.activeTasks(),
    cpu: { cores: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', loadAverage: loadavg() },
    // The prover runs on the CPU; no GPU prover is built yet.
    gpu: null,
  }));
  const currentSettings = () => ({
    ...settings,
    s3: S3Shown(settings.s3),
    running: { slots: Object.fromEntries(STREAMS.map((k) => [k, engine.slotCount(k)])) },
    dataDirectory: engine.store.root,
    maxUploadBytes: options.maxUploadBytes,
    sync: sync ? { configured: true, blobs: sync.states() } : { configured: false },
  });
  app.get('/api/settings', async () => currentSettings());
  // Stored at once; slot counts and bucket sync take effect when the daemon restarts.
  app.put('/api/settings', async (req) => {
    requireJson(req.headers['content-type']);
    const body = parse(Settings.partial().extend({ s3: S3Given.nullable().optional() }), req.body);
    const next = parse(Settings, { ...settings, ...body, ...(body.s3 ? { s3: withStoredSecret(body.s3) } : {}) });
    if (next.watchFolder) {
      const isDir = await stat(next.watchFolder).then((st) => st.isDirectory(), () => false);
      if (!isDir) throw new ApiError(400, 'InvalidRequest', `the watch folder ${next.watchFolder} is not a directory`);
    }
    Object.assign(settings, next);
    await saveSettings(engine.store.root, settings);
    await options.onSettingsChanged?.();
    return currentSettings();
  });
  // Tries a bucket with the given settings (or the stored ones) without saving anything.
  app.post('/api/sync/test', async (req) => {
    requireJson(req.headers['content-type']);
    const given = req.body && Object.keys(req.body as object).length > 0 ? withStoredSecret(parse(S3Given, req.body)) : settings.s3;
    if (!given) throw new ApiError(400, 'InvalidRequest', 'no bucket is configured: give endpoint, bucket, accessKey and secretKey');
    return testS3(given);
  });

  // The admin verbs, as `bento admin` runs them (dry run unless the options say force).
  app.post<{ Params: { verb: string } }>('/api/admin/:verb', async (req) => {
    requireJson(req.headers['content-type']);
    const { args } = parse(z.object({ args: z.array(z.unknown()) }), req.body);
    return { result: runAdminVerb(engine.db, req.params.verb, args) };
  });

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
        if (engine.db.getJobState(jobId)) res.write(`event: job\ndata: ${JSON.stringify(engine.status(jobId))}\n\n`);
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
