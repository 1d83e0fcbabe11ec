// `bento serve`: the engine and the HTTP API in one long-running process.
// `daemon.json` (port, token, pid; mode 0600) in the data directory tells
// local clients where it is; it is removed on exit.

import { rm } from 'node:fs/promises';
import { writeAtomic } from '../blobs/blobstore.js';
import { sweepWorkDirs } from '../blobs/retention.js';
import { loadSettings } from '../config/settings.js';
import { type ClusterOptions, Engine } from '../engine/engine.js';
import { syncFinishedJobs } from '../sync/jobs.js';
import { checkWatchFolder } from '../watch/folder.js';
import { type FolderWatcher, watchFolder } from '../watch/watcher.js';
import type { S3Config } from '../api/contract.js';
import { S3Sync, s3ConfigFromEnv } from '../sync/s3sync.js';
import { daemonFile } from './discover.js';
import { newToken } from './security.js';
import { buildServer } from './server.js';

export interface ServeOptions {
  home: string;
  port: number;
  host: string;
  maxUploadBytes?: number;
  token?: string;
  /** Bucket sync (default: from BENTO_S3_* in the environment, else none). */
  s3?: S3Config;
  /** A folder whose dropped ELFs are proved (see core/watch); overrides the settings' folder. */
  watch?: string;
  /** The desktop app's secret (see ServerOptions.appSecret). */
  appSecret?: string;
  /** Run on a cluster's taskdb and bucket (the daemon then also runs tasks on its slots, as a worker does). */
  cluster?: ClusterOptions;
  /** Run no tasks here: the API and UI only (the workers of a cluster run them). */
  serveOnly?: boolean;
}

export interface RunningDaemon {
  port: number;
  token: string;
  sync: S3Sync | undefined;
  stop(): Promise<void>;
}

export async function serve(options: ServeOptions): Promise<RunningDaemon> {
  const maxUploadBytes = options.maxUploadBytes ?? 256 * 1024 * 1024;
  // The engine holds the data directory's lock: a second daemon stops here, before touching anything.
  // An unsafe folder on the command line is refused before the data directory is taken.
  if (options.watch) await checkWatchFolder(options.watch);
  const settings = await loadSettings(options.home);
  const engine = await Engine.open({
    home: options.home,
    slots: options.serveOnly ? { exec: 0, prove: 0, join: 0, aux: 0 } : settings.slots,
    maxFileBytes: maxUploadBytes,
    holder: 'bento serve',
    ...(options.cluster ? { cluster: options.cluster } : {}),
  });
  const token = options.token ?? newToken();
  // On a cluster every file is in its bucket already: nothing to sync.
  const s3 = options.cluster ? undefined : (options.s3 ?? s3ConfigFromEnv() ?? settings.s3 ?? undefined);
  const sync = s3 ? engine.syncTo(s3) : undefined;
  let watcher: FolderWatcher | undefined;
  let watching: string | null = null;
  const watch = async (dir: string | null): Promise<void> => {
    if (dir === watching) return;
    await watcher?.close();
    watcher = undefined;
    watching = null;
    if (!dir) return;
    watcher = await watchFolder(engine, dir, {
      po2: () => settings.defaultPo2,
      receiptKind: () => settings.defaultReceiptKind,
    });
    watching = dir;
    await watcher.ready;
  };
  const server = buildServer(engine, {
    token,
    host: options.host,
    maxUploadBytes,
    appSecret: options.appSecret,
    sync,
    settings,
    // A folder given on the command line stays; one from the settings follows them.
    onSettingsChanged: () => (options.watch ? Promise.resolve() : watch(settings.watchFolder)),
  });
  const unsync = sync ? syncFinishedJobs(engine, sync) : undefined;
  let port: number;
  try {
    port = await server.listen(options.port);
  } catch (err) {
    await engine.close();
    throw err;
  }
  engine.start();
  // Work directories of finished jobs go once the retention period has passed.
  const sweep = (): void => {
    sweepWorkDirs(engine.home, settings.retentionHours * 3_600_000).catch((err: Error) => {
      process.stderr.write(`bento serve: sweeping work directories: ${err.message}\n`);
    });
  };
  sweep();
  const sweeper = setInterval(sweep, 10 * 60_000);
  // A folder (from the settings) that is no longer safe to watch must not keep the daemon from starting.
  await watch(options.watch ?? settings.watchFolder).catch((err: Error) =>
    process.stderr.write(`bento serve: not watching: ${err.message}\n`),
  );
  // A new 0600 file renamed into place: an older daemon.json with looser permissions never receives the token.
  await writeAtomic(daemonFile(options.home), `${JSON.stringify({ port, token, pid: process.pid })}\n`);
  let stopping: Promise<void> | undefined;
  return {
    port,
    token,
    sync,
    stop: () =>
      (stopping ??= (async () => {
        unsync?.();
        clearInterval(sweeper);
        await watch(null);
        await server.close();
        // Running children are stopped; their tasks are re-queued on the next start.
        await engine.close();
        await rm(daemonFile(options.home), { force: true });
      })()),
  };
}
