// `bento serve`: the engine and the HTTP API in one long-running process.
// `daemon.json` (port, token, pid; mode 0600) in the data directory tells
// local clients where it is; it is removed on exit.

import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Engine } from '../engine/engine.js';
import { newToken } from './security.js';
import { buildServer } from './server.js';

export interface ServeOptions {
  home: string;
  port: number;
  host: string;
  maxUploadBytes?: number;
  token?: string;
}

export interface RunningDaemon {
  port: number;
  token: string;
  stop(): Promise<void>;
}

export function daemonFile(home: string): string {
  return join(home, 'daemon.json');
}

export async function serve(options: ServeOptions): Promise<RunningDaemon> {
  const engine = await Engine.open({ home: options.home });
  const token = options.token ?? newToken();
  const server = buildServer(engine, { token, host: options.host, maxUploadBytes: options.maxUploadBytes ?? 256 * 1024 * 1024 });
  let port: number;
  try {
    port = await server.listen(options.port);
  } catch (err) {
    await engine.close();
    throw err;
  }
  engine.start();
  await writeFile(daemonFile(options.home), `${JSON.stringify({ port, token, pid: process.pid })}\n`, { mode: 0o600 });
  let stopping: Promise<void> | undefined;
  return {
    port,
    token,
    stop: () =>
      (stopping ??= (async () => {
        await server.close();
        // Running children are stopped; their tasks are re-queued on the next start.
        await engine.close();
        await rm(daemonFile(options.home), { force: true });
      })()),
  };
}
