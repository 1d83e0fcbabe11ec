// Where the CLI's jobs run: the daemon when one is running for this data
// directory (found through daemon.json), else an engine in this process. Both
// answer with the same session statuses, so the output is the same either way.

import { readFile } from 'node:fs/promises';
import { discoverDaemon } from '../daemon/discover.js';
import { Engine, EngineError, type SessionRequest, type SessionStatus, isTerminal } from '../engine/engine.js';
import { imageIdOf } from '../engine/native.js';
import type { Task } from '../taskdb/types.js';

export interface Backend {
  /** Where the work happens, for people. */
  readonly where: string;
  createSession(request: SessionRequest & { elfPath: string }): Promise<string>;
  status(jobId: string): Promise<SessionStatus>;
  list(): Promise<SessionStatus[]>;
  stop(jobId: string): Promise<boolean>;
  logs(jobId: string): Promise<Buffer>;
  tasks(jobId: string): Promise<Task[]>;
  close(): Promise<void>;
}

class LocalBackend implements Backend {
  readonly where = 'this process';
  constructor(readonly engine: Engine) {}
  createSession(request: SessionRequest): Promise<string> {
    return this.engine.createSession(request);
  }
  async status(jobId: string): Promise<SessionStatus> {
    return this.engine.status(jobId);
  }
  async list(): Promise<SessionStatus[]> {
    return this.engine.list();
  }
  stop(jobId: string): Promise<boolean> {
    return this.engine.stop(jobId);
  }
  logs(jobId: string): Promise<Buffer> {
    this.engine.status(jobId);
    return this.engine.store.get('logs', jobId).catch(() => Buffer.alloc(0));
  }
  async tasks(jobId: string): Promise<Task[]> {
    this.engine.status(jobId);
    return this.engine.db.getTasks(jobId);
  }
  close(): Promise<void> {
    return this.engine.close();
  }
}

class DaemonBackend implements Backend {
  readonly where: string;
  constructor(
    private readonly base: string,
    private readonly token: string,
  ) {
    this.where = `the daemon at ${base}`;
  }

  /** The UI's address, signed in: the token rides in the fragment, which browsers never send or log. */
  uiUrl(): string {
    return `${this.base}/#token=${encodeURIComponent(this.token)}`;
  }

  private async call(path: string, init: RequestInit = {}): Promise<Response> {
    const res = await fetch(`${this.base}${path}`, {
      ...init,
      headers: { 'x-api-key': this.token, ...(init.headers as Record<string, string>) },
    });
    if (res.status >= 400) {
      const body = (await res.json().catch(() => ({}))) as { msg?: string };
      throw new EngineError(`daemon: ${body.msg ?? `${res.status} ${res.statusText}`}`);
    }
    return res;
  }

  private async json<T>(path: string, init: RequestInit = {}): Promise<T> {
    return (await (await this.call(path, init)).json()) as T;
  }

  async createSession(request: SessionRequest & { elfPath: string }): Promise<string> {
    const imageId = await imageIdOf(request.elfPath);
    const image = await this.call(`/images/upload/${imageId}`);
    if (image.status !== 204)
      await this.call(`/images/upload/${imageId}`, { method: 'PUT', body: await readFile(request.elfPath) });
    const { uuid: input } = await this.json<{ uuid: string }>('/inputs/upload');
    await this.call(`/inputs/upload/${input}`, { method: 'PUT', body: request.input });
    const body = {
      img: imageId,
      input,
      assumptions: [],
      execute_only: request.executeOnly ?? false,
      // Plain cycles, through Local Bento's own field (exec_cycle_limit counts units of 2^20 cycles).
      cycle_limit: request.cycleLimit ?? null,
      po2: request.po2 ?? 20,
    };
    const created = await this.json<{ uuid: string }>('/sessions/create', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    return created.uuid;
  }
  status(jobId: string): Promise<SessionStatus> {
    return this.json<SessionStatus>(`/api/jobs/${jobId}`);
  }
  async list(): Promise<SessionStatus[]> {
    return (await this.json<{ jobs: SessionStatus[] }>('/api/jobs')).jobs;
  }
  async stop(jobId: string): Promise<boolean> {
    return (await this.json<{ stopped: boolean }>(`/api/jobs/${jobId}/stop`, { method: 'POST' })).stopped;
  }
  async logs(jobId: string): Promise<Buffer> {
    return Buffer.from(await (await this.call(`/api/jobs/${jobId}/logs`)).arrayBuffer());
  }
  async tasks(jobId: string): Promise<Task[]> {
    return (await this.json<{ tasks: Task[] }>(`/api/jobs/${jobId}`)).tasks;
  }
  async close(): Promise<void> {}

  /** An admin verb, run by the daemon on its taskdb. */
  async admin(verb: string, args: unknown[]): Promise<never> {
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ args }) };
    return (await this.json<{ result: never }>(`/api/admin/${verb}`, init)).result;
  }
}

/** The running daemon of `home`, if daemon.json names a live one. */
export async function findDaemon(home: string): Promise<DaemonBackend | undefined> {
  const info = await discoverDaemon(home);
  return info && new DaemonBackend(`http://127.0.0.1:${info.port}`, info.token);
}

/** The daemon's backend, or an in-process engine (its workers started only when `work` is set). */
export async function openBackend(home: string, work = false): Promise<Backend> {
  const daemon = await findDaemon(home);
  if (daemon) return daemon;
  const engine = await Engine.open({ home });
  if (work) engine.start();
  return new LocalBackend(engine);
}

/** Polls until the session ends, calling `onStatus` with each status. */
export async function waitFor(
  backend: Backend,
  jobId: string,
  onStatus: (s: SessionStatus) => void,
  everyMs = 250,
): Promise<SessionStatus> {
  for (;;) {
    const status = await backend.status(jobId);
    onStatus(status);
    if (isTerminal(status)) return status;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
