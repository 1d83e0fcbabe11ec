// The daemon's HTTP API: a client following the Bonsai SDK's order, the
// security refusals, and random requests that must never break it.

import { request } from 'node:http';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daemonFile } from '../core/daemon/discover.js';
import { type RunningDaemon, serve } from '../core/daemon/serve.js';
import { buildServer } from '../core/daemon/server.js';
import { JobDetail, Settings } from '../core/api/contract.js';
import { Engine } from '../core/engine/engine.js';
import { ROOT, ZKVM, example } from './helpers/guests.js';
import { client, untilJob } from './helpers/feed.js';
import { rng } from './helpers/rng.js';

const random = rng(7);
const randomInt = (lo: number, hi: number): number => lo + Math.floor(random() * (hi - lo + 1));

let home: string;
let daemon: RunningDaemon;
let base: string;

beforeAll(async () => {
  home = mkdtempSync(join(tmpdir(), 'bento-daemon-'));
  daemon = await serve({ home, port: 0, host: '127.0.0.1', appSecret: 'the-desktop-app' });
  base = `http://127.0.0.1:${daemon.port}`;
});

afterAll(async () => {
  await daemon.stop();
  rmSync(home, { recursive: true, force: true });
});

function api(path: string, init: RequestInit = {}): Promise<Response> {
  const headers = new Headers(init.headers);
  if (!headers.has('x-api-key')) headers.set('x-api-key', daemon.token);
  return fetch(path.startsWith('http') ? path : `${base}${path}`, { ...init, headers });
}

async function json<T = Record<string, unknown>>(res: Response): Promise<T> {
  return (await res.json()) as T;
}

const imageIdOf = async (elf: string): Promise<string> => (await execa(ZKVM, ['image-id', elf])).stdout.trim();

async function uploadAndRun(
  elfName: string,
  input: Buffer,
  extra: Record<string, unknown> = {},
): Promise<{ uuid: string; final: Record<string, unknown> }> {
  const elf = example(elfName);
  const imageId = await imageIdOf(elf);
  const img = await api(`/images/upload/${imageId}`);
  if (img.status === 200) {
    const { url } = await json<{ url: string }>(img);
    expect((await api(url, { method: 'PUT', body: readFileSync(elf) })).status).toBe(200);
  } else {
    expect(img.status).toBe(204);
  }
  const { url: inputUrl, uuid: inputId } = await json<{ url: string; uuid: string }>(await api('/inputs/upload'));
  expect((await api(inputUrl, { method: 'PUT', body: input })).status).toBe(200);
  const created = await api('/sessions/create', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      img: imageId,
      input: inputId,
      assumptions: [],
      execute_only: false,
      exec_cycle_limit: null,
      ...extra,
    }),
  });
  expect(created.status).toBe(200);
  const { uuid } = await json<{ uuid: string }>(created);
  for (;;) {
    const final = await json(await api(`/sessions/status/${uuid}`));
    // RISC Zero's progress strings while the session runs (never our lowercase phases).
    if (final.status === 'RUNNING')
      expect(final.state).toMatch(/^(Setup|Executor|ProveSegments: \d+\/\d+|RecursionJoin: \d+\/\d+|Finalize)$/);
    if (final.status !== 'RUNNING') return { uuid, final };
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('a Bonsai SDK client', () => {
  it('uploads, creates a session, polls, downloads and verifies the receipt', async () => {
    const file = JSON.parse(readFileSync(daemonFile(home), 'utf8')) as { port: number; token: string; pid: number };
    expect(file).toEqual({ port: daemon.port, token: daemon.token, pid: process.pid });
    expect(statSync(daemonFile(home)).mode & 0o777).toBe(0o600);

    const input = Buffer.alloc(4);
    input.writeUInt32LE(30);
    const { uuid, final } = await uploadAndRun('fib', input);
    expect(final.status).toBe('SUCCEEDED');
    // RISC Zero's progress strings while running; none once the session has ended.
    expect(final.state).toBeNull();
    expect(typeof final.elapsed_time).toBe('number');
    // Sessions make the default receipt, a succinct one; the stats name it and its size.
    const receipt = Buffer.from(await (await api(final.receipt_url as string)).arrayBuffer());
    expect(final.stats).toMatchObject({ segments: 1, receipt_kind: 'succinct', receipt_bytes: receipt.length });
    const path = join(home, 'fib.receipt');
    writeFileSync(path, receipt);
    const verified = await execa(ZKVM, ['verify', path, '--image-id', await imageIdOf(example('fib')), '--json'], {
      reject: false,
    });
    expect(verified.exitCode, verified.stderr).toBe(0);
    expect((JSON.parse(verified.stdout) as { receipt: { kind: string } }).receipt.kind).toBe('succinct');
    expect((await json(await api(`/receipts/${uuid}`))).url).toBe(final.receipt_url);
    // The image is known now.
    expect((await api(`/images/upload/${await imageIdOf(example('fib'))}`)).status).toBe(204);
  });

  it('runs execute-only sessions and serves their journal', async () => {
    const { uuid, final } = await uploadAndRun('sha256', Buffer.from('abc'), { execute_only: true });
    expect(final.status).toBe('SUCCEEDED');
    expect(final.receipt_url).toBeNull();
    const journal = Buffer.from(await (await api(`/sessions/exec_only_journal/${uuid}`)).arrayBuffer());
    expect(journal.toString('hex')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect((await api(`/sessions/logs/${uuid}`)).status).toBe(200);
  });

  it('reports a failing guest as FAILED with its message, with exec_cycle_limit in units of 2^20 cycles', async () => {
    // 100,000 iterations of loop run about 1.9M cycles: over 1 unit (1,048,576 cycles), under 2.
    const iterations = Buffer.alloc(4);
    iterations.writeUInt32LE(100_000);
    const { final } = await uploadAndRun('loop', iterations, { execute_only: true, exec_cycle_limit: 1 });
    expect(final.status).toBe('FAILED');
    expect(final.error_msg).toMatch(/cycle limit/i);
    const { final: within } = await uploadAndRun('loop', iterations, { execute_only: true, exec_cycle_limit: 2 });
    expect(within.status).toBe('SUCCEEDED');
    const cycles = (within.stats as { cycles: number }).cycles;
    expect(cycles).toBeGreaterThan(1024 * 1024);
    expect(cycles).toBeLessThan(2 * 1024 * 1024);
    // Execute-only sessions report the executor's segments (2^20-cycle segments by default: two here).
    expect(within.stats).toMatchObject({ segments: 2 });
    // The quota is stated in the same unit: 2^32 cycles.
    expect((await json(await api('/user/quotas'))).exec_cycle_limit).toBe(4096);
  });

  it('refuses an image whose ID does not match, and snark requests, with typed errors', async () => {
    const res = await api(`/images/upload/${'0'.repeat(64)}`, { method: 'PUT', body: readFileSync(example('fib')) });
    expect(res.status).toBe(400);
    expect((await json(res)).type).toBe('ImageIdMismatch');
    // A bad ELF is named by what is wrong with it, never by where the daemon keeps it.
    const bad = await api(`/images/upload/${'1'.repeat(64)}`, {
      method: 'PUT',
      body: Buffer.from('\x7fELF but not really'),
    });
    expect(bad.status).toBe(400);
    const refusal = await json<{ type: string; msg: string }>(bad);
    expect(refusal.type).toBe('InvalidElf');
    expect(refusal.msg).toMatch(/^the ELF: not an ELF file/);
    expect(refusal.msg).not.toMatch(/\/(tmp|home|root)\b|\.tmp-|bento-/);
    const snark = await api('/snark/create', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(snark.status).toBe(501);
    expect((await json(snark)).type).toBe('SnarkUnsupported');
    expect((await json(await api('/version'))).risc0_zkvm).toBeInstanceOf(Array);
    expect(Object.keys(await json(await api('/user/quotas')))).toEqual(
      expect.arrayContaining([
        'exec_cycle_limit',
        'concurrent_proofs',
        'cycle_budget',
        'cycle_usage',
        'dedicated_executor',
        'dedicated_gpu',
      ]),
    );
  });
});

/** A raw request, so the Host header can be anything. */
function raw(
  path: string,
  headers: Record<string, string>,
): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: daemon.port, path, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('the CLI with a daemon running', () => {
  it('proves through the daemon, with the same output', async () => {
    const bento = join(ROOT, 'bin', 'bento.js');
    const before = (await json<{ jobs: unknown[] }>(await api('/api/jobs'))).jobs.length;
    const r = await execa(
      process.execPath,
      [bento, '--home', home, 'prove', example('fib'), '--input-u32', '30', '--po2', '14', '--receipt', 'composite'],
      { reject: false },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^exit code: 0\njournal: {3}28b20c00\nimage id: {2}[0-9a-f]{64}\n/);
    const jobs = (await json<{ jobs: { phase: string }[] }>(await api('/api/jobs'))).jobs;
    expect(jobs.length).toBe(before + 1);
    expect(jobs[0]?.phase).toBe('succeeded');
    const list = await execa(process.execPath, [bento, '--home', home, 'jobs', 'list', '--json']);
    expect(JSON.parse(list.stdout)).toHaveLength(before + 1);
  });
});

describe('routes for the UI', () => {
  it('serves jobs, journals, receipts, verification, workers, settings and admin verbs', async () => {
    const input = Buffer.alloc(4);
    input.writeUInt32LE(25);
    // Live events: the stream reports the job as it changes.
    const events = await api('/api/events');
    const reader = events.body?.getReader() as ReadableStreamDefaultReader<Uint8Array>;
    const { uuid } = await uploadAndRun('fib', input);
    let seen = '';
    while (!seen.includes(`"jobId":"${uuid}"`) || !seen.includes('"phase":"succeeded"')) {
      const { value, done } = await reader.read();
      if (done) break;
      seen += Buffer.from(value).toString();
    }
    await reader.cancel();
    expect(seen).toMatch(/^: connected/);
    expect(seen).toContain('event: job');

    const detail = await json<{ phase: string; tasks: { taskId: string }[]; events: unknown[] }>(
      await api(`/api/jobs/${uuid}`),
    );
    expect(detail.phase).toBe('succeeded');
    expect(detail.tasks.map((t) => t.taskId)).toEqual(expect.arrayContaining(['init', 'prove-0', 'finalize']));
    expect(detail.events.length).toBeGreaterThan(3);
    expect((await api(`/api/jobs/${uuid}/journal`)).status).toBe(200);
    const receipt = await api(`/api/jobs/${uuid}/receipt`);
    expect(receipt.headers.get('content-disposition')).toContain(`${uuid}.receipt`);
    expect(
      Buffer.from(await receipt.arrayBuffer())
        .subarray(0, 8)
        .toString(),
    ).toBe('BENTOSCT');
    expect(await json(await api(`/api/jobs/${uuid}/verify`, { method: 'POST' }))).toMatchObject({ valid: true });
    expect((await api(`/api/jobs/${uuid}/retry`, { method: 'POST' })).status).toBe(409);
    expect((await json(await api('/api/workers'))).slots).toMatchObject({ exec: 1, join: 1, aux: 1 });
    expect((await json(await api('/api/settings'))).sync).toEqual({ configured: false });
    const put = (body: unknown): Promise<Response> =>
      api('/api/settings', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    expect(await json(await put({ defaultPo2: 15, retentionHours: 2 }))).toMatchObject({
      defaultPo2: 15,
      retentionHours: 2,
    });
    expect(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8'))).toMatchObject({ defaultPo2: 15 });
    expect((await put({ defaultPo2: 40 })).status).toBe(400);
    expect((await json(await api('/api/settings'))).defaultPo2).toBe(15);
    // The default receipt kind: succinct unless changed; stored and checked.
    expect((await json<{ defaultReceiptKind: string }>(await api('/api/settings'))).defaultReceiptKind).toBe(
      'succinct',
    );
    expect(await json(await put({ defaultReceiptKind: 'composite' }))).toMatchObject({
      defaultReceiptKind: 'composite',
    });
    expect(await json(await put({ defaultReceiptKind: 'succinct' }))).toMatchObject({ defaultReceiptKind: 'succinct' });
    expect(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8'))).toMatchObject({
      defaultReceiptKind: 'succinct',
    });
    expect((await put({ defaultReceiptKind: 'tiny' })).status).toBe(400);
    // Paging: the last job on a page of one (whatever other tests left in this daemon).
    const { total } = await json<{ total: number }>(await api('/api/jobs?limit=1'));
    expect(total).toBeGreaterThanOrEqual(1);
    const last = await json<{ jobs: { jobId: string }[] }>(await api(`/api/jobs?limit=1&offset=${total - 1}`));
    expect(last.jobs).toHaveLength(1);
    expect((await json<{ jobs: unknown[] }>(await api(`/api/jobs?limit=1&offset=${total}`))).jobs).toEqual([]);
    expect((await json(await api('/api/jobs?state=succeeded'))).jobs).toEqual(
      expect.arrayContaining([expect.objectContaining({ jobId: uuid })]),
    );

    const admin = (verb: string, args: unknown): Promise<Response> =>
      api(`/api/admin/${verb}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ args }),
      });
    const listed = await json<{ result: { id: string }[] }>(await admin('listJobs', [{ limit: 500 }]));
    expect(listed.result.map((j) => j.id)).toContain(uuid);
    const dry = await json<{ result: { applied: boolean; changes: unknown[] } }>(
      await admin('abandonJob', [uuid, { force: false, actor: 'test' }]),
    );
    expect(dry.result.applied).toBe(false);
    expect((await admin('noSuchVerb', [])).status).toBe(400);
    expect((await admin('listJobs', 'nope')).status).toBe(400);
  });

  it('retries a failed job from its failed tasks', async () => {
    const { uuid, final } = await uploadAndRun('loop', Buffer.from([1, 0, 0, 0]), { cycle_limit: 10 });
    expect(final.status).toBe('FAILED');
    const app = client(base, daemon.token);
    const retried = await app.retry(uuid);
    expect(retried.applied).toBe(true);
    expect(retried.changes).toContainEqual(expect.objectContaining({ jobId: uuid, action: 'reset', to: 'ready' }));
    // The same cycle limit fails it again, with the same message.
    const again = await untilJob(app, uuid);
    expect(again.phase).toBe('failed');
    expect(again.error).toMatch(/cycle limit/);
    const s = await json<{ status: string; error_msg: string }>(await api(`/sessions/status/${uuid}`));
    expect(s).toMatchObject({ status: 'FAILED', error_msg: expect.stringMatching(/cycle limit/) });
  });

  it('creates jobs from uploads, lists receipts, filters by state with totals, and deletes', async () => {
    // As the desktop app's window sends them (its main process adds the app's secret), so elfPath is honoured.
    const post = (path: string, body: unknown): Promise<Response> =>
      api(path, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-bento-app': 'the-desktop-app' },
        body: JSON.stringify(body),
      });
    const refused = await api('/api/elfs', {
      method: 'POST',
      headers: { 'content-type': 'application/octet-stream' },
      body: 'just text',
    });
    expect(refused.status).toBe(400);
    expect(await json(refused)).toEqual({
      type: 'InvalidElf',
      msg: 'the upload is not an ELF file (it does not start with \\x7fELF)',
    });
    // The desktop app's window, through the typed client.
    const app = client(base, daemon.token, { 'x-bento-app': 'the-desktop-app' });
    const { elf } = await app.uploadElf(readFileSync(example('fib')));
    // elfs/ has one key, the image ID, whichever route stored the ELF.
    expect(elf).toBe(await imageIdOf(example('fib')));
    const { input } = await app.uploadInput(Buffer.from([10, 0, 0, 0]));
    expect((await post('/api/jobs', { elf, elfPath: example('fib') })).status).toBe(400);
    expect((await post('/api/jobs', { elfPath: 'examples/fib.elf' })).status).toBe(400);
    expect((await post('/api/jobs', { elf, input: '0'.repeat(64) })).status).toBe(404);
    const { jobId } = await app.createJob({ elf, input, po2: 14, receiptKind: 'composite' });
    const fromPath = await app.createJob({ elfPath: example('fib'), input, po2: 14, executeOnly: true });
    // Deleting needs an ended job: checked while this one is known to run.
    expect((await app.job(jobId)).state).toBe('running');
    await expect(app.deleteJob(jobId)).rejects.toMatchObject({ status: 400, type: 'InvalidRequest' });
    const proved = await untilJob(app, jobId);
    const executed = await untilJob(app, fromPath.jobId);
    expect(proved.phase).toBe('succeeded');
    expect(proved.hasReceipt).toBe(true);
    expect(executed.journalHex).toBe(proved.journalHex);
    // Only the contract's fields go out: no server paths, no task definitions.
    const detail = (await json(await api(`/api/jobs/${jobId}`))) as Record<string, unknown>;
    expect(Object.keys(detail).sort()).toEqual(Object.keys(JobDetail.shape).sort());
    expect(JSON.stringify(detail)).not.toContain(home);

    const receipts = await app.receipts({ limit: 500 });
    expect(receipts.receipts.find((r) => r.jobId === jobId)?.receiptBytes).toBeGreaterThan(1000);
    expect(receipts.receipts.some((r) => r.jobId === fromPath.jobId)).toBe(false);
    const all = await app.jobs({ limit: 1 });
    const succeeded = await app.jobs({ state: 'succeeded', limit: 500 });
    const failed = await app.jobs({ state: 'failed', limit: 500 });
    expect(succeeded.jobs.map((j) => j.jobId)).toContain(jobId);
    expect(succeeded.jobs.every((j) => j.phase === 'succeeded')).toBe(true);
    expect(failed.jobs.every((j) => j.phase === 'failed')).toBe(true);
    expect(succeeded.total).toBe(succeeded.jobs.length);
    expect(all.total).toBeGreaterThanOrEqual(succeeded.total + failed.total);
    expect((await api('/api/jobs?state=nonsense')).status).toBe(400);

    expect(await app.deleteReceipt(jobId)).toEqual({ deleted: jobId });
    expect((await app.job(jobId)).hasReceipt).toBe(false);
    await expect(app.receipt(jobId)).rejects.toMatchObject({ status: 404, type: 'NotFound' });
    expect(await app.deleteJob(jobId)).toEqual({ deleted: jobId });
    expect((await api(`/api/jobs/${jobId}`)).status).toBe(404);
    expect((await api(`/api/jobs/${jobId}/journal`)).status).toBe(404);
  });

  it('keeps the bucket secret out of answers and refuses a watch folder that is not a directory', async () => {
    const put = (body: unknown): Promise<Response> =>
      api('/api/settings', {
        method: 'PUT',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    const s3 = { endpoint: 'http://127.0.0.1:9', bucket: 'proofs', accessKey: 'ak', secretKey: 'very-secret' };
    const saved = await put({ s3 });
    expect(saved.status).toBe(200);
    expect(JSON.stringify(await json(saved))).not.toContain('very-secret');
    // An empty secret keeps the stored one.
    expect((await put({ s3: { ...s3, secretKey: '' } })).status).toBe(200);
    expect(JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8')).s3.secretKey).toBe('very-secret');
    expect(statSync(join(home, 'settings.json')).mode & 0o777).toBe(0o600);
    expect((await put({ s3: { ...s3, endpoint: 'ftp://x' } })).status).toBe(400);
    const test = await json<{ ok: boolean; msg: string }>(
      await api('/api/sync/test', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }),
    );
    expect(test).toMatchObject({
      ok: false,
      msg: expect.stringMatching(/^cannot reach bucket proofs at http:\/\/127\.0\.0\.1:9: /),
    });
    expect((await put({ watchFolder: join(home, 'no-such-folder') })).status).toBe(400);
    expect((await put({ s3: null, watchFolder: null })).status).toBe(200);
  });

  it('serves the renderer at / without the token, under a strict CSP, and nothing else unguarded', async () => {
    const page = await fetch(`${base}/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    // Scripts from the daemon only; the one allowance is compiling WebAssembly (the in-page receipt verifier).
    expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval';");
    expect(csp.replace("'wasm-unsafe-eval'", '')).not.toContain('unsafe');
    const html = await page.text();
    expect(html).toContain('<div id="root">');
    expect(html).not.toContain(daemon.token);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1] as string;
    expect((await fetch(`${base}${asset}`)).status).toBe(200);
    expect((await fetch(`${base}/api/jobs`)).status).toBe(401);
    expect((await fetch(`${base}/assets/../daemon.json`)).status).not.toBe(200);
    expect((await raw('/', { host: `evil.example:${daemon.port}` })).status).toBe(403);
  });

  it('runs bento admin through the daemon with the same output', async () => {
    const bento = join(ROOT, 'bin', 'bento.js');
    const viaDaemon = await execa(process.execPath, [bento, '--home', home, 'admin', 'tasks', 'summary', '--json']);
    const summary = JSON.parse(viaDaemon.stdout) as { total: Record<string, number> };
    expect(summary.total.done).toBeGreaterThan(0);
    const bad = await execa(process.execPath, [bento, '--home', home, 'admin', 'jobs', 'get', 'no-such-job'], {
      reject: false,
    });
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/^error: .*no-such-job/);
  });
});

describe('security', () => {
  it('needs the token', async () => {
    const none = await fetch(`${base}/version`);
    expect(none.status).toBe(401);
    expect(await none.json()).toMatchObject({ type: 'Unauthorized' });
    expect((await api('/version', { headers: { 'x-api-key': 'wrong' } })).status).toBe(401);
    expect((await fetch(`${base}/version`, { headers: { authorization: `Bearer ${daemon.token}` } })).status).toBe(200);
  });

  it('refuses a foreign Host header (DNS rebinding) and sends no CORS headers', async () => {
    const bad = await raw('/version', { host: `evil.example:${daemon.port}`, 'x-api-key': daemon.token });
    expect(bad.status).toBe(403);
    expect(JSON.parse(bad.body)).toMatchObject({ type: 'Forbidden' });
    const good = await raw('/version', {
      host: `localhost:${daemon.port}`,
      'x-api-key': daemon.token,
      origin: 'http://evil.example',
    });
    expect(good.status).toBe(200);
    expect(good.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('refuses ids that could escape the blob store', async () => {
    for (const bad of ['.hidden', 'a%2Fb', '%2E%2E%2Fetc', '..%2F..%2Fx']) {
      const res = await api(`/inputs/upload/${bad}`, { method: 'PUT', body: 'x' });
      expect(res.status, bad).toBe(400);
      expect((await json(res)).type).toBe('InvalidId');
    }
    expect((await api('/sessions/status/.hidden')).status).toBe(400);
  });

  it('needs a JSON content type for JSON bodies', async () => {
    const res = await api('/sessions/create', {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: '{"img":"a","input":"b"}',
    });
    expect(res.status).toBe(415);
    const bad = await api('/sessions/create', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"img": 3}',
    });
    expect(bad.status).toBe(400);
  });

  it('bounds upload sizes', async () => {
    const engine = await Engine.open({ home: mkdtempSync(join(tmpdir(), 'bento-small-')) });
    const server = buildServer(engine, {
      token: 't',
      host: '127.0.0.1',
      maxUploadBytes: 1024,
      settings: Settings.parse({}),
    });
    const port = await server.listen(0);
    try {
      const res = await fetch(`http://127.0.0.1:${port}/inputs/upload/big`, {
        method: 'PUT',
        headers: { 'x-api-key': 't' },
        body: Buffer.alloc(4096),
      });
      expect(res.status).toBe(413);
      expect(await res.json()).toMatchObject({ type: 'PayloadTooLarge' });
    } finally {
      await server.close();
      await engine.close();
      rmSync(engine.home, { recursive: true, force: true });
    }
  });

  it('never answers random requests with a 500 or falls over', async () => {
    const methods = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH'];
    const pieces = [
      'images',
      'upload',
      'inputs',
      'sessions',
      'status',
      'create',
      'receipts',
      'stark',
      'receipt',
      'api',
      'jobs',
      'stop',
      '..',
      '%00',
      'x'.repeat(300),
      '%2F',
      '',
      '😀',
    ];
    const types = ['application/json', 'text/plain', 'application/octet-stream', 'multipart/form-data', ''];
    const bodies = ['', '{', '{"img":null}', '[]', 'null', '{"img":"a","input":"b","assumptions":"x"}', '\u0000\u0001'];
    for (let i = 0; i < 300; i++) {
      const path = `/${Array.from({ length: randomInt(1, 4) }, () => encodeURIComponent(pieces[randomInt(0, pieces.length - 1)] as string)).join('/')}`;
      const method = methods[randomInt(0, methods.length - 1)] as string;
      const type = types[randomInt(0, types.length - 1)] as string;
      const body = method === 'GET' || method === 'DELETE' ? undefined : bodies[randomInt(0, bodies.length - 1)];
      const res = await api(path, {
        method,
        ...(body !== undefined ? { body } : {}),
        headers: type ? { 'content-type': type } : {},
      });
      expect(res.status, `${method} ${path}`).toBeLessThan(500);
      await res.arrayBuffer();
    }
    expect((await api('/version')).status).toBe(200);
  });
});
