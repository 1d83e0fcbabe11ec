// The routes RISC Zero's Bonsai SDK calls, with its field names, so existing
// client code drives the daemon unchanged: a translation of Bonsai's requests
// and words into the engine's jobs and the contract's statuses (core/api).
// (Our receipts are not RISC Zero receipts: such a client can fetch them but
// not decode them.)

import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type JobStatus, Po2 } from '../api/contract.js';
import type { Engine } from '../engine/engine.js';
import { NativeError, imageIdOf } from '../engine/native.js';
import { jobStatus, parse, validId } from './params.js';
import { ApiError } from '../api/apierror.js';
import { uploadBody } from './bodies.js';
import { requireValidReceipt } from './jobroutes.js';
import type { ServerOptions } from './server.js';

const SHA256_HEX = /^[0-9a-f]{64}$/;

export const SUPPORTED_VERSIONS = ['local-bento-0.1'];

/** Bento's unit for `exec_cycle_limit` (the SDK documents it "in millions of cycles"). */
export const CYCLE_LIMIT_UNIT = 1024 * 1024;
/** The most cycles one session may run: 2^32. */
const MAX_CYCLES = 2 ** 32;

const SessionCreate = z.object({
  img: z.string(),
  input: z.string(),
  assumptions: z.array(z.string()).default([]),
  execute_only: z.boolean().default(false),
  /** In units of 2^20 cycles, as Bento takes it. */
  exec_cycle_limit: z
    .number()
    .int()
    .positive()
    .max(MAX_CYCLES / CYCLE_LIMIT_UNIT)
    .nullish(),
  /** Not in Bonsai: a limit in plain cycles (Local Bento's CLI sends it; it wins over exec_cycle_limit). */
  cycle_limit: z.number().int().positive().max(MAX_CYCLES).nullish(),
  /** Not in Bonsai: the segment size (Local Bento's CLI sends it). */
  po2: Po2.optional(),
});

function bonsaiStatus(s: JobStatus): 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'ABORTED' {
  if (s.phase === 'succeeded') return 'SUCCEEDED';
  if (s.phase === 'stopped') return 'ABORTED';
  if (s.phase === 'failed') return 'FAILED';
  return 'RUNNING';
}

/**
 * The session's progress as RISC Zero's services word it (`Setup`, `Executor`,
 * `ProveSegments: N/M`, `RecursionJoin: N/M`, `Finalize`); null once it has ended.
 */
export function bonsaiState(s: JobStatus): string | null {
  switch (s.phase) {
    case 'queued':
      return 'Setup';
    case 'executing':
      return 'Executor';
    case 'proving':
      return `ProveSegments: ${s.proven}/${s.segments}`;
    case 'joining':
      // Join steps: the joins, and a succinct receipt's lifts (recursion work too).
      return `RecursionJoin: ${s.joined}/${s.joins}`;
    case 'finalizing':
    case 'verifying':
      return 'Finalize';
    default:
      return null;
  }
}

export function requireJson(contentType: string | undefined): void {
  if (!/^application\/json\b/i.test(contentType ?? ''))
    throw new ApiError(415, 'UnsupportedMediaType', 'the body must be JSON (Content-Type: application/json)');
}

export function registerBonsai(
  app: FastifyInstance,
  engine: Engine,
  baseUrl: () => string,
  options: ServerOptions,
): void {
  const store = engine.uploads;
  const { sync, settings, maxUploadBytes } = options;
  // Local first, then the bucket when sync is configured (a bucket error reads as absent).
  const have = async (kind: 'elfs' | 'inputs', blob: string): Promise<boolean> =>
    (await store.exists(kind, blob)) || ((await sync?.fetchMissing(kind, blob).catch(() => false)) ?? false);
  const status = (jobId: string): Promise<JobStatus> => jobStatus(engine, jobId, 'session');

  app.get('/version', async () => ({ risc0_zkvm: SUPPORTED_VERSIONS }));
  app.get('/user/quotas', async () => ({
    exec_cycle_limit: MAX_CYCLES / CYCLE_LIMIT_UNIT,
    concurrent_proofs: 1,
    cycle_budget: Number.MAX_SAFE_INTEGER,
    cycle_usage: 0,
    dedicated_executor: 1,
    dedicated_gpu: 0,
  }));

  app.get<{ Params: { imageId: string } }>('/images/upload/:imageId', async (req, reply) => {
    const imageId = validId(req.params.imageId, 'image id');
    if (await store.exists('elfs', imageId)) return reply.code(204).send();
    return { url: `${baseUrl()}/images/upload/${imageId}` };
  });
  app.put<{ Params: { imageId: string } }>('/images/upload/:imageId', async (req, reply) => {
    const imageId = validId(req.params.imageId, 'image id');
    // The ELF is staged in the blob store and kept only if its image ID is the one it is uploaded as.
    const accept = async ({ path }: { path: string }): Promise<void> => {
      let computed: string;
      try {
        computed = await imageIdOf(path);
      } catch (err) {
        if (err instanceof NativeError) throw new ApiError(400, 'InvalidElf', err.message);
        throw err;
      }
      if (computed !== imageId)
        throw new ApiError(400, 'ImageIdMismatch', `the ELF's image ID is ${computed}, not ${imageId}`);
    };
    await store.put('elfs', imageId, uploadBody(req.body), { maxBytes: maxUploadBytes, ifAbsent: true, accept });
    return reply.code(200).send();
  });
  app.delete<{ Params: { id: string } }>('/images/:id', async (req, reply) => {
    await store.delete('elfs', validId(req.params.id, 'image id'));
    return reply.code(204).send();
  });

  for (const kind of ['inputs', 'receipts'] as const) {
    app.get(`/${kind}/upload`, async () => {
      const uuid = randomUUID();
      return { url: `${baseUrl()}/${kind}/upload/${uuid}`, uuid };
    });
    app.put<{ Params: { id: string } }>(`/${kind}/upload/:id`, async (req, reply) => {
      const id = validId(req.params.id, `${kind.slice(0, -1)} id`);
      // An input named by its SHA-256 (as /api/inputs stores them) must have that content.
      const addressed = kind === 'inputs' && SHA256_HEX.test(id);
      const put = await store.put(kind, id, uploadBody(req.body), {
        maxBytes: maxUploadBytes,
        ifAbsent: true,
        ...(addressed ? { expectSha256: id } : {}),
      });
      if (put.status === 'exists' && !addressed)
        throw new ApiError(
          409,
          'AlreadyExists',
          `${kind.slice(0, -1)} ${id} already exists: an upload never replaces stored content`,
        );
      return reply.code(200).send();
    });
  }
  app.delete<{ Params: { id: string } }>('/inputs/:id', async (req, reply) => {
    await store.delete('inputs', validId(req.params.id, 'input id'));
    return reply.code(204).send();
  });

  app.post('/sessions/create', async (req) => {
    requireJson(req.headers['content-type']);
    const { img, input, assumptions, execute_only, exec_cycle_limit, cycle_limit, po2 } = parse(
      SessionCreate,
      req.body,
    );
    if (assumptions.length > 0)
      throw new ApiError(400, 'Unsupported', 'assumptions (composition) are not supported by the local prover yet');
    if (!(await have('elfs', validId(img, 'image id'))))
      throw new ApiError(404, 'NotFound', `no image ${img}: upload it first`);
    if (!(await have('inputs', validId(input, 'input id'))))
      throw new ApiError(404, 'NotFound', `no input ${input}: upload it first`);
    const uuid = await engine.createJob({
      imageBlob: img,
      input: await store.get('inputs', input),
      executeOnly: execute_only,
      cycleLimit: cycle_limit ?? (exec_cycle_limit ? exec_cycle_limit * CYCLE_LIMIT_UNIT : null),
      po2: po2 ?? settings.defaultPo2,
      receiptKind: settings.defaultReceiptKind,
    });
    return { uuid };
  });

  app.get<{ Params: { id: string } }>('/sessions/status/:id', async (req) => {
    const s = await status(req.params.id);
    const state = bonsaiStatus(s);
    const proved = state === 'SUCCEEDED' && !s.executeOnly;
    return {
      status: state,
      receipt_url: proved ? `${baseUrl()}/receipts/stark/receipt/${s.jobId}` : null,
      error_msg: s.error,
      state: bonsaiState(s),
      elapsed_time: s.elapsedMs / 1000,
      // Bonsai's stats, and ours beside them: which receipt the session made and its size.
      stats:
        state === 'SUCCEEDED'
          ? {
              segments: s.segments,
              total_cycles: s.cycles ?? 0,
              cycles: s.cycles ?? 0,
              ...(proved ? { receipt_kind: s.receiptKind, receipt_bytes: s.receiptBytes } : {}),
            }
          : null,
    };
  });
  app.get<{ Params: { id: string } }>('/sessions/logs/:id', async (req, reply) => {
    const s = await status(req.params.id);
    return reply.type('text/plain; charset=utf-8').send(await engine.logs(s.jobId));
  });
  app.get<{ Params: { id: string } }>('/sessions/stop/:id', async (req) => {
    const s = await status(req.params.id);
    await engine.stop(s.jobId);
    return {};
  });
  app.get<{ Params: { id: string } }>('/sessions/exec_only_journal/:id', async (req, reply) => {
    const s = await status(req.params.id);
    if (s.journalHex === null)
      throw new ApiError(404, 'NotFound', `session ${s.jobId} has no journal yet (${s.phase})`);
    return reply.type('application/octet-stream').send(Buffer.from(s.journalHex, 'hex'));
  });

  app.get<{ Params: { id: string } }>('/receipts/:id', async (req) => {
    const s = await status(req.params.id);
    if (!s.hasReceipt) throw new ApiError(404, 'NotFound', `session ${s.jobId} has no receipt (${s.phase})`);
    return { url: `${baseUrl()}/receipts/stark/receipt/${s.jobId}` };
  });
  app.get<{ Params: { id: string } }>('/receipts/stark/receipt/:id', async (req, reply) => {
    const s = await status(req.params.id);
    if (!s.hasReceipt) throw new ApiError(404, 'NotFound', `session ${s.jobId} has no receipt (${s.phase})`);
    return reply.type('application/octet-stream').send(await requireValidReceipt(engine, s.jobId));
  });

  const noSnark = async (): Promise<never> => {
    throw new ApiError(
      501,
      'SnarkUnsupported',
      'the local prover cannot wrap receipts in Groth16 yet; use the STARK receipt',
    );
  };
  app.post('/snark/create', noSnark);
  app.get('/snark/status/:id', noSnark);
  app.get('/receipts/groth16/receipt/:id', noSnark);
}
