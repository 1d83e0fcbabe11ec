// Calls to the daemon with its token; errors carry the daemon's own message.

import { ApiError } from '../../../core/daemon/apierror.js';

let token = '';

/** Dispatched on window when the daemon refuses the token. */
export const SIGNED_OUT = 'bento:signed-out';

export function setToken(value: string): void {
  token = value;
}

export async function call(path: string, init: RequestInit = {}): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(path, {
      ...init,
      headers: { 'x-api-key': token, ...(init.headers as Record<string, string> | undefined) },
    });
  } catch {
    throw new ApiError(0, 'Unreachable', 'the Local Bento daemon does not answer: is `bento serve` still running?');
  }
  if (!res.ok) {
    // A restarted daemon has a new token: back to sign-in rather than errors everywhere.
    if (res.status === 401) window.dispatchEvent(new Event(SIGNED_OUT));
    const body = (await res.json().catch(() => ({}))) as { type?: string; msg?: string };
    throw new ApiError(res.status, body.type ?? 'Error', body.msg ?? `${res.status} ${res.statusText}`);
  }
  return res;
}

export async function getJson<T>(path: string): Promise<T> {
  return (await (await call(path)).json()) as T;
}

export async function sendJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const init: RequestInit =
    body === undefined
      ? { method }
      : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
  return (await (await call(path, init)).json()) as T;
}

export async function upload<T>(path: string, bytes: Blob | Uint8Array): Promise<T> {
  const body = bytes instanceof Blob ? bytes : new Blob([bytes as Uint8Array<ArrayBuffer>]);
  return (await (
    await call(path, { method: 'POST', headers: { 'content-type': 'application/octet-stream' }, body })
  ).json()) as T;
}
