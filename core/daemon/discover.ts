// Finding the running daemon of a data directory through its daemon.json
// (port, token, pid). Free of the engine, so the desktop app's main process,
// which cannot load the taskdb's native module, uses it too.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface DaemonInfo {
  port: number;
  token: string;
  pid: number;
}

export function daemonFile(home: string): string {
  return join(home, 'daemon.json');
}

/** The daemon named by `home`'s daemon.json, if its process lives and its API answers to the token. */
export async function discoverDaemon(home: string): Promise<DaemonInfo | undefined> {
  let info: DaemonInfo;
  try {
    info = JSON.parse(await readFile(daemonFile(home), 'utf8')) as DaemonInfo;
    process.kill(info.pid, 0);
  } catch {
    return undefined; // no file, or its process is gone
  }
  try {
    const res = await fetch(`http://127.0.0.1:${info.port}/api/jobs?limit=1`, { headers: { 'x-api-key': info.token }, signal: AbortSignal.timeout(5000) });
    return res.ok ? info : undefined;
  } catch {
    return undefined;
  }
}
