// The daemon the desktop app talks to: one already running for the data
// directory, or one it starts (`bento serve` under the system's Node, whose
// ABI the taskdb's native module was built for) and stops when it quits.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { dataDir, packageRoot } from '../core/config/paths.js';
import { type DaemonInfo, discoverDaemon } from '../core/daemon/discover.js';

export interface AppDaemon extends DaemonInfo {
  base: string;
  /** Set when this app started the daemon: its window's job requests carry it, so they may name dropped files. */
  appSecret?: string;
  /** Stops the daemon if this app started it. */
  stop(): Promise<void>;
}

const START_TIMEOUT_MS = 60_000;

export async function attachOrStart(home = dataDir()): Promise<AppDaemon> {
  const running = await discoverDaemon(home);
  if (running) return { ...running, base: `http://127.0.0.1:${running.port}`, stop: async () => {} };

  const node = process.env.BENTO_NODE ?? 'node';
  const appSecret = randomBytes(32).toString('base64url');
  const child = spawn(node, [join(packageRoot(), 'bin', 'bento.js'), '--home', home, 'serve', '--port', '0'], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, BENTO_APP_SECRET: appSecret },
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  const spawnError = new Promise<never>((_, reject) =>
    child.once('error', (err) => reject(new Error(`cannot start the daemon with ${node}: ${err.message}`))),
  );
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const info = await Promise.race([discoverDaemon(home), spawnError]);
    if (info && info.pid === child.pid)
      return { ...info, base: `http://127.0.0.1:${info.port}`, appSecret, stop: () => stopChild(child, exited) };
    if (child.exitCode !== null)
      throw new Error(`the daemon exited with status ${child.exitCode} before it was ready (data directory ${home})`);
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`the daemon did not start within ${START_TIMEOUT_MS / 1000} s (data directory ${home})`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** SIGTERM (the daemon stops its provers and re-queues their tasks), SIGKILL if it hangs. */
async function stopChild(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}
