// The taskdb across OS processes: concurrent claimers never share a task, and a
// writer killed mid-burst leaves a database that opens and recovers.

import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { TaskDb } from '../core/taskdb/taskdb.js';
import { tempDir } from './helpers/tmp.js';

const run = promisify(execFile);
const fixtures = join(import.meta.dirname, 'fixtures');

beforeAll(() => {
  if (!existsSync(join(import.meta.dirname, '..', 'dist', 'core', 'taskdb', 'taskdb.js'))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does) before these tests');
  }
});

describe('taskdb across processes', () => {
  it('two processes claiming from one database never get the same task', async () => {
    const path = join(tempDir(), 'taskdb.sqlite');
    const tdb = TaskDb.open(path);
    const stream = tdb.createStream('prove', 2, 1, 'u');
    const job = tdb.createJob(stream, {}, 0, 60, 'u');
    for (let i = 0; i < 1500; i++) tdb.createTask(job, `t${i}`, stream, { i }, [], 0, 60);
    tdb.close();

    const startAt = String(Date.now() + 700);
    const [a, b] = await Promise.all(
      [0, 1].map(() =>
        run(process.execPath, [join(fixtures, 'claimer.mjs'), path, 'prove', startAt], { maxBuffer: 1 << 24 }),
      ),
    );
    const claimsA = JSON.parse(a?.stdout ?? '[]') as string[];
    const claimsB = JSON.parse(b?.stdout ?? '[]') as string[];
    const all = [...claimsA, ...claimsB];
    expect(new Set(all).size).toBe(all.length);
    expect(all.length).toBe(1501);
    // Both really took part.
    expect(claimsA.length).toBeGreaterThan(50);
    expect(claimsB.length).toBeGreaterThan(50);
    const check = TaskDb.open(path);
    expect(check.getJobState(job)).toBe('done');
    check.close();
  });

  it('a writer killed with SIGKILL mid-burst leaves a sound database whose running tasks are re-queued', async () => {
    const path = join(tempDir(), 'taskdb.sqlite');
    const child: ChildProcess = spawn(process.execPath, [join(fixtures, 'writer.mjs'), path], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    await new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', (d: Buffer) => d.toString().includes('ready') && resolve());
      child.on('exit', (code) => reject(new Error(`writer exited early with ${code}`)));
    });
    await new Promise((r) => setTimeout(r, 300 + Math.random() * 300));
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    const tdb = TaskDb.open(path, { actor: 'daemon' });
    expect(tdb.db.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(tdb.db.pragma('foreign_key_check')).toEqual([]);
    const jobs = (tdb.db.prepare('SELECT count(*) AS n FROM jobs').get() as { n: number }).n;
    expect(jobs).toBeGreaterThan(20);
    const running = tdb.db.prepare("SELECT job_id, task_id FROM tasks WHERE state = 'running'").all() as {
      job_id: string;
      task_id: string;
    }[];
    expect(running.length).toBeGreaterThan(0);
    // Counters survived the crash consistent with the rows.
    const mismatched = tdb.db
      .prepare(
        "SELECT id FROM streams s WHERE s.running != (SELECT count(*) FROM tasks t WHERE t.stream_id = s.id AND t.state = 'running')",
      )
      .all();
    expect(mismatched).toEqual([]);
    // The writer's tasks have a 1 s timeout: once it passes, the sweeper re-queues them.
    await new Promise((r) => setTimeout(r, 1100));
    expect(tdb.requeueTimedOut(100_000)).toBe(running.length);
    for (const r of running) expect(tdb.getTask(r.job_id, r.task_id)).toMatchObject({ state: 'ready', retries: 1 });
    expect(tdb.requestWork('prove')).toBeDefined();
    tdb.close();
  });
});
