// Optional sync of finished blobs to an S3-compatible bucket (AWS, MinIO), in
// the cluster's layout, and lookup of images and inputs missing locally. It
// runs in the background with retries; a sync failure never fails a proof.

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import * as Minio from 'minio';
import type { S3Config } from '../api/contract.js';
import type { BlobKind, BlobStore } from '../blobs/blobstore.js';

/** A client of the bucket's endpoint (path-style, as MinIO and s3rver want). */
export function s3Client(config: S3Config): Minio.Client {
  const url = new URL(config.endpoint);
  return new Minio.Client({
    endPoint: url.hostname,
    port: Number(url.port || (url.protocol === 'https:' ? 443 : 80)),
    useSSL: url.protocol === 'https:',
    accessKey: config.accessKey,
    secretKey: config.secretKey,
    pathStyle: true,
    ...(config.region ? { region: config.region } : {}),
  });
}

/** Whether the bucket can be reached with these credentials, in words for people. */
export async function testS3(config: S3Config, timeoutMs = 5000): Promise<{ ok: boolean; msg: string }> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer from ${config.endpoint} within ${timeoutMs / 1000} s`)),
      timeoutMs,
    );
  });
  try {
    const exists = await Promise.race([s3Client(config).bucketExists(config.bucket), timeout]);
    return exists
      ? { ok: true, msg: `connected: bucket ${config.bucket} at ${config.endpoint} is reachable` }
      : { ok: false, msg: `connected to ${config.endpoint}, but there is no bucket ${config.bucket}` };
  } catch (err) {
    const e = err as { code?: string; message?: string };
    return {
      ok: false,
      msg: `cannot reach bucket ${config.bucket} at ${config.endpoint}: ${e.code ?? e.message ?? String(err)}`,
    };
  } finally {
    clearTimeout(timer);
  }
}

/** The bucket layout the proving cluster uses. */
export const PREFIX: Partial<Record<BlobKind, string>> = {
  elfs: 'elfs/',
  inputs: 'inputs/',
  receipts: 'receipts/stark/',
  journals: 'preflight_journals/',
};

export type SyncState = 'pending' | 'synced' | 'failed';

export interface BlobSync {
  kind: BlobKind;
  id: string;
  state: SyncState;
  attempts: number;
  error: string | null;
}

/** S3 settings from the environment (BENTO_S3_ENDPOINT, _BUCKET, _ACCESS_KEY, _SECRET_KEY), if any. */
export function s3ConfigFromEnv(env: NodeJS.ProcessEnv = process.env): S3Config | undefined {
  const {
    BENTO_S3_ENDPOINT: endpoint,
    BENTO_S3_BUCKET: bucket,
    BENTO_S3_ACCESS_KEY: accessKey,
    BENTO_S3_SECRET_KEY: secretKey,
  } = env;
  if (!endpoint || !bucket || !accessKey || !secretKey) return undefined;
  return { endpoint, bucket, accessKey, secretKey, ...(env.BENTO_S3_REGION ? { region: env.BENTO_S3_REGION } : {}) };
}

export class S3Sync {
  private readonly client: Minio.Client;
  private readonly status = new Map<string, BlobSync>();
  private readonly queue: BlobSync[] = [];
  private running: Promise<void> | undefined;

  constructor(
    private readonly store: BlobStore,
    private readonly config: S3Config,
    private readonly retry = { attempts: 5, baseDelayMs: 500 },
  ) {
    this.client = s3Client(config);
  }

  static key(kind: BlobKind, id: string): string | undefined {
    const prefix = PREFIX[kind];
    return prefix === undefined ? undefined : `${prefix}${id}`;
  }

  /** Queues a blob for upload (once; a failed one is retried on the next request). */
  push(kind: BlobKind, id: string): void {
    if (S3Sync.key(kind, id) === undefined) return;
    const name = `${kind}/${id}`;
    const known = this.status.get(name);
    if (known && known.state !== 'failed') return;
    const entry: BlobSync = { kind, id, state: 'pending', attempts: 0, error: null };
    this.status.set(name, entry);
    this.queue.push(entry);
    this.running ??= this.drain().finally(() => {
      this.running = undefined;
    });
  }

  /** Where each blob's sync stands. */
  states(): BlobSync[] {
    return [...this.status.values()].map((s) => ({ ...s }));
  }

  /** Resolves when the queue is empty. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  /** Fetches an image or input the store lacks from the bucket; true if it is local now. */
  async fetchMissing(kind: BlobKind, id: string): Promise<boolean> {
    if (await this.store.exists(kind, id)) return true;
    const key = S3Sync.key(kind, id);
    if (key === undefined) return false;
    try {
      const stream = await this.client.getObject(this.config.bucket, key);
      await this.store.put(kind, id, stream);
      return true;
    } catch (err) {
      if (isMissingObject(err)) return false;
      throw err;
    }
  }

  private async drain(): Promise<void> {
    for (let entry = this.queue.shift(); entry; entry = this.queue.shift()) {
      while (entry.state === 'pending') {
        entry.attempts++;
        try {
          const path = this.store.path(entry.kind, entry.id);
          const { size } = await stat(path);
          await this.client.putObject(
            this.config.bucket,
            S3Sync.key(entry.kind, entry.id) as string,
            createReadStream(path),
            size,
          );
          entry.state = 'synced';
          entry.error = null;
        } catch (err) {
          entry.error = err instanceof Error ? err.message : String(err);
          if (entry.attempts >= this.retry.attempts) entry.state = 'failed';
          else await new Promise((r) => setTimeout(r, this.retry.baseDelayMs * 2 ** (entry.attempts - 1)));
        }
      }
    }
  }
}

/** Whether an S3 error says the object is not there. */
export function isMissingObject(err: unknown): boolean {
  const code = (err as { code?: string }).code;
  return code === 'NoSuchKey' || code === 'NotFound';
}
