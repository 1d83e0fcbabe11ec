// Finding the running daemon of a data directory through its daemon.json
// (port, token, pid). Free of the engine, so the desktop app's main process,
// which cannot load the taskdb's native module, uses it too. A stale
// daemon.json may name a port some other program now listens on: the daemon
// must first answer a challenge only the token's holder can (identify.ts),
// and nothing — not the token, not a byte of data — is sent before that.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IDENTIFY_PATH, isIdentityProof, newNonce } from './identify.js';

export interface DaemonInfo {
  port: number;
  token: string;
  pid: number;
}

export function daemonFile(home: string): string {
  return join(home, 'daemon.json');
}

/** The daemon named by `home`'s daemon.json, if its process lives and whatever listens on its port proves it holds the token. */
export async function discoverDaemon(home: string): Promise<DaemonInfo | undefined> {
  let info: DaemonInfo;
  try {
    info = JSON.parse(await readFile(daemonFile(home), 'utf8')) as DaemonInfo;
    if (!Number.isInteger(info.port) || typeof info.token !== 'string') return undefined;
    process.kill(info.pid, 0);
  } catch {
    return undefined; // no file, or its process is gone
  }
  try {
    const nonce = newNonce();
    const res = await fetch(`http://127.0.0.1:${info.port}${IDENTIFY_PATH}?nonce=${nonce}`, {
      signal: AbortSignal.timeout(5000),
    });
    if (!res.ok) return undefined;
    const { proof } = (await res.json()) as { proof?: unknown };
    return isIdentityProof(info.token, nonce, proof) ? info : undefined;
  } catch {
    return undefined;
  }
}
