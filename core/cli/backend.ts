// Where the CLI's jobs run: the daemon when one is running for this data
// directory (found through daemon.json), else an engine in this process. Both
// answer with the contract's job statuses (core/api/contract.ts), so the
// output is the same either way.

import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { ApiClient } from '../api/client.js';
import { ApiError } from '../api/apierror.js';
import type { JobDetail, JobStatus } from '../api/contract.js';
import { BlobStore } from '../blobs/blobstore.js';
import { discoverDaemon } from '../daemon/discover.js';
import { Engine, EngineError, type JobRequest, isTerminal } from '../engine/engine.js';

export interface Backend {
  /** Where the work happens, for people. */
  readonly where: string;
  createJob(request: JobRequest & { elfPath: string }): Promise<string>;
  status(jobId: string): Promise<JobStatus>;
  list(): Promise<JobStatus[]>;
  stop(jobId: string): Promise<boolean>;
  logs(jobId: string): Promise<Uint8Array>;
  detail(jobId: string): Promise<JobDetail>;
  /** Writes the job's verified receipt to `file`. */
  exportReceipt(jobId: string, file: string): Promise<void>;
  /** Where the job's receipt is stored in the data directory, if it is. */
  receiptFile(jobId: string): Promise<string | null>;
  close(): Promise<void>;
}

class LocalBackend implements Backend {
  readonly where = 'this process';
  constructor(readonly engine: Engine) {}
  createJob(request: JobRequest): Promise<string> {
    return this.engine.createJob(request);
  }
  async status(jobId: string): Promise<JobStatus> {
    return this.engine.status(jobId);
  }
  async list(): Promise<JobStatus[]> {
    return this.engine.list();
  }
  stop(jobId: string): Promise<boolean> {
    return this.engine.stop(jobId);
  }
  logs(jobId: string): Promise<Uint8Array> {
    return this.engine.logs(jobId);
  }
  async detail(jobId: string): Promise<JobDetail> {
    return this.engine.detail(jobId);
  }
  async exportReceipt(jobId: string, file: string): Promise<void> {
    const s = await this.engine.status(jobId);
    const receipt = await this.engine.receiptFile(jobId);
    if (!s.hasReceipt || !receipt) throw new EngineError(`job ${jobId} has no receipt (${s.phase})`);
    await copyFile(receipt, file);
  }
  async receiptFile(jobId: string): Promise<string | null> {
    return this.engine.receiptFile(jobId);
  }
  close(): Promise<void> {
    return this.engine.close();
  }
}

class DaemonBackend implements Backend {
  readonly where: string;
  private readonly client: ApiClient;
  constructor(
    private readonly home: string,
    private readonly base: string,
    private readonly token: string,
  ) {
    this.where = `the daemon at ${base}`;
    this.client = new ApiClient({ baseUrl: base, token: () => token });
  }

  /** The UI's address, signed in: the token rides in the fragment, which browsers never send or log. */
  uiUrl(): string {
    return `${this.base}/#token=${encodeURIComponent(this.token)}`;
  }

  /** The daemon's errors, as the CLI reports them. */
  private async daemon<T>(call: (client: ApiClient) => Promise<T>): Promise<T> {
    try {
      return await call(this.client);
    } catch (err) {
      if (err instanceof ApiError) throw new EngineError(`daemon: ${err.message}`);
      throw err;
    }
  }

  createJob(request: JobRequest & { elfPath: string }): Promise<string> {
    return this.daemon(async (client) => {
      const { elf } = await client.uploadElf(await readFile(request.elfPath));
      const { input } = await client.uploadInput(request.input);
      const created = await client.createJob({
        elf,
        input,
        executeOnly: request.executeOnly ?? false,
        ...(request.receiptKind === undefined ? {} : { receiptKind: request.receiptKind }),
        cycleLimit: request.cycleLimit ?? null,
        ...(request.po2 === undefined ? {} : { po2: request.po2 }),
      });
      return created.jobId;
    });
  }
  async status(jobId: string): Promise<JobStatus> {
    const { tasks: _tasks, events: _events, ...status } = await this.detail(jobId);
    return status;
  }
  async list(): Promise<JobStatus[]> {
    return (await this.daemon((client) => client.jobs())).jobs;
  }
  async stop(jobId: string): Promise<boolean> {
    return (await this.daemon((client) => client.stop(jobId))).stopped;
  }
  logs(jobId: string): Promise<Uint8Array> {
    return this.daemon((client) => client.logs(jobId));
  }
  detail(jobId: string): Promise<JobDetail> {
    return this.daemon((client) => client.job(jobId));
  }
  async exportReceipt(jobId: string, file: string): Promise<void> {
    await writeFile(file, await this.daemon((client) => client.receipt(jobId)));
  }
  async receiptFile(jobId: string): Promise<string | null> {
    // The daemon serves this same data directory: its receipts are files here.
    const path = new BlobStore(this.home).path('receipts', jobId);
    return existsSync(path) ? path : null;
  }
  async close(): Promise<void> {}

  /** An admin verb, run by the daemon on its taskdb. */
  admin(verb: string, args: unknown[]): Promise<unknown> {
    return this.daemon((client) => client.admin(verb, args));
  }
}

/** The running daemon of `home`, if daemon.json names a live one. */
export async function findDaemon(home: string): Promise<DaemonBackend | undefined> {
  const info = await discoverDaemon(home);
  return info && new DaemonBackend(home, `http://127.0.0.1:${info.port}`, info.token);
}

/** The daemon's backend, or an in-process engine (its workers started only when `work` is set). */
export async function openBackend(home: string, work = false): Promise<Backend> {
  const daemon = await findDaemon(home);
  if (daemon) return daemon;
  const engine = await Engine.open({ home });
  if (work) engine.start();
  return new LocalBackend(engine);
}

/** Polls until the job ends, calling `onStatus` with each status. */
export async function waitFor(
  backend: Backend,
  jobId: string,
  onStatus: (s: JobStatus) => void,
  everyMs = 250,
): Promise<JobStatus> {
  for (;;) {
    const status = await backend.status(jobId);
    onStatus(status);
    if (isTerminal(status)) return status;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
