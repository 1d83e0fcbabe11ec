// The daemon's HTTP API: one fastify server over one engine. Every route is
// guarded (token, Host); errors are JSON `{ type, msg }`, never stack traces.

import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import type { Engine } from '../engine/engine.js';
import { EngineError } from '../engine/engine.js';
import { TaskDbError } from '../taskdb/types.js';
import { isTaskDbUnreachable } from '../taskdb/unreachable.js';
import type { Settings } from '../api/contract.js';
import type { S3Sync } from '../sync/s3sync.js';
import { registerBonsai } from './bonsai.js';
import { isRendererPath, registerRenderer } from './renderer.js';
import { BlobError } from '../blobs/blobstore.js';
import { STORAGE_FULL_MESSAGE, isStorageFull } from '../files/storagefull.js';
import { ApiError } from '../api/apierror.js';
import { registerBodyParsers } from './bodies.js';
import { IDENTIFY_PATH, identityProof, isIdentifyPath, isNonce } from './identify.js';
import { allowedHosts, guard } from './security.js';
import { registerEventStream } from './eventstream.js';
import { registerJobRoutes } from './jobroutes.js';
import { registerSettingsRoutes } from './settingroutes.js';

const BLOB_ERRORS: Record<BlobError['code'], [number, string]> = {
  invalid_id: [400, 'InvalidId'],
  not_found: [404, 'NotFound'],
  digest_mismatch: [400, 'DigestMismatch'],
  too_large: [413, 'PayloadTooLarge'],
};

export interface ServerOptions {
  token: string;
  host: string;
  /** Largest upload (ELF, input, receipt) in bytes. */
  maxUploadBytes: number;
  /** Where images and inputs missing locally are looked up. */
  sync?: S3Sync | undefined;
  /** The daemon's settings (changed in place by PUT /api/settings). */
  settings: Settings;
  /** Applies changed settings that take effect at once (the watch folder). */
  onSettingsChanged?: () => Promise<void>;
  /** Held by the desktop app that started the daemon: only its window's requests may name local files (elfPath). */
  appSecret?: string | undefined;
  /** Where the built renderer is (default: dist/renderer of this package). */
  rendererDir?: string;
}

export interface Server {
  app: FastifyInstance;
  listen(port: number): Promise<number>;
  close(): Promise<void>;
}

export function buildServer(engine: Engine, options: ServerOptions): Server {
  const app = Fastify({
    logger: false,
    bodyLimit: options.maxUploadBytes,
    return503OnClosing: true,
    // Errors the router raises before any route (a path parameter too long, a malformed URL) are `{ type, msg }` too.
    frameworkErrors: (err, _req, res) => {
      const reply = res as FastifyReply;
      if (err.statusCode === 414)
        void reply.code(414).send({ type: 'UriTooLong', msg: 'a path parameter is too long' });
      else void reply.code(400).send({ type: 'InvalidRequest', msg: 'the URL is not valid' });
    },
  });
  let port = 0;
  const hostName = options.host.includes(':') ? `[${options.host}]` : options.host;
  const baseUrl = (): string => `http://${hostName}:${port}`;

  // Uploads are raw byte streams whatever their declared type; JSON stays JSON.
  registerBodyParsers(app);

  const open = (method: string, url: string): boolean => isRendererPath(method, url) || isIdentifyPath(method, url);
  app.addHook(
    'onRequest',
    guard(options.token, () => allowedHosts(options.host, port), open),
  );
  app.get<{ Querystring: { nonce?: string } }>(IDENTIFY_PATH, async (req) => {
    if (!isNonce(req.query.nonce)) throw new ApiError(400, 'InvalidRequest', 'nonce: 64 hex digits');
    return { proof: identityProof(options.token, req.query.nonce) };
  });

  app.setErrorHandler((err, _req, reply) => {
    if (err instanceof ApiError) return reply.code(err.status).send({ type: err.type, msg: err.message });
    if (isStorageFull(err)) return reply.code(507).send({ type: 'InsufficientStorage', msg: STORAGE_FULL_MESSAGE });
    // A server restarting (PostgreSQL, the bucket): an answer to retry, not a fault of the daemon.
    if (isTaskDbUnreachable(err))
      return reply
        .code(503)
        .send({ type: 'Unavailable', msg: 'the task database or the bucket cannot be reached now: try again shortly' });
    if (err instanceof EngineError || err instanceof TaskDbError)
      return reply.code(400).send({ type: 'InvalidRequest', msg: err.message });
    if (err instanceof BlobError) {
      const [code, type] = BLOB_ERRORS[err.code];
      return reply.code(code).send({
        type,
        msg: err.code === 'too_large' ? `uploads are limited to ${options.maxUploadBytes} bytes` : err.message,
      });
    }
    const status =
      typeof (err as { statusCode?: number }).statusCode === 'number'
        ? (err as { statusCode: number }).statusCode
        : 500;
    if (status === 413)
      return reply
        .code(413)
        .send({ type: 'PayloadTooLarge', msg: `uploads are limited to ${options.maxUploadBytes} bytes` });
    if (status >= 400 && status < 500)
      return reply.code(status).send({ type: 'InvalidRequest', msg: (err as Error).message });
    process.stderr.write(`bento serve: internal error: ${(err as Error).stack ?? String(err)}\n`);
    return reply.code(500).send({ type: 'InternalError', msg: 'internal error (see the daemon log)' });
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send({ type: 'NotFound', msg: `no route ${req.method} ${req.url.split('?')[0]}` }),
  );

  registerBonsai(app, engine, baseUrl, options);
  registerJobRoutes(app, engine, options.settings, options.maxUploadBytes, options.appSecret);
  registerSettingsRoutes(app, engine, options);
  registerEventStream(app, engine);
  registerRenderer(app, options.rendererDir);

  return {
    app,
    async listen(requested) {
      await app.listen({ port: requested, host: options.host });
      const address = app.server.address();
      port = typeof address === 'object' && address ? address.port : requested;
      return port;
    },
    close: () => app.close(),
  };
}
