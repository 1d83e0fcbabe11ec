// The one typed client of the daemon's API (contract.ts): every answer is
// checked against its schema, every error answer becomes an ApiError with the
// daemon's own message. Used by the CLI, the renderer, the desktop app and the
// tests; it needs only `fetch`, so it runs in Node and in the page alike.

import type { z } from 'zod';
import { ApiError } from './apierror.js';
import {
  AdminAnswer,
  DaemonSettings,
  Deleted,
  ElfUploaded,
  InputUploaded,
  JobCreated,
  JobDeletedEvent,
  JobDetail,
  type JobListQuery,
  JobPage,
  type NewJob,
  JobStatus,
  type PageQuery,
  ReceiptPage,
  Retried,
  type SettingsUpdate,
  Stopped,
  SyncTestResult,
  VerifyResult,
  Workers,
} from './contract.js';

export interface ClientOptions {
  /** The daemon's address, e.g. http://127.0.0.1:8899 ('' in the page: the page's own origin). */
  baseUrl: string;
  token: () => string;
  /** Extra headers on every request (the desktop app's secret travels this way). */
  headers?: Record<string, string>;
  /** Called when the daemon refuses the token (a restarted daemon has a new one). */
  onUnauthorized?: () => void;
}

type Query = Record<string, string | number | undefined>;

function queryString(query: Query): string {
  const entries = Object.entries(query).filter((e): e is [string, string | number] => e[1] !== undefined);
  return entries.length
    ? `?${new URLSearchParams(entries.map(([k, v]): [string, string] => [k, String(v)])).toString()}`
    : '';
}

/** One event of the live feed, checked: a job's new status, or a deleted job; null for anything else. */
export type FeedEvent = { type: 'job'; status: JobStatus } | { type: 'deleted'; jobId: string };

export function feedEvent(name: string | undefined, data: string): FeedEvent | null {
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (name === 'job') {
    const status = JobStatus.safeParse(value);
    return status.success ? { type: 'job', status: status.data } : null;
  }
  if (name === 'deleted') {
    const deleted = JobDeletedEvent.safeParse(value);
    return deleted.success ? { type: 'deleted', jobId: deleted.data.jobId } : null;
  }
  return null;
}

export class ApiClient {
  constructor(private readonly options: ClientOptions) {}

  /** A request; an error answer throws an ApiError carrying the daemon's `{ type, msg }`. */
  async call(path: string, init: RequestInit = {}): Promise<Response> {
    let res: Response;
    try {
      res = await fetch(`${this.options.baseUrl}${path}`, {
        ...init,
        headers: {
          'x-api-key': this.options.token(),
          ...this.options.headers,
          ...(init.headers as Record<string, string> | undefined),
        },
      });
    } catch {
      throw new ApiError(0, 'Unreachable', 'the Local Bento daemon does not answer: is `bento serve` still running?');
    }
    if (!res.ok) {
      if (res.status === 401) this.options.onUnauthorized?.();
      const body = (await res.json().catch(() => ({}))) as { type?: string; msg?: string };
      throw new ApiError(res.status, body.type ?? 'Error', body.msg ?? `${res.status} ${res.statusText}`);
    }
    return res;
  }

  private async read<T extends z.ZodType>(schema: T, path: string, init?: RequestInit): Promise<z.infer<T>> {
    const res = await this.call(path, init);
    const parsed = schema.safeParse(await res.json());
    if (!parsed.success) throw new ApiError(res.status, 'BadAnswer', `the daemon's answer to ${path} is malformed`);
    return parsed.data;
  }

  private send<T extends z.ZodType>(schema: T, method: string, path: string, body?: unknown): Promise<z.infer<T>> {
    const init: RequestInit =
      body === undefined
        ? { method }
        : { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    return this.read(schema, path, init);
  }

  private async bytes(path: string): Promise<Uint8Array> {
    return new Uint8Array(await (await this.call(path)).arrayBuffer());
  }

  private upload<T extends z.ZodType>(schema: T, path: string, bytes: Blob | Uint8Array): Promise<z.infer<T>> {
    const body = bytes instanceof Blob ? bytes : new Blob([bytes as Uint8Array<ArrayBuffer>]);
    return this.read(schema, path, {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body,
    });
  }

  jobs(query: JobListQuery = {}) {
    return this.read(JobPage, `/api/jobs${queryString(query)}`);
  }
  job(jobId: string) {
    return this.read(JobDetail, `/api/jobs/${encodeURIComponent(jobId)}`);
  }
  uploadElf(bytes: Blob | Uint8Array) {
    return this.upload(ElfUploaded, '/api/elfs', bytes);
  }
  uploadInput(bytes: Blob | Uint8Array) {
    return this.upload(InputUploaded, '/api/inputs', bytes);
  }
  createJob(job: NewJob) {
    return this.send(JobCreated, 'POST', '/api/jobs', job);
  }
  stop(jobId: string) {
    return this.send(Stopped, 'POST', `/api/jobs/${encodeURIComponent(jobId)}/stop`);
  }
  retry(jobId: string) {
    return this.send(Retried, 'POST', `/api/jobs/${encodeURIComponent(jobId)}/retry`);
  }
  deleteJob(jobId: string) {
    return this.send(Deleted, 'DELETE', `/api/jobs/${encodeURIComponent(jobId)}`);
  }
  logs(jobId: string) {
    return this.bytes(`/api/jobs/${encodeURIComponent(jobId)}/logs`);
  }
  journal(jobId: string) {
    return this.bytes(`/api/jobs/${encodeURIComponent(jobId)}/journal`);
  }
  receipt(jobId: string) {
    return this.bytes(`/api/jobs/${encodeURIComponent(jobId)}/receipt`);
  }
  deleteReceipt(jobId: string) {
    return this.send(Deleted, 'DELETE', `/api/jobs/${encodeURIComponent(jobId)}/receipt`);
  }
  verify(jobId: string) {
    return this.send(VerifyResult, 'POST', `/api/jobs/${encodeURIComponent(jobId)}/verify`);
  }
  receipts(query: PageQuery = {}) {
    return this.read(ReceiptPage, `/api/receipts${queryString(query)}`);
  }
  workers() {
    return this.read(Workers, '/api/workers');
  }
  settings() {
    return this.read(DaemonSettings, '/api/settings');
  }
  updateSettings(update: SettingsUpdate) {
    return this.send(DaemonSettings, 'PUT', '/api/settings', update);
  }
  /** Tries a bucket: the given settings, or the stored ones when none are given. */
  testSync(s3: SettingsUpdate['s3'] | Record<string, never> = {}) {
    return this.send(SyncTestResult, 'POST', '/api/sync/test', s3);
  }
  /** The live feed (server-sent events; read them with feedEvent). */
  events(signal: AbortSignal): Promise<Response> {
    return this.call('/api/events', { signal, headers: { accept: 'text/event-stream' } });
  }
  /** An admin verb, run by the daemon on its taskdb (dry run unless the options say force). */
  async admin(verb: string, args: unknown[]): Promise<unknown> {
    return (await this.send(AdminAnswer, 'POST', `/api/admin/${encodeURIComponent(verb)}`, { args })).result;
  }
}
