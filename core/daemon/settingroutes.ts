// The UI's routes for workers and settings: slots and what they run, the
// stored settings (validated, the bucket secret never sent back), a bucket
// connection test, and the admin verbs.

import { availableParallelism, cpus, loadavg } from 'node:os';
import type { FastifyInstance } from 'fastify';
import type { z } from 'zod';
import {
  AdminAnswer,
  AdminRequest,
  DaemonSettings,
  type S3Config,
  S3Given,
  Settings,
  SettingsUpdate,
  SyncTestResult,
  Workers,
} from '../api/contract.js';
import type { Engine } from '../engine/engine.js';
import { STREAMS } from '../engine/taskdefs.js';
import { saveSettings } from '../config/settings.js';
import { testS3 } from '../sync/s3sync.js';
import { checkWatchFolder } from '../watch/folder.js';
import { ApiError } from '../api/apierror.js';
import { requireJson } from './bonsai.js';
import { parse, shape } from './params.js';
import type { ServerOptions } from './server.js';

/** Bucket settings as the UI sees them: the secret key is never sent back. */
const s3Shown = (s3: S3Config | null) => (s3 ? { ...s3, secretKey: '' as const, hasSecretKey: true as const } : null);

export function registerSettingsRoutes(app: FastifyInstance, engine: Engine, options: ServerOptions): void {
  const { sync, settings } = options;
  const withStoredSecret = (given: z.infer<typeof S3Given>): S3Config => {
    const secretKey =
      given.secretKey ||
      (settings.s3?.endpoint === given.endpoint && settings.s3.accessKey === given.accessKey
        ? settings.s3.secretKey
        : '');
    if (!secretKey) throw new ApiError(400, 'InvalidRequest', 'the secret key is required');
    return { ...given, secretKey };
  };

  app.get('/api/workers', async () =>
    shape(Workers, {
      slots: Object.fromEntries(STREAMS.map((k) => [k, engine.slotCount(k)])),
      streams: await engine.streamLoad(),
      active: engine.activeTasks(),
      cpu: { cores: availableParallelism(), model: cpus()[0]?.model ?? 'unknown', loadAverage: loadavg() },
      // The prover runs on the CPU; no GPU prover is built yet.
      gpu: null,
      cluster: engine.clustered ? await engine.workers() : null,
    }),
  );
  const currentSettings = () =>
    shape(DaemonSettings, {
      ...settings,
      s3: s3Shown(settings.s3),
      running: { slots: Object.fromEntries(STREAMS.map((k) => [k, engine.slotCount(k)])) },
      dataDirectory: engine.home,
      maxUploadBytes: options.maxUploadBytes,
      sync: sync ? { configured: true, blobs: sync.states() } : { configured: false },
    });
  app.get('/api/settings', async () => currentSettings());
  // Stored at once; slot counts and bucket sync take effect when the daemon restarts.
  app.put('/api/settings', async (req) => {
    requireJson(req.headers['content-type']);
    const parsed = parse(SettingsUpdate, req.body);
    // Only the fields sent change (zod fills omitted ones with defaults, which must not overwrite stored values).
    const body = Object.fromEntries(
      Object.entries(parsed).filter(([key]) => Object.hasOwn(req.body as object, key)),
    ) as typeof parsed;
    const next = parse(Settings, {
      ...settings,
      ...body,
      ...(body.slots ? { slots: { ...settings.slots, ...body.slots } } : {}),
      ...(body.s3 ? { s3: withStoredSecret(body.s3) } : {}),
    });
    if (next.watchFolder) {
      await checkWatchFolder(next.watchFolder).catch((err: Error) => {
        throw new ApiError(400, 'InvalidRequest', err.message);
      });
    }
    Object.assign(settings, next);
    await saveSettings(engine.home, settings);
    await options.onSettingsChanged?.();
    return currentSettings();
  });
  // Tries a bucket with the given settings (or the stored ones) without saving anything.
  app.post('/api/sync/test', async (req) => {
    requireJson(req.headers['content-type']);
    const given =
      req.body && Object.keys(req.body as object).length > 0 ? withStoredSecret(parse(S3Given, req.body)) : settings.s3;
    if (!given)
      throw new ApiError(
        400,
        'InvalidRequest',
        'no bucket is configured: give endpoint, bucket, accessKey and secretKey',
      );
    return shape(SyncTestResult, await testS3(given));
  });

  // The admin verbs, as `bento admin` runs them (dry run unless the options say force).
  app.post<{ Params: { verb: string } }>('/api/admin/:verb', async (req) => {
    requireJson(req.headers['content-type']);
    const { args } = parse(AdminRequest, req.body);
    const result = await engine.admin(req.params.verb, args);
    return shape(AdminAnswer, { result });
  });
}
