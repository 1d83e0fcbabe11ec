// States the daemon must survive and refusals it must make (issue 14): a full
// disk, ids and task definitions from outside, a second daemon, a stale
// daemon.json, and the smaller API faults.

import { execFileSync, spawn } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
  writeSync,
  closeSync,
} from 'node:fs';
import { type Server, createServer } from 'node:http';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { execa } from 'execa';
import { describe, expect, it, onTestFinished } from 'vitest';
import { discoverDaemon } from '../core/daemon/discover.js';
import { type RunningDaemon, serve } from '../core/daemon/serve.js';
import { Engine } from '../core/engine/engine.js';
import { runAdminVerb } from '../core/taskdb/adminverbs.js';
import { SqliteTaskStore } from '../core/taskdb/sqlitestore.js';
import { taskDbPath } from '../core/config/paths.js';
import { ROOT, SPIN, example, tinyElf } from './helpers/guests.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

function client(daemon: RunningDaemon) {
  const base = `http://127.0.0.1:${daemon.port}`;
  const api = (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`${base}${path}`, {
      ...init,
      headers: { 'x-api-key': daemon.token, ...(init.headers as Record<string, string>) },
    });
  const send = (method: string, path: string, body: unknown): Promise<Response> =>
    api(path, {
      method,
      headers: { 'content-type': 'application/json' },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  return { base, api, send };
}

async function started(
  home: string,
  options: Partial<Parameters<typeof serve>[0]> = {},
): Promise<RunningDaemon & ReturnType<typeof client>> {
  const daemon = await serve({ home, port: 0, host: '127.0.0.1', ...options });
  onTestFinished(() => daemon.stop());
  return Object.assign(daemon, client(daemon));
}

/** Starts an execute-only job of a guest that spins forever; answers its id once its executor runs. */
async function spinningJob(d: ReturnType<typeof client>): Promise<string> {
  const { elf } = (await (await d.api('/api/elfs', { method: 'POST', body: tinyElf([SPIN]) })).json()) as {
    elf: string;
  };
  const { jobId } = (await (await d.send('POST', '/api/jobs', { elf, executeOnly: true })).json()) as { jobId: string };
  await until(
    async () => ((await (await d.api(`/api/jobs/${jobId}`)).json()) as { phase: string }).phase === 'executing',
  );
  return jobId;
}

/** The pids of bento-zkvm children whose arguments mention `needle`. */
function zkvmChildren(needle: string): number[] {
  const ps = execFileSync('ps', ['-eo', 'pid=,args='], { encoding: 'utf8' });
  return ps
    .split('\n')
    .filter((l) => l.includes('bento-zkvm') && l.includes(needle))
    .map((l) => Number(l.trim().split(/\s+/)[0]));
}

describe('a full disk', () => {
  it('keeps the daemon up, answers 507 naming the disk, and resumes when space returns', async () => {
    const mountPoint = tempDir('bento-tmpfs-');
    const mounted = await execa('mount', ['-t', 'tmpfs', '-o', 'size=24m', 'tmpfs', mountPoint], { reject: false });
    if (mounted.exitCode !== 0) {
      console.log(`skipped: cannot mount a small tmpfs here (${mounted.stderr.trim()})`);
      return;
    }
    onTestFinished(async () => {
      await execa('umount', ['-l', mountPoint], { reject: false });
    });
    const home = join(mountPoint, 'home');
    const d = await started(home);
    const jobId = await spinningJob(d);
    const executors = await until(() => {
      const pids = zkvmChildren(home);
      return pids.length > 0 ? pids : undefined;
    });
    // Fill the disk to the last byte.
    const filler = join(mountPoint, 'filler');
    const fd = openSync(filler, 'w');
    const chunk = Buffer.alloc(4096, 1);
    try {
      for (;;) writeSync(fd, chunk);
    } catch (err) {
      expect((err as NodeJS.ErrnoException).code).toBe('ENOSPC');
    } finally {
      closeSync(fd);
    }
    // The executor dies while the disk is full: recording its retry needs space the taskdb cannot get.
    for (const pid of executors) process.kill(pid, 'SIGKILL');
    const full = await until(async () => {
      const res = await d.api('/api/inputs', { method: 'POST', body: Buffer.alloc(64 * 1024, 7) });
      return res.status === 507 ? ((await res.json()) as { type: string; msg: string }) : undefined;
    });
    expect(full).toEqual({ type: 'InsufficientStorage', msg: expect.stringMatching(/disk .* is full/) });
    expect(full.msg).not.toContain(mountPoint);
    // Still up: reads answer.
    expect((await d.api('/api/jobs')).status).toBe(200);
    expect((await d.api(`/api/jobs/${jobId}`)).status).toBe(200);
    // Space returns: the retry is recorded, the executor runs again, and the daemon takes new work.
    rmSync(filler);
    await until(async () => {
      const job = (await (await d.api(`/api/jobs/${jobId}`)).json()) as {
        tasks: { taskId: string; retries: number }[];
      };
      return job.tasks.find((t) => t.taskId === 'init')?.retries === 1;
    });
    await until(() => zkvmChildren(home).some((pid) => !executors.includes(pid)));
    expect((await d.api(`/api/jobs/${jobId}/stop`, { method: 'POST' })).status).toBe(200);
    const input = Buffer.alloc(4);
    input.writeUInt32LE(30);
    const { input: inputId } = (await (await d.api('/api/inputs', { method: 'POST', body: input })).json()) as {
      input: string;
    };
    const { elf } = (await (
      await d.api('/api/elfs', { method: 'POST', body: readFileSync(example('fib')) })
    ).json()) as { elf: string };
    const { jobId: next } = (await (
      await d.send('POST', '/api/jobs', { elf, input: inputId, executeOnly: true })
    ).json()) as { jobId: string };
    const done = await until(async () => {
      const s = (await (await d.api(`/api/jobs/${next}`)).json()) as { phase: string; journalHex: string };
      return s.phase === 'succeeded' ? s : undefined;
    });
    expect(done.journalHex).toBe('28b20c00');
  });
});

describe('ids and task definitions from outside', () => {
  it('refuses ids the blob store could not use, and a bad row never breaks the job list', async () => {
    const home = tempDir();
    const d = await started(home);
    const res = await d.send('POST', '/api/admin/backfill', {
      args: [
        {
          jobId: 'evil:job',
          job: {
            workerType: 'exec',
            taskDef: { kind: 'execute', elf: 'a', input: 'b', po2: 20, cycleLimit: null, executeOnly: true },
          },
        },
        { force: true },
      ],
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { msg: string }).msg).toMatch(/letters, digits and \. _ -[\s\S]*jobId/);
    // A row written by an older version (or by hand) with such an id: listed around, never a 500.
    const raw = new Database(taskDbPath(home));
    raw.prepare("INSERT INTO jobs (id, state, user_id, created_at) VALUES ('evil:job', 'failed', 'local', 1)").run();
    raw.close();
    const list = await d.api('/api/jobs');
    expect(list.status).toBe(200);
    expect((await d.api('/api/jobs?state=failed')).status).toBe(200);
    expect((await d.api('/api/receipts')).status).toBe(200);
  });

  it('validates backfilled task definitions, and the engine refuses a bad one before spawning anything', async () => {
    const home = tempDir();
    const d = await started(home);
    const join = (left: string) => ({
      jobId: 'j1',
      job: { workerType: 'join', taskDef: { kind: 'join', left, right: 'prove-1' } },
    });
    const res = await d.send('POST', '/api/admin/backfill', { args: [join('../../../../tmp/pwn'), { force: true }] });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { msg: string }).msg).toMatch(/invalid task definition[\s\S]*left/);
    const wrongStream = await d.send('POST', '/api/admin/backfill', {
      args: [
        { jobId: 'j2', job: { workerType: 'prove', taskDef: { kind: 'join', left: 'a', right: 'b' } } },
        { force: true },
      ],
    });
    expect(((await wrongStream.json()) as { msg: string }).msg).toMatch(/runs on the join stream, not prove/);
    // Written around the daemon's checks (the taskdb itself takes any JSON): the engine fails the task unrun.
    const tdb = SqliteTaskStore.open(taskDbPath(home), { actor: 'test' });
    await runAdminVerb(tdb, 'backfill', [join('../../../../tmp/pwn'), { force: true, actor: 'test' }]);
    await tdb.close();
    const failed = await until(async () => {
      const s = (await (await d.api('/api/jobs/j1')).json()) as { state: string; error: string | null };
      return s.state === 'failed' ? s : undefined;
    });
    expect(failed.error).toMatch(/invalid definition/);
    expect(zkvmChildren('pwn')).toEqual([]);
  });
});

describe('one data directory, one owner', () => {
  it('refuses a second daemon and an in-process engine, naming the pid that holds it', async () => {
    const home = tempDir();
    const first = await started(home);
    const before = readFileSync(join(home, 'daemon.json'), 'utf8');
    await expect(serve({ home, port: 0, host: '127.0.0.1' })).rejects.toThrow(
      new RegExp(`in use by pid ${process.pid} \\(bento serve\\)`),
    );
    await expect(Engine.open({ home })).rejects.toThrow(/in use by pid/);
    const cli = await execa('node', [join(ROOT, 'bin', 'bento.js'), '--home', home, 'serve', '--port', '0'], {
      reject: false,
      timeout: 30_000,
    });
    expect({ code: cli.exitCode, out: cli.stdout, err: cli.stderr }).toMatchObject({ code: 1 });
    expect(cli.stderr).toMatch(new RegExp(`in use by pid ${process.pid} \\(bento serve\\)`));
    // The first daemon's discovery file is untouched and it still answers.
    expect(readFileSync(join(home, 'daemon.json'), 'utf8')).toBe(before);
    expect((await first.api('/api/jobs')).status).toBe(200);
  });

  it('is free again at once after its owner is SIGKILLed', async () => {
    const home = tempDir();
    const child = spawn('node', [join(ROOT, 'bin', 'bento.js'), '--home', home, 'serve', '--port', '0'], {
      stdio: 'ignore',
    });
    await until(() => existsSync(join(home, 'daemon.json')), 30_000);
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGKILL');
    await exited;
    const d = await started(home);
    expect((await d.api('/api/jobs')).status).toBe(200);
  });
});

describe('discovery', () => {
  it('sends nothing to a stranger on a stale daemon.json port, and the CLI works in-process instead', async () => {
    const home = tempDir();
    mkdirSync(home, { recursive: true, mode: 0o700 });
    const seen: { method: string; url: string; headers: Record<string, unknown> }[] = [];
    const stranger: Server = createServer((req, res) => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ proof: 'f'.repeat(64), jobs: [], uuid: 'fake', url: 'http://127.0.0.1:1/' }));
    });
    await new Promise<void>((r) => stranger.listen(0, '127.0.0.1', r));
    onTestFinished(() => new Promise<void>((r) => stranger.close(() => r())));
    const port = (stranger.address() as { port: number }).port;
    // A live pid (ours) and a port someone else now listens on.
    writeFileSync(join(home, 'daemon.json'), JSON.stringify({ port, token: 'the-real-token', pid: process.pid }), {
      mode: 0o600,
    });
    expect(await discoverDaemon(home)).toBeUndefined();
    const prove = await execa(
      'node',
      [
        join(ROOT, 'bin', 'bento.js'),
        '--home',
        home,
        'prove',
        example('fib'),
        '--input-u32',
        '30',
        '--execute-only',
        '--json',
      ],
      { reject: false, timeout: 60_000 },
    );
    expect(prove.exitCode).toBe(0);
    expect(prove.stdout).toContain('28b20c00');
    expect(seen.length).toBeGreaterThan(0);
    for (const r of seen) {
      expect(r.url.startsWith('/api/identify?nonce=')).toBe(true);
      expect(JSON.stringify(r.headers)).not.toContain('the-real-token');
    }
  });

  it('finds the real daemon by its answer to the challenge', async () => {
    const home = tempDir();
    const d = await started(home);
    expect(await discoverDaemon(home)).toEqual({ port: d.port, token: d.token, pid: process.pid });
  });
});

describe('smaller faults of the API', () => {
  it('merges a partial settings update instead of resetting the fields it omits', async () => {
    const d = await started(tempDir());
    expect((await d.send('PUT', '/api/settings', { defaultPo2: 16, slots: { prove: 3 } })).status).toBe(200);
    const after = (await (
      await d.send('PUT', '/api/settings', { retentionHours: 5, slots: { join: 2 } })
    ).json()) as Record<string, unknown>;
    expect(after).toMatchObject({ defaultPo2: 16, retentionHours: 5, slots: { prove: 3, join: 2 } });
  });

  it('answers wrong-typed admin arguments, deep JSON and long paths with 400s and 414s as { type, msg }', async () => {
    const d = await started(tempDir());
    const bad = [
      ['listJobs', [{ limit: 'x' }]],
      ['listJobs', [{ limit: 1e300 }]],
      ['listTasks', [{ limit: -1.5, state: 7 }]],
      ['getJob', [{ an: 'object' }]],
      ['getTask', [[1], { x: 1 }]],
      ['summarizeTasks', [42]],
      ['deleteJob', [null, { force: 'yes' }]],
      ['resetTasks', [{ jobId: 5 }, { force: true, actor: 3 }]],
    ] as const;
    for (const [verb, args] of bad) {
      const res = await d.send('POST', `/api/admin/${verb}`, { args });
      expect({ verb, status: res.status }).toEqual({
        verb,
        status: expect.toSatisfy((n: number) => n >= 400 && n < 500),
      });
      expect(Object.keys((await res.json()) as object).sort()).toEqual(['msg', 'type']);
    }
    const deep = await d.send('POST', '/api/admin/backfill', `{"args":${'['.repeat(20_000)}${']'.repeat(20_000)}}`);
    expect(deep.status).toBe(400);
    expect(await deep.json()).toEqual({ type: 'InvalidRequest', msg: 'JSON nested deeper than 64 levels' });
    const long = await d.api(`/api/jobs/${'a'.repeat(300)}`);
    expect(long.status).toBe(414);
    expect(await long.json()).toEqual({ type: 'UriTooLong', msg: 'a path parameter is too long' });
  });

  it('serves many event-stream clients without a listener warning', async () => {
    const d = await started(tempDir());
    const warnings: string[] = [];
    const onWarning = (w: Error): void => void warnings.push(w.name);
    process.on('warning', onWarning);
    const abort = new AbortController();
    try {
      const streams = await Promise.all(
        Array.from({ length: 16 }, () => d.api('/api/events', { signal: abort.signal })),
      );
      for (const s of streams) expect(s.status).toBe(200);
      await d.api('/api/inputs', { method: 'POST', body: 'x' });
      await new Promise((r) => setImmediate(r));
    } finally {
      abort.abort();
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('MaxListenersExceededWarning');
  });

  it('streams uploads to disk: concurrent large uploads do not pile up in memory', async () => {
    const d = await started(tempDir(), { maxUploadBytes: 512 * 1024 * 1024 });
    const MB = 1024 * 1024;
    const body = (megabytes: number): ReadableStream<Uint8Array> => {
      const chunk = new Uint8Array(MB).fill(9);
      let sent = 0;
      return new ReadableStream({
        pull(controller) {
          if (sent++ < megabytes) controller.enqueue(chunk);
          else controller.close();
        },
      });
    };
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 10);
    try {
      const uploads = await Promise.all(
        [1, 2, 3, 4].map(() =>
          d.api('/api/inputs', { method: 'POST', body: body(100), duplex: 'half' } as RequestInit),
        ),
      );
      for (const res of uploads) expect(res.status).toBe(200);
    } finally {
      clearInterval(sampler);
    }
    // 400 MB went through; buffered, each upload would have been held whole (at least 400 MB).
    expect((peak - before) / MB).toBeLessThan(200);
  });

  it('never replaces a stored receipt or a content-addressed input with other bytes', async () => {
    const d = await started(tempDir());
    const { input } = (await (await d.api('/api/inputs', { method: 'POST', body: 'original' })).json()) as {
      input: string;
    };
    const other = await d.api(`/inputs/upload/${input}`, { method: 'PUT', body: 'replacement' });
    expect(other.status).toBe(400);
    expect(((await other.json()) as { type: string }).type).toBe('DigestMismatch');
    expect((await d.api(`/inputs/upload/${input}`, { method: 'PUT', body: 'original' })).status).toBe(200);
    expect((await d.api('/receipts/upload/job-1', { method: 'PUT', body: 'first' })).status).toBe(200);
    const again = await d.api('/receipts/upload/job-1', { method: 'PUT', body: 'second' });
    expect(again.status).toBe(409);
    expect(((await again.json()) as { type: string }).type).toBe('AlreadyExists');
  });

  it("removes a running job's children and files when an admin deletes it", async () => {
    const home = tempDir();
    const d = await started(home);
    const jobId = await spinningJob(d);
    await until(() => zkvmChildren(home).length > 0);
    expect(existsSync(join(home, 'work', jobId))).toBe(true);
    const res = await d.send('POST', '/api/admin/deleteJob', { args: [jobId, { force: true, actor: 'admin:test' }] });
    expect(res.status).toBe(200);
    await until(() => zkvmChildren(home).length === 0);
    expect(existsSync(join(home, 'work', jobId))).toBe(false);
    expect(readdirSync(join(home, 'logs'))).not.toContain(jobId);
    expect((await d.api('/api/jobs')).status).toBe(200);
  });

  it('verifies a stored receipt before handing it out, and fails the job of one that no longer verifies', async () => {
    const home = tempDir();
    const d = await started(home);
    const input = Buffer.alloc(4);
    input.writeUInt32LE(30);
    const { input: inputId } = (await (await d.api('/api/inputs', { method: 'POST', body: input })).json()) as {
      input: string;
    };
    const { elf } = (await (
      await d.api('/api/elfs', { method: 'POST', body: readFileSync(example('fib')) })
    ).json()) as { elf: string };
    const { jobId } = (await (
      await d.send('POST', '/api/jobs', { elf, input: inputId, po2: 14, receiptKind: 'composite' })
    ).json()) as {
      jobId: string;
    };
    await until(
      async () => ((await (await d.api(`/api/jobs/${jobId}`)).json()) as { phase: string }).phase === 'succeeded',
    );
    expect((await d.api(`/api/jobs/${jobId}/receipt`)).status).toBe(200);
    const path = join(home, 'receipts', jobId);
    const bytes = readFileSync(path);
    const middle = bytes.length >> 1;
    bytes[middle] = (bytes[middle] ?? 0) ^ 0xff;
    writeFileSync(path, bytes);
    const res = await d.api(`/api/jobs/${jobId}/receipt`);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { type: string }).type).toBe('ReceiptInvalid');
    const job = (await (await d.api(`/api/jobs/${jobId}`)).json()) as { phase: string; error: string };
    expect(job.phase).toBe('failed');
    expect(job.error).toMatch(/no longer verifies/);
    expect((await d.api(`/receipts/stark/receipt/${jobId}`)).status).toBe(404);
  });
});
