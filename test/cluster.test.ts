// The cluster engine with real components started here: a PostgreSQL server
// (the shared taskdb), s3rver (the bucket) and three `bento worker`
// processes standing in for hosts. Jobs go in with `submitJob` (what
// `bento cluster prove` does) and their receipts are verified by bento-zkvm.

import { type ChildProcess, execFile, execFileSync, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import pg from 'pg';
import S3rver from 's3rver';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { S3Config } from '../core/api/contract.js';
import { S3TaskFiles } from '../core/blobs/taskfiles.js';
import { fetchReceipt, submitJob, waitForJob } from '../core/cluster/submit.js';
import { type RunningDaemon, serve } from '../core/daemon/serve.js';
import type { ApiClient } from '../core/api/client.js';
import { PgTaskDb } from '../core/taskdb/pg/pgtaskdb.js';
import type { TaskEvent } from '../core/taskdb/types.js';
import { ROOT, ZKVM, example } from './helpers/guests.js';
import { PostgresServer, postgresMissing } from './helpers/postgres.js';
import { until } from './helpers/until.js';
import { client, untilJob } from './helpers/feed.js';
import { chromiumMissing, launchChromium, screenshot } from './browser/chromium.js';

const run = promisify(execFile);
const skip = postgresMissing();
if (skip) process.stdout.write(`skipping the cluster tests: ${skip}\n`);

let pgServer: PostgresServer;
let s3: S3rver;
let s3Dir: string;
let s3Config: S3Config;
let databases = 0;
const workers = new Map<string, ChildProcess>();
/** What each worker wrote to stderr. */
const workerLogs = new Map<string, string>();
const opened: PgTaskDb[] = [];

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

beforeAll(async () => {
  if (skip) return;
  if (!existsSync(join(ROOT, 'dist', 'core', 'cli', 'main.js')))
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before these tests');
  pgServer = await PostgresServer.start();
  s3Dir = mkdtempSync(join(tmpdir(), 'bento-s3rver-'));
  s3 = new S3rver({
    port: 0,
    address: '127.0.0.1',
    directory: s3Dir,
    silent: true,
    configureBuckets: [{ name: 'bento', configs: [] }],
  });
  const { port } = (await s3.run()) as { port: number };
  s3Config = { endpoint: `http://127.0.0.1:${port}`, bucket: 'bento', accessKey: 'S3RVER', secretKey: 'S3RVER' };
}, 120_000);

afterEach(async () => {
  await Promise.all([...workers.values()].map(stopWorker));
  workers.clear();
  await Promise.all(opened.splice(0).map((t) => t.close()));
});

afterAll(async () => {
  if (skip) return;
  try {
    await s3.close();
    rmSync(s3Dir, { recursive: true, force: true });
  } finally {
    pgServer.stop();
  }
});

async function stopWorker(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  await exited;
}

/** Runs SQL on the taskdb as another host could. */
async function pgQuery(url: string, sql: string, params: unknown[]): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql, params);
  } finally {
    await client.end();
  }
}

/** A fresh taskdb (a database of its own) and the test's own connection to it. */
async function freshTaskDb(): Promise<{ url: string; tdb: PgTaskDb }> {
  const url = await pgServer.createDatabase(`cluster${++databases}`);
  const tdb = await PgTaskDb.open(url, { actor: 'test', poolSize: 2 });
  opened.push(tdb);
  return { url, tdb };
}

/** Starts `bento worker` processes, each with its own cache (no shared filesystem). */
function startWorkers(url: string, ids: string[], leaseSecs = 3): void {
  for (const id of ids) {
    const cache = mkdtempSync(join(tmpdir(), `bento-${id}-`));
    const child = spawn(
      process.execPath,
      [
        join(ROOT, 'bin', 'bento.js'),
        'worker',
        '--taskdb',
        url,
        '--s3',
        `${s3Config.endpoint}/${s3Config.bucket}`,
        '--id',
        id,
        '--cache',
        cache,
        '--lease-secs',
        String(leaseSecs),
        '--sweep-secs',
        '1',
      ],
      {
        env: { ...process.env, BENTO_ZKVM: ZKVM, BENTO_S3_ACCESS_KEY: 'S3RVER', BENTO_S3_SECRET_KEY: 'S3RVER' },
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    workerLogs.set(id, '');
    child.stderr?.on('data', (d: Buffer) => {
      workerLogs.set(id, `${workerLogs.get(id) ?? ''}${d.toString()}`);
      process.stderr.write(`[${id}] ${d.toString()}`);
    });
    child.once('exit', () => rmSync(cache, { recursive: true, force: true }));
    workers.set(id, child);
  }
}

async function submitLoop(tdb: PgTaskDb): Promise<{ jobId: string; files: S3TaskFiles }> {
  const scratch = mkdtempSync(join(tmpdir(), 'bento-submit-'));
  const files = new S3TaskFiles(s3Config, scratch);
  // 4 segments of 2^14 cycles: 4 proves, 3 joins, a finalize.
  const jobId = await submitJob(tdb, files, {
    elf: readFileSync(example('loop')),
    input: u32(3000),
    po2: 14,
    receiptKind: 'composite',
    binary: ZKVM,
    scratch,
  });
  return { jobId, files };
}

/** `bento serve` on the cluster's taskdb and bucket, in this process, with the client of its API. */
async function serveOnCluster(
  url: string,
  serveOnly = false,
): Promise<{ home: string; daemon: RunningDaemon; api: ApiClient }> {
  const home = mkdtempSync(join(tmpdir(), 'bento-serve-cluster-'));
  const daemon = await serve({
    home,
    port: 0,
    host: '127.0.0.1',
    cluster: { taskdb: url, s3: s3Config, leaseMs: 3000, sweepMs: 1000, followMs: 200 },
    serveOnly,
  });
  return { home, daemon, api: client(`http://127.0.0.1:${daemon.port}`, daemon.token) };
}

/** The loop guest (4 segments) as the app sends it: ELF and input uploaded, then a job; its id. */
async function proveLoopThrough(api: ApiClient): Promise<string> {
  const { elf } = await api.uploadElf(readFileSync(example('loop')));
  const { input } = await api.uploadInput(u32(3000));
  return (await api.createJob({ elf, input, po2: 14, receiptKind: 'composite' })).jobId;
}

/** The job's receipt from the bucket verifies against the image ID its executor reported. */
async function expectVerifiedReceipt(tdb: PgTaskDb, files: S3TaskFiles, jobId: string): Promise<void> {
  const init = await tdb.getTask(jobId, 'init');
  const imageId = (init?.output as { imageId: string }).imageId;
  const dir = mkdtempSync(join(tmpdir(), 'bento-receipt-'));
  try {
    const path = join(dir, 'receipt');
    writeFileSync(path, await fetchReceipt(files, jobId));
    // Exit status 0 only for a valid receipt of this image.
    expect(() => execFileSync(ZKVM, ['verify', path, '--image-id', imageId], { stdio: 'pipe' })).not.toThrow();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Who claimed each task, in order, and how often each was completed. */
function claimsAndCompletions(events: TaskEvent[]): {
  claims: Map<string, string[]>;
  completions: Map<string, number>;
} {
  const claims = new Map<string, string[]>();
  const completions = new Map<string, number>();
  for (const e of events) {
    if (e.taskId === null) continue;
    if (e.to === 'running') claims.set(e.taskId, [...(claims.get(e.taskId) ?? []), e.actor]);
    if (e.to === 'done') completions.set(e.taskId, (completions.get(e.taskId) ?? 0) + 1);
  }
  return { claims, completions };
}

describe.skipIf(skip)('the cluster: PostgreSQL taskdb, S3 blobs, bento worker processes', () => {
  it('three workers prove a multi-segment job to a receipt that verifies, claiming its tasks between them', async () => {
    const { url, tdb } = await freshTaskDb();
    startWorkers(url, ['w1', 'w2', 'w3']);
    const { jobId, files } = await submitLoop(tdb);
    expect(await waitForJob(tdb, jobId, 200)).toBe('done');
    const tasks = await tdb.getTasks(jobId);
    expect(tasks.map((t) => t.kind).sort()).toEqual([
      'execute',
      'finalize',
      'join',
      'join',
      'join',
      'prove',
      'prove',
      'prove',
      'prove',
    ]);
    const { claims, completions } = claimsAndCompletions(await tdb.getEvents(jobId));
    const claimers = new Set([...claims.values()].flat());
    expect(claimers.size, `claimed by ${[...claimers].join(', ')}`).toBeGreaterThan(1);
    for (const c of claimers) expect(['w1', 'w2', 'w3']).toContain(c);
    expect([...completions.values()].every((n) => n === 1)).toBe(true);
    await expectVerifiedReceipt(tdb, files, jobId);
    // The Workers view's source: each worker connected, with its host, streams and slots.
    const listed = await tdb.listWorkers(Date.now() - 60_000);
    expect(listed.map((w) => [w.id, w.streams, w.slots]).sort()).toEqual([
      ['w1', ['exec', 'prove', 'join', 'aux'], 1],
      ['w2', ['exec', 'prove', 'join', 'aux'], 1],
      ['w3', ['exec', 'prove', 'join', 'aux'], 1],
    ]);
  });

  it('bento cluster prove writes a succinct receipt (the default) that bento verify accepts; bento cluster workers lists the workers', async () => {
    const { url } = await freshTaskDb();
    startWorkers(url, ['c1', 'c2']);
    const out = join(mkdtempSync(join(tmpdir(), 'bento-out-')), 'loop.receipt');
    const env = { ...process.env, BENTO_ZKVM: ZKVM, BENTO_S3_ACCESS_KEY: 'S3RVER', BENTO_S3_SECRET_KEY: 'S3RVER' };
    // Never a synchronous child here: the bucket (s3rver) is served by this process's event loop.
    const bento = async (...args: string[]): Promise<string> =>
      (await run(process.execPath, [join(ROOT, 'bin', 'bento.js'), ...args], { env, encoding: 'utf8' })).stdout;
    const s3url = `${s3Config.endpoint}/${s3Config.bucket}`;
    const listed = await until(async () => {
      const rows = JSON.parse(await bento('cluster', 'workers', '--taskdb', url, '--json')) as {
        id: string;
        host: string;
      }[];
      return rows.length === 2 ? rows : undefined;
    }, 60_000);
    expect(listed.map((w) => w.id).sort()).toEqual(['c1', 'c2']);
    expect(
      await bento(
        'cluster',
        'prove',
        example('loop'),
        '--input-u32',
        '1500',
        '--po2',
        '14',
        '--taskdb',
        url,
        '--s3',
        s3url,
        '--out',
        out,
      ),
    ).toMatch(/receipt written to/);
    expect(await bento('verify', out, '--elf', example('loop'))).toMatch(/^valid succinct receipt \(\d+ bytes\)/);
    // bento admin on the cluster's taskdb: the job is listed, and deleting it removes its files from the bucket.
    const cluster = ['--taskdb', url, '--s3', s3url];
    const [job] = JSON.parse(await bento('admin', ...cluster, 'jobs', 'list', '--json')) as {
      id: string;
      state: string;
    }[];
    expect(job?.state).toBe('done');
    const files = new S3TaskFiles(s3Config, mkdtempSync(join(tmpdir(), 'bento-check-')));
    expect(await files.exists({ kind: 'receipts', id: job?.id as string })).toBe(true);
    expect(await bento('admin', ...cluster, 'jobs', 'delete', job?.id as string, '--force')).toMatch(
      /applied 1 change/,
    );
    expect(await files.exists({ kind: 'receipts', id: job?.id as string })).toBe(false);
    expect(JSON.parse(await bento('admin', ...cluster, 'jobs', 'list', '--json'))).toEqual([]);
    rmSync(dirname(out), { recursive: true, force: true });
  });

  it('a worker SIGKILLed mid-task loses the task when its lease ends; another finishes it, nothing done twice', async () => {
    const { url, tdb } = await freshTaskDb();
    startWorkers(url, ['k1', 'k2', 'k3']);
    const { jobId, files } = await submitLoop(tdb);
    // The first worker seen running a prove task is killed with it.
    const victim = await until(async () => {
      const running = (await tdb.listWorkers(0)).find((w) => w.running.some((t) => t.taskId.startsWith('prove-')));
      return (
        running && { worker: running.id, taskId: running.running.find((t) => t.taskId.startsWith('prove-'))?.taskId }
      );
    }, 60_000);
    workers.get(victim.worker)?.kill('SIGKILL');
    const state = await waitForJob(tdb, jobId, 200);
    expect(state, JSON.stringify((await tdb.getEvents(jobId)).slice(-12))).toBe('done');
    const events = await tdb.getEvents(jobId);
    const taken = events.filter((e) => e.taskId === victim.taskId);
    expect(taken).toContainEqual(
      expect.objectContaining({
        from: 'running',
        to: 'ready',
        reason: `retry: lease of worker ${victim.worker} ended`,
      }),
    );
    expect(taken.find((e) => e.to === 'done')?.actor).not.toBe(victim.worker);
    const { completions } = claimsAndCompletions(events);
    expect(completions.size).toBe(9);
    expect([...completions.values()].every((n) => n === 1)).toBe(true);
    await expectVerifiedReceipt(tdb, files, jobId);
  });

  it('PostgreSQL restarted in the middle of a job: the workers reconnect and the job finishes', async () => {
    const { url, tdb } = await freshTaskDb();
    startWorkers(url, ['r1', 'r2']);
    const { jobId, files } = await submitLoop(tdb);
    await until(
      async () => (await tdb.getTasks(jobId)).some((t) => t.kind === 'prove' && t.state === 'running'),
      60_000,
    );
    pgServer.restart();
    expect(await until(async () => tdb.getJobState(jobId).catch(() => undefined), 60_000)).toBeDefined();
    expect(await waitForJob(tdb, jobId, 200)).toBe('done');
    await expectVerifiedReceipt(tdb, files, jobId);
    // No worker died of the dropped connections (a checked-out client's error must not end the process).
    for (const id of ['r1', 'r2']) expect(workers.get(id)?.exitCode, `worker ${id} exited`).toBeNull();
  });

  it('a worker started while PostgreSQL is down waits for it, then registers and proves', async () => {
    const { url, tdb } = await freshTaskDb();
    pgServer.pause();
    try {
      startWorkers(url, ['early']);
      await until(() => workerLogs.get('early')?.includes('waiting for the taskdb'), 60_000);
      expect(workers.get('early')?.exitCode).toBeNull();
    } finally {
      pgServer.resume();
    }
    await until(async () => (await tdb.listWorkers(0)).some((w) => w.id === 'early'), 60_000);
    const { jobId, files } = await submitLoop(tdb);
    expect(await waitForJob(tdb, jobId, 200)).toBe('done');
    await expectVerifiedReceipt(tdb, files, jobId);
  });

  it('bento serve on the cluster: a job made through its API is proved by the workers, and its list, receipt, events and Workers view read the shared taskdb and bucket', async () => {
    const { url, tdb } = await freshTaskDb();
    startWorkers(url, ['s1', 's2']);
    const { home, daemon, api } = await serveOnCluster(url);
    try {
      const jobId = await proveLoopThrough(api);
      // The daemon hears of what the workers do through the taskdb's events.
      const status = await untilJob(api, jobId);
      expect(status.phase, status.error ?? '').toBe('succeeded');
      expect(status.receiptBytes).toBeGreaterThan(0);
      const { claims, completions } = claimsAndCompletions(await tdb.getEvents(jobId));
      const claimers = new Set([...claims.values()].flat());
      expect(
        [...claimers].some((c) => c === 's1' || c === 's2'),
        `claimed by ${[...claimers].join(', ')}`,
      ).toBe(true);
      expect([...completions.values()].every((n) => n === 1)).toBe(true);
      // The receipt, read from the bucket, verifies; so does the daemon's own check of it.
      const dir = mkdtempSync(join(tmpdir(), 'bento-receipt-'));
      const path = join(dir, 'receipt');
      writeFileSync(path, await api.receipt(jobId));
      expect(statSync(path).size).toBe(status.receiptBytes);
      expect(() =>
        execFileSync(ZKVM, ['verify', path, '--image-id', status.imageId as string], { stdio: 'pipe' }),
      ).not.toThrow();
      rmSync(dir, { recursive: true, force: true });
      expect(await api.verify(jobId)).toMatchObject({ valid: true });
      expect((await api.jobs()).jobs.map((j) => [j.jobId, j.phase])).toEqual([[jobId, 'succeeded']]);
      expect((await api.receipts()).receipts.map((r) => r.jobId)).toEqual([jobId]);
      // The Workers view lists every member: the two workers and the daemon itself.
      const { cluster } = await api.workers();
      expect(cluster?.map((w) => w.id).sort()).toEqual(['s1', 's2', `serve@${hostname()}-${process.pid}`]);
      // The app's Workers view shows them, in Chromium against this daemon.
      if (chromiumMissing() === null) {
        const browser = await launchChromium();
        try {
          const page = await browser.newPage();
          await page.goto(`http://127.0.0.1:${daemon.port}/#token=${daemon.token}`);
          await page.getByRole('link', { name: 'Workers & settings' }).click();
          const table = page.getByTestId('cluster-workers');
          for (const id of ['s1', 's2']) await table.getByRole('rowheader', { name: id }).waitFor();
          expect(await table.getByRole('row').count()).toBe(4);
          await page.screenshot({ path: screenshot('cluster-workers'), fullPage: true });
        } finally {
          await browser.close();
        }
      }
      // The admin verbs run on the cluster's taskdb too, through the daemon.
      expect(await api.admin('summarizeTasks', [{ jobId }])).toMatchObject({ total: { done: 9 } });
      // An event row naming a path instead of a job (anyone writing the taskdb could) removes nothing of it.
      const victim = mkdtempSync(join(tmpdir(), 'bento-victim-'));
      const feed = new AbortController();
      const events = await api.events(feed.signal);
      const sql = 'INSERT INTO task_events (job_id, task_id, at, to_state, actor) VALUES ($1, NULL, $2, $3, $4)';
      await pgQuery(url, sql, [relative(join(home, 'cluster-cache', 'work'), victim), Date.now(), 'done', 'w9']);
      await pgQuery(url, sql, [jobId, Date.now(), 'done', 'w9']);
      // The daemon read both rows once the feed reports the second.
      const reader = (events.body as ReadableStream<Uint8Array>).getReader();
      for (let text = ''; !text.includes(`"jobId":"${jobId}"`);)
        text += new TextDecoder().decode((await reader.read()).value);
      feed.abort();
      expect(existsSync(victim)).toBe(true);
      rmSync(victim, { recursive: true, force: true });
      // A job deleted through the daemon leaves nothing of its own in the bucket.
      await api.deleteJob(jobId);
      expect(await tdb.getJobState(jobId)).toBeUndefined();
      const files = new S3TaskFiles(s3Config, mkdtempSync(join(tmpdir(), 'bento-check-')));
      expect(await files.exists({ kind: 'receipts', id: jobId })).toBe(false);
      expect(await files.exists({ job: jobId, work: 'receipts/prove-0.rcpt' })).toBe(false);
    } finally {
      await daemon.stop();
      rmSync(home, { recursive: true, force: true });
    }
    // A daemon that stopped is no longer listed.
    expect((await tdb.listWorkers(0)).map((w) => w.id).sort()).toEqual(['s1', 's2']);
  });

  it('PostgreSQL restarted in the middle of a job made through bento serve: the daemon and the worker reconnect, and its feed reports the job done', async () => {
    const { url, tdb } = await freshTaskDb();
    startWorkers(url, ['d1']);
    // The daemon runs no tasks itself (bento serve --serve-only): every claim comes from the worker.
    const { home, daemon, api } = await serveOnCluster(url, true);
    try {
      const jobId = await proveLoopThrough(api);
      await untilJob(api, jobId, (s) => s.phase === 'proving');
      pgServer.restart();
      const status = await untilJob(api, jobId);
      expect(status.phase, status.error ?? '').toBe('succeeded');
      const claimers = new Set([...claimsAndCompletions(await tdb.getEvents(jobId)).claims.values()].flat());
      expect([...claimers]).toEqual(['d1']);
      // A daemon that runs no tasks is no worker: only d1 is listed.
      expect((await api.workers()).cluster?.map((w) => w.id)).toEqual(['d1']);
    } finally {
      await daemon.stop();
      rmSync(home, { recursive: true, force: true });
    }
  });
});
