// The UI's job routes: list (paged, by state, with totals), uploads and
// creation, detail with tasks and timeline, stop, retry, delete, logs,
// journal, and receipts (download, verify, list, delete).

import { timingSafeEqual } from 'node:crypto';
import { isAbsolute } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  Deleted,
  ElfUploaded,
  InputUploaded,
  JobCreated,
  JobListQuery,
  JobPage,
  type JobStatus,
  type Settings,
  NewJob,
  PageQuery,
  ReceiptPage,
  Retried,
  Stopped,
  VerifyResult,
} from '../api/contract.js';
import { type Engine, InvalidElf } from '../engine/engine.js';
import { APP_SECRET_HEADER, ApiError, LOCAL_PATH_REFUSED } from '../api/apierror.js';
import { requireJson } from './bonsai.js';
import { uploadBody } from './bodies.js';
import { jobStatus, parse, shape } from './params.js';

/** A receipt is handed out only while it still verifies (a failure fails its job): the bytes that were verified. */
export async function requireValidReceipt(engine: Engine, jobId: string): Promise<Buffer> {
  const verified = await engine.verifyReceipt(jobId);
  if (!verified.valid)
    throw new ApiError(
      409,
      'ReceiptInvalid',
      `the stored receipt of job ${jobId} no longer verifies: ${verified.error}`,
    );
  return verified.receipt;
}

/** Whether a request carries the desktop app's secret (none is set when the daemon was not started by the app). */
function sameSecret(given: unknown, secret: string | undefined): boolean {
  if (!secret || typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}

export function registerJobRoutes(
  app: FastifyInstance,
  engine: Engine,
  settings: Settings,
  maxUploadBytes: number,
  appSecret: string | undefined,
): void {
  const status = (jobId: string): Promise<JobStatus> => jobStatus(engine, jobId);

  app.get('/api/jobs', async (req) => {
    const q = parse(JobListQuery, req.query);
    const [jobs, total] = await Promise.all([engine.list(q.limit, q.offset, q.state), engine.count(q.state)]);
    return shape(JobPage, { jobs, total });
  });
  // Uploads for the UI: an ELF is stored under its image ID, an input under its SHA-256.
  app.post('/api/elfs', async (req) => {
    const imageId = await engine
      .storeElf(uploadBody(req.body), 'the upload', { maxBytes: maxUploadBytes })
      .catch((err: unknown) => {
        throw err instanceof InvalidElf ? new ApiError(400, 'InvalidElf', err.message) : err;
      });
    return shape(ElfUploaded, { elf: imageId });
  });
  app.post('/api/inputs', async (req) => {
    const put = await engine.uploads.putContentAddressed('inputs', uploadBody(req.body), { maxBytes: maxUploadBytes });
    return shape(InputUploaded, { input: put.sha256 });
  });
  app.post('/api/jobs', async (req) => {
    requireJson(req.headers['content-type']);
    const job = parse(NewJob, req.body);
    if (job.elfPath !== undefined && !isAbsolute(job.elfPath))
      throw new ApiError(400, 'InvalidRequest', 'elfPath: an absolute path');
    if (job.elfPath !== undefined && !sameSecret(req.headers[APP_SECRET_HEADER], appSecret)) {
      throw new ApiError(
        403,
        LOCAL_PATH_REFUSED,
        'elfPath is only for the desktop app that started this daemon: upload the ELF (POST /api/elfs) instead',
      );
    }
    const input = job.input ? await engine.uploads.get('inputs', job.input).catch(() => undefined) : Buffer.alloc(0);
    if (!input) throw new ApiError(404, 'NotFound', `no uploaded input ${job.input}`);
    const jobId = await engine.createJob({
      ...(job.elf ? { imageBlob: job.elf } : { elfPath: job.elfPath as string }),
      input,
      po2: job.po2 ?? settings.defaultPo2,
      cycleLimit: job.cycleLimit ?? null,
      executeOnly: job.executeOnly ?? false,
      receiptKind: job.receiptKind ?? settings.defaultReceiptKind,
    });
    return shape(JobCreated, { jobId });
  });
  app.delete<{ Params: { id: string } }>('/api/jobs/:id', async (req) => {
    const s = await status(req.params.id);
    await engine.delete(s.jobId);
    return shape(Deleted, { deleted: s.jobId });
  });
  app.get<{ Params: { id: string } }>('/api/jobs/:id', async (req) => {
    const s = await status(req.params.id);
    return engine.detail(s.jobId);
  });
  app.post<{ Params: { id: string } }>('/api/jobs/:id/stop', async (req) => {
    const s = await status(req.params.id);
    return shape(Stopped, { stopped: await engine.stop(s.jobId) });
  });
  app.get<{ Params: { id: string } }>('/api/jobs/:id/logs', async (req, reply) => {
    const s = await status(req.params.id);
    return reply.type('text/plain; charset=utf-8').send(await engine.logs(s.jobId));
  });

  app.get<{ Params: { id: string } }>('/api/jobs/:id/journal', async (req, reply) => {
    const s = await status(req.params.id);
    if (s.journalHex === null) throw new ApiError(404, 'NotFound', `job ${s.jobId} has no journal yet (${s.phase})`);
    return reply.type('application/octet-stream').send(Buffer.from(s.journalHex, 'hex'));
  });
  app.get<{ Params: { id: string } }>('/api/jobs/:id/receipt', async (req, reply) => {
    const s = await status(req.params.id);
    if (!s.hasReceipt) throw new ApiError(404, 'NotFound', `job ${s.jobId} has no receipt (${s.phase})`);
    const receipt = await requireValidReceipt(engine, s.jobId);
    reply.header('content-disposition', `attachment; filename="${s.jobId}.receipt"`);
    return reply.type('application/octet-stream').send(receipt);
  });
  app.delete<{ Params: { id: string } }>('/api/jobs/:id/receipt', async (req) => {
    const s = await status(req.params.id);
    if (!s.hasReceipt) throw new ApiError(404, 'NotFound', `job ${s.jobId} has no receipt (${s.phase})`);
    await engine.deleteReceipt(s.jobId);
    return shape(Deleted, { deleted: s.jobId });
  });
  // Stored receipts, newest job first, with their sizes.
  app.get('/api/receipts', async (req) => {
    const q = parse(PageQuery, req.query);
    return shape(ReceiptPage, await engine.receipts(q.limit, q.offset));
  });
  app.post<{ Params: { id: string } }>('/api/jobs/:id/verify', async (req) => {
    const s = await status(req.params.id);
    if (!s.hasReceipt || !s.imageId) throw new ApiError(404, 'NotFound', `job ${s.jobId} has no receipt (${s.phase})`);
    return shape(VerifyResult, await engine.verifyReceipt(s.jobId));
  });
  // A failed or stopped job runs again from its failed tasks (finished segments are kept).
  app.post<{ Params: { id: string } }>('/api/jobs/:id/retry', async (req) => {
    const s = await status(req.params.id);
    if (s.state !== 'failed' && s.state !== 'stopped')
      throw new ApiError(
        409,
        'InvalidState',
        `job ${s.jobId} is ${s.phase}: only a failed or stopped job can be retried`,
      );
    return shape(Retried, await engine.retry(s.jobId));
  });
}
