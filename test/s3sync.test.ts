// Bucket sync against a real S3-protocol server on loopback (s3rver).

import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import * as Minio from 'minio';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobStore } from '../core/blobs/blobstore.js';
import { serve } from '../core/daemon/serve.js';
import { type S3Config, Settings } from '../core/api/contract.js';
import { saveSettings } from '../core/config/settings.js';
import { S3Sync, testS3 } from '../core/sync/s3sync.js';
import { client as apiClient, untilJob } from './helpers/feed.js';
import { until } from './helpers/until.js';
import { ZKVM, example } from './helpers/guests.js';
import { tempDir } from './helpers/tmp.js';

let server: S3rver;
let config: S3Config;
let client: Minio.Client;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'bento-s3rver-'));
  server = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory: dir,
    silent: true,
    configureBuckets: [{ name: 'bento', configs: [] }],
  });
  const { port } = (await server.run()) as { port: number };
  config = { endpoint: `http://127.0.0.1:${port}`, bucket: 'bento', accessKey: 'S3RVER', secretKey: 'S3RVER' };
  client = new Minio.Client({
    endPoint: '127.0.0.1',
    port,
    useSSL: false,
    accessKey: 'S3RVER',
    secretKey: 'S3RVER',
    pathStyle: true,
  });
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

async function objectBytes(key: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of await client.getObject('bento', key)) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

describe('S3 sync', () => {
  it('streams a large blob to the bucket intact, under the cluster layout', async () => {
    const store = new BlobStore(tempDir());
    await store.init();
    const big = randomBytes(24 * 1024 * 1024 + 123);
    await store.put('receipts', 'big', big);
    const sync = new S3Sync(store, config);
    sync.push('receipts', 'big');
    await sync.idle();
    expect(sync.states()).toEqual([{ kind: 'receipts', id: 'big', state: 'synced', attempts: 1, error: null }]);
    expect(sha(await objectBytes('receipts/stark/big'))).toBe(sha(big));
  });

  it('tests a connection: a reachable bucket, a missing one, and nothing listening', async () => {
    expect(await testS3(config)).toEqual({
      ok: true,
      msg: `connected: bucket bento at ${config.endpoint} is reachable`,
    });
    expect(await testS3({ ...config, bucket: 'nobucket' })).toEqual({
      ok: false,
      msg: `connected to ${config.endpoint}, but there is no bucket nobucket`,
    });
    expect((await testS3({ ...config, endpoint: 'http://127.0.0.1:9' })).msg).toMatch(
      /^cannot reach bucket bento at http:\/\/127\.0\.0\.1:9: /,
    );
  });

  it('fetches an input that only the bucket has', async () => {
    const store = new BlobStore(tempDir());
    await store.init();
    const bytes = randomBytes(1000);
    await client.putObject('bento', 'inputs/remote-input', bytes);
    const sync = new S3Sync(store, config);
    expect(await sync.fetchMissing('inputs', 'remote-input')).toBe(true);
    expect(sha(await store.get('inputs', 'remote-input'))).toBe(sha(bytes));
    expect(await sync.fetchMissing('inputs', 'nowhere')).toBe(false);
  });

  it('records a failure without throwing when the bucket is unreachable', async () => {
    const store = new BlobStore(tempDir());
    await store.init();
    await store.put('journals', 'j', Buffer.from('x'));
    const sync = new S3Sync(store, { ...config, endpoint: 'http://127.0.0.1:9' }, { attempts: 2, baseDelayMs: 10 });
    sync.push('journals', 'j');
    await sync.idle();
    const [state] = sync.states();
    expect(state?.state).toBe('failed');
    expect(state?.attempts).toBe(2);
    expect(state?.error).toBeTruthy();
  });

  it('pushes what a daemon job produced, and runs sessions whose input is only in the bucket', async () => {
    const home = tempDir();
    // Sessions make the default receipt kind; composite ones are quicker, and enough to sync.
    await saveSettings(home, Settings.parse({ defaultReceiptKind: 'composite' }));
    const daemon = await serve({ home, port: 0, host: '127.0.0.1', s3: config });
    try {
      const api = (path: string, init: RequestInit = {}): Promise<Response> =>
        fetch(`http://127.0.0.1:${daemon.port}${path}`, {
          ...init,
          headers: { 'x-api-key': daemon.token, ...(init.headers as Record<string, string>) },
        });
      const imageId = (await execa(ZKVM, ['image-id', example('fib')])).stdout.trim();
      expect(
        (await api(`/images/upload/${imageId}`, { method: 'PUT', body: readFileSync(example('fib')) })).status,
      ).toBe(200);
      const input = Buffer.alloc(4);
      input.writeUInt32LE(12);
      await client.putObject('bento', 'inputs/from-bucket', input);
      const created = await api('/sessions/create', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ img: imageId, input: 'from-bucket', assumptions: [] }),
      });
      expect(created.status).toBe(200);
      const { uuid } = (await created.json()) as { uuid: string };
      expect((await untilJob(apiClient(`http://127.0.0.1:${daemon.port}`, daemon.token), uuid)).phase).toBe(
        'succeeded',
      );
      const { status } = (await (await api(`/sessions/status/${uuid}`)).json()) as { status: string };
      expect(status).toBe('SUCCEEDED');
      // The job's end queues its blobs for the bucket; then the queue drains.
      await until(() => daemon.sync?.states().some((s) => s.kind === 'receipts' && s.id === uuid));
      await daemon.sync?.idle();
      const receipt = await objectBytes(`receipts/stark/${uuid}`);
      expect(receipt.subarray(0, 8).toString()).toBe('BENTORCT');
      expect((await objectBytes(`elfs/${imageId}`)).length).toBe(readFileSync(example('fib')).length);
      expect((await objectBytes(`preflight_journals/${uuid}`)).length).toBeGreaterThan(0);
    } finally {
      await daemon.stop();
    }
    // A daemon that did not see the job end deletes it cleanly (sync ignores jobs that are gone).
    const again = await serve({ home, port: 0, host: '127.0.0.1', s3: config });
    try {
      const listed = (await (
        await fetch(`http://127.0.0.1:${again.port}/api/jobs`, { headers: { 'x-api-key': again.token } })
      ).json()) as { jobs: { jobId: string }[] };
      const [job] = listed.jobs;
      const deleted = await fetch(`http://127.0.0.1:${again.port}/api/jobs/${job?.jobId}`, {
        method: 'DELETE',
        headers: { 'x-api-key': again.token },
      });
      expect(await deleted.json()).toEqual({ deleted: job?.jobId });
    } finally {
      await again.stop();
    }
  });
});
