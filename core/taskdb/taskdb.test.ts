// The state machine's suite, run against both backends: SQLite (the
// desktop's) and PostgreSQL (a cluster's, on a throwaway server). The schema
// tests at the top are SQLite's own.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tmp.js';
import { taskDbBackends } from '../../test/helpers/taskdbbackends.js';
import { TaskDb } from './taskdb.js';
import { SqliteTaskStore } from './sqlitestore.js';
import Database from 'better-sqlite3';
import { deleteTasks } from './admin.js';
import { MIGRATIONS } from './schema.js';
import { type Json, TaskDbError } from './types.js';
import type { TaskStore } from './store.js';

function openDb(actor = 'test'): TaskDb {
  return TaskDb.open(join(tempDir(), 'taskdb.sqlite'), { actor });
}

async function states(tdb: TaskStore, jobId: string): Promise<Record<string, string>> {
  return Object.fromEntries((await tdb.getTasks(jobId)).map((t) => [t.taskId, t.state]));
}

describe('schema', () => {
  it('migrates to the latest version with WAL and foreign keys on', () => {
    const tdb = openDb();
    expect(tdb.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(tdb.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(tdb.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(tdb.db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it("summarizes a succinct job's lifts and shapes with its open joins, and counts its proofs", () => {
    const tdb = openDb();
    const s = tdb.createStream('prove', 1, 1, 'u');
    const job = tdb.createJob(s, { kind: 'execute' }, 1, 60, 'u');
    const task = (id: string, def: Json, prereqs: string[] = []) => tdb.createTask(job, id, s, def, prereqs, 1, 60);
    task('prove-0', { kind: 'prove', segment: 0, po2: 14 });
    task('prove-1', { kind: 'prove', segment: 1, po2: 14 });
    task('lift-0', { kind: 'lift', segment: 0 }, ['prove-0']);
    task('lift-1', { kind: 'lift', segment: 1 }, ['prove-1']);
    task('shapes', { kind: 'shapes' }, ['lift-0', 'lift-1']);
    task('join-1', { kind: 'join', left: 'lift-0', right: 'lift-1' }, ['lift-0', 'lift-1', 'shapes']);
    task('finalize', { kind: 'finalize' }, ['join-1']);
    expect(tdb.jobSummary(job, 10)).toMatchObject({ proves: 2, proven: 0, openJoins: 4, joins: 3, joined: 0 });
    tdb.close();
  });

  it('upgrades a first-version database: stopped jobs, task kinds and segments, deletes release dependants', async () => {
    const path = join(tempDir(), 'v1.sqlite');
    const old = new Database(path);
    old.exec(MIGRATIONS[0] as string);
    old.pragma('user_version = 1');
    old.exec(`
      INSERT INTO streams (id, worker_type, reserved, be_mult, user_id) VALUES ('s', 'prove', 1, 1, 'u');
      INSERT INTO jobs (id, state, user_id, created_at) VALUES ('j', 'running', 'u', 1);
      INSERT INTO jobs (id, state, error, user_id, created_at) VALUES ('gone', 'failed', 'stopped by user', 'u', 2);
      INSERT INTO tasks (job_id, task_id, stream_id, job_seq, task_def, prerequisites, state, created_at, waiting_on, timeout_secs)
      VALUES ('gone', 'init', 's', 2, '{"kind":"execute"}', '[]', 'failed', 2, 0, 60);
      INSERT INTO tasks (job_id, task_id, stream_id, job_seq, task_def, prerequisites, state, created_at, waiting_on, timeout_secs)
      VALUES ('j', 'init', 's', 1, '{"kind":"execute"}', '[]', 'done', 1, 0, 60),
             ('j', 'prove-0', 's', 1, '{"kind":"prove","segment":0,"po2":14}', '[]', 'running', 1, 0, 60),
             ('j', 'join-1', 's', 1, '{"kind":"join","left":"prove-0","right":"prove-0"}', '["prove-0"]', 'pending', 1, 1, 60);
      INSERT INTO task_deps (job_id, pre_task_id, post_task_id) VALUES ('j', 'prove-0', 'join-1');
    `);
    old.close();
    const tdb = TaskDb.open(path);
    expect(tdb.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(tdb.db.pragma('foreign_keys', { simple: true })).toBe(1);
    // A job stopped by the user is stopped, not failed; deleting it still takes its tasks along.
    expect(tdb.getJob('gone')).toMatchObject({ state: 'stopped', error: 'stopped by user' });
    expect(tdb.deleteJob('gone')).toBe(true);
    expect(tdb.getTasks('gone')).toEqual([]);
    expect(tdb.getTasks('j').map((t) => [t.taskId, t.kind, t.segment])).toEqual([
      ['init', 'execute', null],
      ['prove-0', 'prove', 0],
      ['join-1', 'join', null],
    ]);
    expect(tdb.jobSummary('j', 10)).toMatchObject({ proves: 1, proven: 0, openJoins: 1, firstProveStart: 10 });
    // The prove task goes: the join no longer waits on it.
    await deleteTasks(SqliteTaskStore.over(tdb), { jobId: 'j', taskId: 'prove-0' }, { force: true, actor: 'test' });
    expect(tdb.getTask('j', 'join-1')).toMatchObject({ state: 'ready', waitingOn: 0 });
    tdb.close();
  });

  it('reopens an existing database without re-running migrations', () => {
    const path = join(tempDir(), 'db.sqlite');
    const a = TaskDb.open(path);
    const stream = a.createStream('exec', 1, 1, 'u');
    const job = a.createJob(stream, { kind: 'x' }, 0, 10, 'u');
    a.close();
    const b = TaskDb.open(path);
    expect(b.getJob(job)?.state).toBe('running');
    b.close();
  });

  it('refuses a database from a newer version', () => {
    const path = join(tempDir(), 'db.sqlite');
    const a = TaskDb.open(path);
    a.db.pragma('user_version = 99');
    a.close();
    expect(() => TaskDb.open(path)).toThrow(/newer than this program knows/);
  });
});

describe.each(taskDbBackends())('the $name backend', (backend) => {
  if (backend.skip) {
    it.skip(`needs ${backend.skip}`, () => undefined);
    return;
  }
  const openStore = (actor = 'test'): Promise<TaskStore> => backend.open(actor);

  describe('streams and jobs', () => {
    it('rejects be_mult of zero and negative reservations', async () => {
      const tdb = await openStore();
      await expect(tdb.createStream('prove', 1, 0, 'u')).rejects.toThrow(/be_mult/);
      await expect(tdb.createStream('prove', -1, 1, 'u')).rejects.toThrow(/reserved/);
    });

    it('creates a running job with a ready init task', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('exec', 1, 1, 'alice');
      const job = await tdb.createJob(s, { elf: 'x' }, 2, 30, 'alice');
      expect(await tdb.getJob(job)).toMatchObject({ state: 'running', userId: 'alice', error: null, unfinished: 1 });
      const [init] = await tdb.getTasks(job);
      expect(init).toMatchObject({ taskId: 'init', state: 'ready', waitingOn: 0, maxRetries: 2, timeoutSecs: 30 });
      expect(init?.taskDef).toEqual({ elf: 'x' });
      expect(await tdb.getStream(s)).toMatchObject({ ready: 1, running: 0 });
      expect(await tdb.getConcurrentJobs('alice')).toEqual([job]);
      expect(await tdb.getConcurrentJobs('bob')).toEqual([]);
    });

    it('rejects a job on an unknown stream', async () => {
      const tdb = await openStore();
      await expect(tdb.createJob('nope', {}, 0, 1, 'u')).rejects.toThrow(/stream nope does not exist/);
    });
  });

  describe('createTask', () => {
    it('sets waiting_on to the prerequisites not yet done', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 0, 10, 'u');
      await tdb.createTask(job, 'a', s, {}, [], 0, 10);
      await tdb.createTask(job, 'b', s, {}, ['init', 'a'], 0, 10);
      expect(await tdb.getTask(job, 'b')).toMatchObject({
        state: 'pending',
        waitingOn: 2,
        prerequisites: ['init', 'a'],
      });
      expect(await tdb.updateTaskDone(job, 'a', { ok: 1 })).toBe(true);
      await tdb.createTask(job, 'c', s, {}, ['a'], 0, 10);
      expect(await tdb.getTask(job, 'c')).toMatchObject({ state: 'ready', waitingOn: 0 });
    });

    it('rejects unknown prerequisites, self-dependency, duplicates and unknown jobs', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 0, 10, 'u');
      await expect(tdb.createTask(job, 'a', s, {}, ['ghost'], 0, 10)).rejects.toThrow(/prerequisite ghost/);
      const cycle = await tdb.createTask(job, 'loop', s, {}, ['loop'], 0, 10).catch((e: unknown) => e);
      expect(cycle).toBeInstanceOf(TaskDbError);
      expect((cycle as TaskDbError).code).toBe('cycle');
      await expect(tdb.createTask(job, 'init', s, {}, [], 0, 10)).rejects.toThrow(/already exists/);
      await expect(tdb.createTask('ghost-job', 'a', s, {}, [], 0, 10)).rejects.toThrow(/job ghost-job does not exist/);
      await expect(tdb.createTask(job, 'a', s, {}, ['init', 'init'], 0, 10)).rejects.toThrow(/twice/);
      // A failed create leaves nothing behind.
      expect(Object.keys(await states(tdb, job))).toEqual(['init']);
    });

    it('refuses tasks for a job that is no longer running', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 0, 10, 'u');
      await tdb.updateTaskFailed(job, 'init', 'boom');
      await expect(tdb.createTask(job, 'a', s, {}, [], 0, 10)).rejects.toThrow(/is failed/);
    });
  });

  describe('requestWork', () => {
    it('claims each ready task once, oldest job first, oldest task first', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('prove', 1, 1, 'u');
      const e = await tdb.createStream('exec', 1, 1, 'u');
      const j1 = await tdb.createJob(e, {}, 0, 10, 'u');
      const j2 = await tdb.createJob(e, {}, 0, 10, 'u');
      await tdb.createTask(j2, 'x', s, { n: 1 }, [], 0, 10);
      await tdb.createTask(j1, 'b', s, { n: 2 }, [], 0, 10);
      await tdb.createTask(j1, 'a', s, { n: 3 }, [], 0, 10);
      const order: string[] = [];
      for (let i = 0; i < 3; i++) {
        const w = await tdb.requestWork('prove');
        order.push(`${w?.jobId === j1 ? 'j1' : 'j2'}:${w?.taskId}`);
      }
      expect(order).toEqual(['j1:b', 'j1:a', 'j2:x']);
      expect(await tdb.requestWork('prove')).toBeUndefined();
      expect(await tdb.getTask(j1, 'b')).toMatchObject({ state: 'running' });
      expect((await tdb.getTask(j1, 'b'))?.startedAt).toBeGreaterThan(0);
      expect(await tdb.getStream(s)).toMatchObject({ ready: 0, running: 3 });
    });

    it('returns what the worker needs', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('exec', 1, 1, 'u');
      const job = await tdb.createJob(s, { elf: 'abc' }, 3, 10, 'u');
      expect(await tdb.requestWork('exec')).toEqual({
        jobId: job,
        taskId: 'init',
        taskDef: { elf: 'abc' },
        prereqs: [],
        maxRetries: 3,
      });
      expect(await tdb.requestWork('prove')).toBeUndefined();
    });

    it('serves streams under their reservation first, then by running over multiplier', async () => {
      const tdb = await openStore();
      const reserved = await tdb.createStream('prove', 2, 1, 'gold');
      const bestEffort = await tdb.createStream('prove', 0, 1, 'free');
      const exec = await tdb.createStream('exec', 1, 1, 'u');
      const jg = await tdb.createJob(exec, {}, 0, 10, 'gold');
      const jf = await tdb.createJob(exec, {}, 0, 10, 'free');
      // The best-effort job is older, but the reserved stream is under its reservation.
      for (let i = 0; i < 4; i++) await tdb.createTask(jf, `f${i}`, bestEffort, {}, [], 0, 10);
      for (let i = 0; i < 4; i++) await tdb.createTask(jg, `g${i}`, reserved, {}, [], 0, 10);
      const claimed: (string | undefined)[] = [];
      for (let i = 0; i < 4; i++) claimed.push((await tdb.requestWork('prove'))?.taskId);
      // gold: priority -1, -0.5 (reserved), then both at 0: tie broken by larger reservation (gold),
      // then free (0) beats gold (1).
      expect(claimed).toEqual(['g0', 'g1', 'g2', 'f0']);
    });

    it('hands out nothing of a failed job', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 0, 10, 'u');
      await tdb.createTask(job, 'a', s, {}, [], 0, 10);
      await tdb.createTask(job, 'b', s, {}, [], 0, 10);
      expect((await tdb.requestWork('w'))?.taskId).toBe('init');
      await tdb.updateTaskFailed(job, 'init', 'exec crashed');
      expect(await tdb.requestWork('w')).toBeUndefined();
      expect(await states(tdb, job)).toEqual({ init: 'failed', a: 'failed', b: 'failed' });
      expect((await tdb.getTask(job, 'a'))?.error).toBe('cancelled: exec crashed');
      expect(await tdb.getStream(s)).toMatchObject({ ready: 0, running: 0 });
    });
  });

  describe('updateTaskDone', () => {
    it('readies dependants and completes the job when nothing is left', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 0, 10, 'u');
      await tdb.createTask(job, 'a', s, {}, ['init'], 0, 10);
      await tdb.createTask(job, 'b', s, {}, ['init'], 0, 10);
      await tdb.createTask(job, 'j', s, {}, ['a', 'b'], 0, 10);
      expect(await tdb.updateTaskDone(job, 'init', { segments: 2 })).toBe(true);
      expect(await states(tdb, job)).toMatchObject({ a: 'ready', b: 'ready', j: 'pending' });
      await tdb.updateTaskDone(job, 'a', null);
      expect(await tdb.getTask(job, 'j')).toMatchObject({ state: 'pending', waitingOn: 1 });
      await tdb.updateTaskDone(job, 'b', null);
      expect(await tdb.getTask(job, 'j')).toMatchObject({ state: 'ready', waitingOn: 0 });
      expect(await tdb.getJobState(job)).toBe('running');
      await tdb.updateTaskDone(job, 'j', { receipt: 'r' });
      const done = await tdb.getJob(job);
      expect(done?.state).toBe('done');
      expect(done?.endedAt).toBeGreaterThan(0);
      expect(await tdb.getTask(job, 'init')).toMatchObject({ output: { segments: 2 }, progress: 1 });
    });

    it('applies once: done twice, or done after failed, is refused', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 0, 10, 'u');
      await tdb.createTask(job, 'a', s, {}, [], 0, 10);
      await tdb.createTask(job, 'z', s, {}, ['a', 'init'], 0, 10);
      expect(await tdb.updateTaskDone(job, 'a', 1)).toBe(true);
      expect(await tdb.updateTaskDone(job, 'a', 2)).toBe(false);
      expect((await tdb.getTask(job, 'a'))?.output).toBe(1);
      // Doing "a" twice must not release "z" twice.
      expect(await tdb.getTask(job, 'z')).toMatchObject({ waitingOn: 1, state: 'pending' });
      expect(await tdb.updateTaskFailed(job, 'init', 'x')).toBe(true);
      expect(await tdb.updateTaskDone(job, 'init', 3)).toBe(false);
      expect(await tdb.updateTaskFailed(job, 'a', 'late')).toBe(false);
      expect(await tdb.updateTaskDone('ghost', 'a', 1)).toBe(false);
    });

    it('does not release pending tasks that were never claimable (pending -> done is refused)', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 0, 10, 'u');
      await tdb.createTask(job, 'a', s, {}, ['init'], 0, 10);
      expect(await tdb.updateTaskDone(job, 'a', 1)).toBe(false);
      expect((await tdb.getTask(job, 'a'))?.state).toBe('pending');
    });
  });

  describe('updateTaskFailed', () => {
    it('keeps the first failure as the job error', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 0, 10, 'u');
      await tdb.createTask(job, 'a', s, {}, [], 0, 10);
      await tdb.requestWork('w');
      await tdb.requestWork('w');
      expect(await tdb.updateTaskFailed(job, 'a', 'first')).toBe(true);
      expect(await tdb.updateTaskFailed(job, 'init', 'second')).toBe(true);
      expect(await tdb.getJob(job)).toMatchObject({ state: 'failed', error: 'first' });
      expect((await tdb.getTask(job, 'init'))?.error).toBe('second');
    });
  });

  describe('updateTaskRetry', () => {
    it('requeues a running task until max retries, then fails with the last error', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 2, 10, 'u');
      for (let attempt = 1; attempt <= 2; attempt++) {
        expect((await tdb.requestWork('w'))?.taskId).toBe('init');
        await tdb.updateTaskProgress(job, 'init', 0.5);
        expect(await tdb.updateTaskRetry(job, 'init', `crash ${attempt}`)).toBe(true);
        expect(await tdb.getTask(job, 'init')).toMatchObject({
          state: 'ready',
          retries: attempt,
          progress: 0,
          error: `crash ${attempt}`,
        });
      }
      await tdb.requestWork('w');
      expect(await tdb.updateTaskRetry(job, 'init', 'crash 3')).toBe(false);
      expect(await tdb.getTask(job, 'init')).toMatchObject({
        state: 'failed',
        retries: 3,
        error: 'retry max hit: crash 3',
      });
      expect(await tdb.getJob(job)).toMatchObject({ state: 'failed', error: 'retry max hit: crash 3' });
    });

    it('only applies to running tasks', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 2, 10, 'u');
      expect(await tdb.updateTaskRetry(job, 'init')).toBe(false);
      expect(await tdb.updateTaskRetry(job, 'ghost')).toBe(false);
      expect((await tdb.getTask(job, 'init'))?.retries).toBe(0);
    });

    it('fails instead of requeueing when the job has already failed', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 5, 10, 'u');
      await tdb.createTask(job, 'a', s, {}, [], 5, 10);
      await tdb.requestWork('w');
      await tdb.requestWork('w');
      await tdb.updateTaskFailed(job, 'init', 'boom');
      expect(await tdb.updateTaskRetry(job, 'a', 'killed')).toBe(false);
      expect(await tdb.getTask(job, 'a')).toMatchObject({ state: 'failed', error: 'cancelled: job is failed' });
      expect(await tdb.requestWork('w')).toBeUndefined();
    });
  });

  describe('progress and timeouts', () => {
    it('progress is monotonic and only moves for ready or running tasks', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 0, 10, 'u');
      await tdb.requestWork('w');
      expect(await tdb.updateTaskProgress(job, 'init', 0.6)).toBe(true);
      expect(await tdb.updateTaskProgress(job, 'init', 0.2)).toBe(true);
      expect((await tdb.getTask(job, 'init'))?.progress).toBeCloseTo(0.6);
      await tdb.updateTaskDone(job, 'init', null);
      expect(await tdb.updateTaskProgress(job, 'init', 0.1)).toBe(false);
    });

    it('requeues running tasks past their deadline, counting progress as a heartbeat', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 1, 5, 'u');
      await tdb.createTask(job, 'a', s, {}, [], 1, 5);
      await tdb.requestWork('w');
      await tdb.requestWork('w');
      const past = Date.now() - 10_000;
      await backend.exec(tdb, 'UPDATE tasks SET started_at = $1, updated_at = NULL', [past]);
      // "a" reported progress recently: it is alive.
      await backend.exec(tdb, "UPDATE tasks SET updated_at = $1 WHERE task_id = 'a'", [Date.now()]);
      expect(await tdb.requeueTimedOut()).toBe(1);
      expect(await tdb.getTask(job, 'init')).toMatchObject({ state: 'ready', retries: 1, error: 'timed out after 5s' });
      expect((await tdb.getTask(job, 'a'))?.state).toBe('running');
      expect(await tdb.requeueTimedOut()).toBe(0);
      const events = (await tdb.getEvents(job)).filter((e) => e.taskId === 'init');
      expect(events.at(-1)).toMatchObject({
        from: 'running',
        to: 'ready',
        actor: 'sweeper',
        reason: 'retry: timed out after 5s',
      });
    });

    it('re-queues every running task after a crash', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 1, 5, 'u');
      await tdb.requestWork('w');
      expect(await tdb.requeueAllRunning()).toBe(1);
      expect(await tdb.getTask(job, 'init')).toMatchObject({ state: 'ready', retries: 1 });
    });
  });

  describe('leases and workers', () => {
    it('a worker that goes silent loses its tasks when their lease ends; heartbeats keep them', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('prove', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 2, 3600, 'u');
      await tdb.createTask(job, 'a', s, {}, [], 2, 3600);
      await tdb.registerWorker({ id: 'w1', host: 'gpu-box', streams: ['prove'], slots: 2 });
      await tdb.registerWorker({ id: 'w2', host: 'cpu-box', streams: ['prove'], slots: 1 });
      expect(await tdb.requestWork('prove', { actor: 'w1' }, { workerId: 'w1', ms: 60_000 })).toMatchObject({
        taskId: 'init',
      });
      expect(await tdb.requestWork('prove', { actor: 'w2' }, { workerId: 'w2', ms: 60_000 })).toMatchObject({
        taskId: 'a',
      });
      const workers = await tdb.listWorkers(0);
      expect(workers.map((w) => [w.id, w.host, w.streams, w.slots, w.running])).toEqual([
        ['w1', 'gpu-box', ['prove'], 2, [{ jobId: job, taskId: 'init' }]],
        ['w2', 'cpu-box', ['prove'], 1, [{ jobId: job, taskId: 'a' }]],
      ]);
      // Both leases run out, w1 was last heard a minute ago (so it is not heard from within the same
      // millisecond as w2 on a fast machine); only w2 is heard from again, which moves its lease on.
      await backend.exec(tdb, 'UPDATE tasks SET lease_until = $1', [Date.now() - 1]);
      await backend.exec(tdb, 'UPDATE workers SET last_heartbeat = $1', [Date.now() - 60_000]);
      expect(await tdb.heartbeat('w2', 60_000)).toBe(true);
      expect(await tdb.heartbeat('ghost', 60_000)).toBe(false);
      expect(await tdb.requeueTimedOut()).toBe(1);
      expect(await tdb.getTask(job, 'init')).toMatchObject({
        state: 'ready',
        retries: 1,
        error: 'lease of worker w1 ended',
      });
      expect(await tdb.getTask(job, 'a')).toMatchObject({ state: 'running' });
      expect((await tdb.getEvents(job)).filter((e) => e.taskId === 'init').at(-1)).toMatchObject({
        from: 'running',
        to: 'ready',
        actor: 'sweeper',
        reason: 'retry: lease of worker w1 ended',
      });
      // Another worker claims it; the silent one is listed only while heard from.
      expect((await tdb.requestWork('prove', { actor: 'w2' }, { workerId: 'w2', ms: 60_000 }))?.taskId).toBe('init');
      const lastHeard = (await tdb.listWorkers(0)).find((w) => w.id === 'w2')?.lastHeartbeat ?? 0;
      expect((await tdb.listWorkers(lastHeard)).map((w) => [w.id, w.running.length])).toEqual([['w2', 2]]);
      await tdb.removeWorker('w2');
      expect((await tdb.listWorkers(0)).map((w) => w.id)).toEqual(['w1']);
    });

    it('a task claimed without a lease is taken back only by its timeout', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 1, 3600, 'u');
      await tdb.requestWork('w');
      expect(await tdb.requeueTimedOut()).toBe(0);
      expect(await tdb.getTask(job, 'init')).toMatchObject({ state: 'running' });
    });
  });

  describe('contention', () => {
    it('claimers on separate connections racing for the same tasks never get the same one', async () => {
      const a = await openStore();
      const b = await backend.connect(a, 'test-b');
      const s = await a.createStream('prove', 2, 1, 'u');
      const job = await a.createJob(s, {}, 0, 60, 'u');
      await a.transaction(undefined, async (tx) => {
        for (let i = 0; i < 200; i++) await tx.createTask(job, `t${i}`, s, { i }, [], 0, 60);
      });
      const claimed: string[] = [];
      const claimer = async (tdb: TaskStore, name: string): Promise<void> => {
        for (
          let w = await tdb.requestWork('prove', { actor: name });
          w;
          w = await tdb.requestWork('prove', { actor: name })
        )
          claimed.push(w.taskId);
      };
      // Four claimers on each connection, all at once.
      await Promise.all([0, 1, 2, 3].flatMap((i) => [claimer(a, `a${i}`), claimer(b, `b${i}`)]));
      expect(claimed).toHaveLength(201);
      expect(new Set(claimed).size).toBe(201);
      const claims = (await a.getEvents(job)).filter((e) => e.taskId !== null && e.to === 'running');
      expect(claims).toHaveLength(201);
      expect(await a.getStream(s)).toMatchObject({ ready: 0, running: 201 });
      expect(await a.checkConsistency()).toEqual({
        streamCounters: [],
        jobCounters: [],
        leakingTasks: [],
        badWaits: [],
      });
    });

    it('processes making sure of the same streams at once all get the same ones', async () => {
      const a = await openStore();
      const b = await backend.connect(a, 'test-b');
      const kinds = ['exec', 'prove', 'join', 'aux'];
      const [x, y] = await Promise.all([a.ensureStreams(kinds, 'local'), b.ensureStreams(kinds, 'local')]);
      expect(x).toEqual(y);
      expect(Object.keys(x ?? {})).toEqual(kinds);
      expect((await a.getStreams()).map((st) => st.id).sort()).toEqual(Object.values(x ?? {}).sort());
      expect(await a.ensureStreams(['prove'], 'local')).toEqual({ prove: x?.prove });
    });
  });

  describe('consistency', () => {
    it('finds the counters and waits agreeing with the rows after every kind of change', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const a = await tdb.createJob(s, {}, 1, 10, 'u');
      await tdb.createTask(a, 'x', s, {}, ['init'], 1, 10);
      await tdb.createTask(a, 'y', s, {}, ['init', 'x'], 1, 10);
      await tdb.requestWork('w');
      await tdb.updateTaskDone(a, 'init', null);
      const b = await tdb.createJob(s, {}, 1, 10, 'u');
      await tdb.createTask(b, 'x', s, {}, ['init'], 1, 10);
      await tdb.updateTaskFailed(b, 'init', 'boom');
      const clean = { streamCounters: [], jobCounters: [], leakingTasks: [], badWaits: [] };
      expect(await tdb.checkConsistency()).toEqual(clean);
      // A counter written behind the triggers' back is found.
      await backend.exec(tdb, 'UPDATE streams SET ready = ready + 1');
      await backend.exec(tdb, "UPDATE tasks SET waiting_on = 2 WHERE task_id = 'y'");
      expect(await tdb.checkConsistency()).toEqual({ ...clean, streamCounters: [s], badWaits: [`${a}/y`] });
    });

    it('a transaction is all or nothing', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 0, 10, 'u');
      await expect(
        tdb.transaction({ actor: 'planner' }, async (tx) => {
          await tx.createTask(job, 'a', s, {}, [], 0, 10);
          await tx.createTask(job, 'a', s, {}, [], 0, 10);
        }),
      ).rejects.toThrow(/already exists/);
      expect(Object.keys(await states(tdb, job))).toEqual(['init']);
      await tdb.transaction({ actor: 'planner' }, async (tx) => {
        await tx.createTask(job, 'a', s, {}, [], 0, 10);
        await tx.createTask(job, 'b', s, {}, ['a'], 0, 10);
      });
      expect(await states(tdb, job)).toEqual({ init: 'ready', a: 'ready', b: 'pending' });
      expect((await tdb.getEvents(job)).filter((e) => e.taskId === 'b').map((e) => e.actor)).toEqual(['planner']);
    });
  });

  describe('events, delete and lookups', () => {
    it('records every transition with actor and reason', async () => {
      const tdb = await openStore('daemon');
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 0, 10, 'u', { actor: 'api', reason: 'session created' });
      await tdb.requestWork('w', { actor: 'worker-1' });
      await tdb.updateTaskDone(job, 'init', null, { actor: 'worker-1' });
      const events = (await tdb.getEvents(job)).map((e) => [e.taskId, e.from, e.to, e.actor, e.reason]);
      expect(events).toEqual([
        [null, null, 'running', 'api', 'session created'],
        ['init', null, 'ready', 'api', 'session created'],
        ['init', 'ready', 'running', 'worker-1', null],
        ['init', 'running', 'done', 'worker-1', null],
        [null, 'running', 'done', 'worker-1', null],
      ]);
      const since = await tdb.getEventsSince((await tdb.getEvents(job))[2]?.id ?? 0);
      expect(since.map((e) => e.to)).toEqual(['done', 'done']);
    });

    it('deletes a job in one transaction, keeping one audit event', async () => {
      const tdb = await openStore();
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 0, 10, 'u');
      await tdb.createTask(job, 'a', s, {}, ['init'], 0, 10);
      await tdb.requestWork('w');
      expect(await tdb.deleteJob(job, { actor: 'admin', reason: 'cleanup' })).toBe(true);
      expect(await tdb.getJob(job)).toBeUndefined();
      expect(await tdb.getTasks(job)).toEqual([]);
      expect(await backend.exec(tdb, 'SELECT count(*) AS n FROM task_deps')).toEqual([{ n: 0 }]);
      expect(await tdb.getStream(s)).toMatchObject({ ready: 0, running: 0 });
      expect((await tdb.getEvents(job)).map((e) => [e.from, e.to, e.actor, e.reason])).toEqual([
        ['running', 'deleted', 'admin', 'cleanup'],
      ]);
      expect(await tdb.deleteJob(job)).toBe(false);
    });

    it('reports unknown jobs and tasks clearly', async () => {
      const tdb = await openStore();
      expect(await tdb.getJob('nope')).toBeUndefined();
      expect(await tdb.getJobState('nope')).toBeUndefined();
      await expect(tdb.requireJob('nope')).rejects.toThrow('job nope does not exist');
      const s = await tdb.createStream('w', 1, 1, 'u');
      const job = await tdb.createJob(s, {}, 0, 10, 'u');
      await expect(tdb.requireTask(job, 'nope')).rejects.toThrow(`task nope does not exist in job ${job}`);
    });
  });
});
