import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tmp.js';
import { TaskDb } from './taskdb.js';
import Database from 'better-sqlite3';
import { deleteTasks } from './admin.js';
import { MIGRATIONS } from './schema.js';
import { TaskDbError } from './types.js';

function openDb(actor = 'test'): TaskDb {
  return TaskDb.open(join(tempDir(), 'taskdb.sqlite'), { actor });
}

function states(tdb: TaskDb, jobId: string): Record<string, string> {
  return Object.fromEntries(tdb.getTasks(jobId).map((t) => [t.taskId, t.state]));
}

describe('schema', () => {
  it('migrates to the latest version with WAL and foreign keys on', () => {
    const tdb = openDb();
    expect(tdb.db.pragma('user_version', { simple: true })).toBe(MIGRATIONS.length);
    expect(tdb.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(tdb.db.pragma('foreign_keys', { simple: true })).toBe(1);
    expect(tdb.db.pragma('busy_timeout', { simple: true })).toBe(5000);
  });

  it('upgrades a first-version database: stopped jobs, task kinds and segments, deletes release dependants', () => {
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
    deleteTasks(tdb, { jobId: 'j', taskId: 'prove-0' }, { force: true, actor: 'test' });
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

describe('streams and jobs', () => {
  it('rejects be_mult of zero and negative reservations', () => {
    const tdb = openDb();
    expect(() => tdb.createStream('prove', 1, 0, 'u')).toThrow(/be_mult/);
    expect(() => tdb.createStream('prove', -1, 1, 'u')).toThrow(/reserved/);
  });

  it('creates a running job with a ready init task', () => {
    const tdb = openDb();
    const s = tdb.createStream('exec', 1, 1, 'alice');
    const job = tdb.createJob(s, { elf: 'x' }, 2, 30, 'alice');
    expect(tdb.getJob(job)).toMatchObject({ state: 'running', userId: 'alice', error: null, unfinished: 1 });
    const [init] = tdb.getTasks(job);
    expect(init).toMatchObject({ taskId: 'init', state: 'ready', waitingOn: 0, maxRetries: 2, timeoutSecs: 30 });
    expect(init?.taskDef).toEqual({ elf: 'x' });
    expect(tdb.getStream(s)).toMatchObject({ ready: 1, running: 0 });
    expect(tdb.getConcurrentJobs('alice')).toEqual([job]);
    expect(tdb.getConcurrentJobs('bob')).toEqual([]);
  });

  it('rejects a job on an unknown stream', () => {
    const tdb = openDb();
    expect(() => tdb.createJob('nope', {}, 0, 1, 'u')).toThrow(/stream nope does not exist/);
  });
});

describe('createTask', () => {
  it('sets waiting_on to the prerequisites not yet done', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 0, 10, 'u');
    tdb.createTask(job, 'a', s, {}, [], 0, 10);
    tdb.createTask(job, 'b', s, {}, ['init', 'a'], 0, 10);
    expect(tdb.getTask(job, 'b')).toMatchObject({ state: 'pending', waitingOn: 2, prerequisites: ['init', 'a'] });
    expect(tdb.updateTaskDone(job, 'a', { ok: 1 })).toBe(true);
    tdb.createTask(job, 'c', s, {}, ['a'], 0, 10);
    expect(tdb.getTask(job, 'c')).toMatchObject({ state: 'ready', waitingOn: 0 });
  });

  it('rejects unknown prerequisites, self-dependency, duplicates and unknown jobs', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 0, 10, 'u');
    expect(() => tdb.createTask(job, 'a', s, {}, ['ghost'], 0, 10)).toThrow(/prerequisite ghost/);
    const cycle = (() => {
      try {
        tdb.createTask(job, 'loop', s, {}, ['loop'], 0, 10);
      } catch (e) {
        return e;
      }
    })();
    expect(cycle).toBeInstanceOf(TaskDbError);
    expect((cycle as TaskDbError).code).toBe('cycle');
    expect(() => tdb.createTask(job, 'init', s, {}, [], 0, 10)).toThrow(/already exists/);
    expect(() => tdb.createTask('ghost-job', 'a', s, {}, [], 0, 10)).toThrow(/job ghost-job does not exist/);
    expect(() => tdb.createTask(job, 'a', s, {}, ['init', 'init'], 0, 10)).toThrow(/twice/);
    // A failed create leaves nothing behind.
    expect(Object.keys(states(tdb, job))).toEqual(['init']);
  });

  it('refuses tasks for a job that is no longer running', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 0, 10, 'u');
    tdb.updateTaskFailed(job, 'init', 'boom');
    expect(() => tdb.createTask(job, 'a', s, {}, [], 0, 10)).toThrow(/is failed/);
  });
});

describe('requestWork', () => {
  it('claims each ready task once, oldest job first, oldest task first', () => {
    const tdb = openDb();
    const s = tdb.createStream('prove', 1, 1, 'u');
    const e = tdb.createStream('exec', 1, 1, 'u');
    const j1 = tdb.createJob(e, {}, 0, 10, 'u');
    const j2 = tdb.createJob(e, {}, 0, 10, 'u');
    tdb.createTask(j2, 'x', s, { n: 1 }, [], 0, 10);
    tdb.createTask(j1, 'b', s, { n: 2 }, [], 0, 10);
    tdb.createTask(j1, 'a', s, { n: 3 }, [], 0, 10);
    const order = [1, 2, 3].map(() => {
      const w = tdb.requestWork('prove');
      return `${w?.jobId === j1 ? 'j1' : 'j2'}:${w?.taskId}`;
    });
    expect(order).toEqual(['j1:b', 'j1:a', 'j2:x']);
    expect(tdb.requestWork('prove')).toBeUndefined();
    expect(tdb.getTask(j1, 'b')).toMatchObject({ state: 'running' });
    expect(tdb.getTask(j1, 'b')?.startedAt).toBeGreaterThan(0);
    expect(tdb.getStream(s)).toMatchObject({ ready: 0, running: 3 });
  });

  it('returns what the worker needs', () => {
    const tdb = openDb();
    const s = tdb.createStream('exec', 1, 1, 'u');
    const job = tdb.createJob(s, { elf: 'abc' }, 3, 10, 'u');
    expect(tdb.requestWork('exec')).toEqual({
      jobId: job,
      taskId: 'init',
      taskDef: { elf: 'abc' },
      prereqs: [],
      maxRetries: 3,
    });
    expect(tdb.requestWork('prove')).toBeUndefined();
  });

  it('serves streams under their reservation first, then by running over multiplier', () => {
    const tdb = openDb();
    const reserved = tdb.createStream('prove', 2, 1, 'gold');
    const bestEffort = tdb.createStream('prove', 0, 1, 'free');
    const exec = tdb.createStream('exec', 1, 1, 'u');
    const jg = tdb.createJob(exec, {}, 0, 10, 'gold');
    const jf = tdb.createJob(exec, {}, 0, 10, 'free');
    // The best-effort job is older, but the reserved stream is under its reservation.
    for (let i = 0; i < 4; i++) tdb.createTask(jf, `f${i}`, bestEffort, {}, [], 0, 10);
    for (let i = 0; i < 4; i++) tdb.createTask(jg, `g${i}`, reserved, {}, [], 0, 10);
    const claimed = [1, 2, 3, 4].map(() => tdb.requestWork('prove')?.taskId);
    // gold: priority -1, -0.5 (reserved), then both at 0: tie broken by larger reservation (gold),
    // then free (0) beats gold (1).
    expect(claimed).toEqual(['g0', 'g1', 'g2', 'f0']);
  });

  it('hands out nothing of a failed job', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 0, 10, 'u');
    tdb.createTask(job, 'a', s, {}, [], 0, 10);
    tdb.createTask(job, 'b', s, {}, [], 0, 10);
    expect(tdb.requestWork('w')?.taskId).toBe('init');
    tdb.updateTaskFailed(job, 'init', 'exec crashed');
    expect(tdb.requestWork('w')).toBeUndefined();
    expect(states(tdb, job)).toEqual({ init: 'failed', a: 'failed', b: 'failed' });
    expect(tdb.getTask(job, 'a')?.error).toBe('cancelled: exec crashed');
    expect(tdb.getStream(s)).toMatchObject({ ready: 0, running: 0 });
  });
});

describe('updateTaskDone', () => {
  it('readies dependants and completes the job when nothing is left', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 0, 10, 'u');
    tdb.createTask(job, 'a', s, {}, ['init'], 0, 10);
    tdb.createTask(job, 'b', s, {}, ['init'], 0, 10);
    tdb.createTask(job, 'j', s, {}, ['a', 'b'], 0, 10);
    expect(tdb.updateTaskDone(job, 'init', { segments: 2 })).toBe(true);
    expect(states(tdb, job)).toMatchObject({ a: 'ready', b: 'ready', j: 'pending' });
    tdb.updateTaskDone(job, 'a', null);
    expect(tdb.getTask(job, 'j')).toMatchObject({ state: 'pending', waitingOn: 1 });
    tdb.updateTaskDone(job, 'b', null);
    expect(tdb.getTask(job, 'j')).toMatchObject({ state: 'ready', waitingOn: 0 });
    expect(tdb.getJobState(job)).toBe('running');
    tdb.updateTaskDone(job, 'j', { receipt: 'r' });
    const done = tdb.getJob(job);
    expect(done?.state).toBe('done');
    expect(done?.endedAt).toBeGreaterThan(0);
    expect(tdb.getTask(job, 'init')).toMatchObject({ output: { segments: 2 }, progress: 1 });
  });

  it('applies once: done twice, or done after failed, is refused', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 0, 10, 'u');
    tdb.createTask(job, 'a', s, {}, [], 0, 10);
    tdb.createTask(job, 'z', s, {}, ['a', 'init'], 0, 10);
    expect(tdb.updateTaskDone(job, 'a', 1)).toBe(true);
    expect(tdb.updateTaskDone(job, 'a', 2)).toBe(false);
    expect(tdb.getTask(job, 'a')?.output).toBe(1);
    // Doing "a" twice must not release "z" twice.
    expect(tdb.getTask(job, 'z')).toMatchObject({ waitingOn: 1, state: 'pending' });
    expect(tdb.updateTaskFailed(job, 'init', 'x')).toBe(true);
    expect(tdb.updateTaskDone(job, 'init', 3)).toBe(false);
    expect(tdb.updateTaskFailed(job, 'a', 'late')).toBe(false);
    expect(tdb.updateTaskDone('ghost', 'a', 1)).toBe(false);
  });

  it('does not release pending tasks that were never claimable (pending -> done is refused)', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 0, 10, 'u');
    tdb.createTask(job, 'a', s, {}, ['init'], 0, 10);
    expect(tdb.updateTaskDone(job, 'a', 1)).toBe(false);
    expect(tdb.getTask(job, 'a')?.state).toBe('pending');
  });
});

describe('updateTaskFailed', () => {
  it('keeps the first failure as the job error', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 0, 10, 'u');
    tdb.createTask(job, 'a', s, {}, [], 0, 10);
    tdb.requestWork('w');
    tdb.requestWork('w');
    expect(tdb.updateTaskFailed(job, 'a', 'first')).toBe(true);
    expect(tdb.updateTaskFailed(job, 'init', 'second')).toBe(true);
    expect(tdb.getJob(job)).toMatchObject({ state: 'failed', error: 'first' });
    expect(tdb.getTask(job, 'init')?.error).toBe('second');
  });
});

describe('updateTaskRetry', () => {
  it('requeues a running task until max retries, then fails with the last error', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 2, 10, 'u');
    for (let attempt = 1; attempt <= 2; attempt++) {
      expect(tdb.requestWork('w')?.taskId).toBe('init');
      tdb.updateTaskProgress(job, 'init', 0.5);
      expect(tdb.updateTaskRetry(job, 'init', `crash ${attempt}`)).toBe(true);
      expect(tdb.getTask(job, 'init')).toMatchObject({
        state: 'ready',
        retries: attempt,
        progress: 0,
        error: `crash ${attempt}`,
      });
    }
    tdb.requestWork('w');
    expect(tdb.updateTaskRetry(job, 'init', 'crash 3')).toBe(false);
    expect(tdb.getTask(job, 'init')).toMatchObject({ state: 'failed', retries: 3, error: 'retry max hit: crash 3' });
    expect(tdb.getJob(job)).toMatchObject({ state: 'failed', error: 'retry max hit: crash 3' });
  });

  it('only applies to running tasks', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 2, 10, 'u');
    expect(tdb.updateTaskRetry(job, 'init')).toBe(false);
    expect(tdb.updateTaskRetry(job, 'ghost')).toBe(false);
    expect(tdb.getTask(job, 'init')?.retries).toBe(0);
  });

  it('fails instead of requeueing when the job has already failed', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 5, 10, 'u');
    tdb.createTask(job, 'a', s, {}, [], 5, 10);
    tdb.requestWork('w');
    tdb.requestWork('w');
    tdb.updateTaskFailed(job, 'init', 'boom');
    expect(tdb.updateTaskRetry(job, 'a', 'killed')).toBe(false);
    expect(tdb.getTask(job, 'a')).toMatchObject({ state: 'failed', error: 'cancelled: job is failed' });
    expect(tdb.requestWork('w')).toBeUndefined();
  });
});

describe('progress and timeouts', () => {
  it('progress is monotonic and only moves for ready or running tasks', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 0, 10, 'u');
    tdb.requestWork('w');
    expect(tdb.updateTaskProgress(job, 'init', 0.6)).toBe(true);
    expect(tdb.updateTaskProgress(job, 'init', 0.2)).toBe(true);
    expect(tdb.getTask(job, 'init')?.progress).toBeCloseTo(0.6);
    tdb.updateTaskDone(job, 'init', null);
    expect(tdb.updateTaskProgress(job, 'init', 0.1)).toBe(false);
  });

  it('requeues running tasks past their deadline, counting progress as a heartbeat', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 1, 5, 'u');
    tdb.createTask(job, 'a', s, {}, [], 1, 5);
    tdb.requestWork('w');
    tdb.requestWork('w');
    const past = Date.now() - 10_000;
    tdb.db.prepare('UPDATE tasks SET started_at = ?, updated_at = NULL').run(past);
    // "a" reported progress recently: it is alive.
    tdb.db.prepare("UPDATE tasks SET updated_at = ? WHERE task_id = 'a'").run(Date.now());
    expect(tdb.requeueTimedOut()).toBe(1);
    expect(tdb.getTask(job, 'init')).toMatchObject({ state: 'ready', retries: 1, error: 'timed out after 5s' });
    expect(tdb.getTask(job, 'a')?.state).toBe('running');
    expect(tdb.requeueTimedOut()).toBe(0);
    const events = tdb.getEvents(job).filter((e) => e.taskId === 'init');
    expect(events.at(-1)).toMatchObject({
      from: 'running',
      to: 'ready',
      actor: 'sweeper',
      reason: 'retry: timed out after 5s',
    });
  });

  it('re-queues every running task after a crash', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 1, 5, 'u');
    tdb.requestWork('w');
    expect(tdb.requeueAllRunning()).toBe(1);
    expect(tdb.getTask(job, 'init')).toMatchObject({ state: 'ready', retries: 1 });
  });
});

describe('events, delete and lookups', () => {
  it('records every transition with actor and reason', () => {
    const tdb = openDb('daemon');
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 0, 10, 'u', { actor: 'api', reason: 'session created' });
    tdb.requestWork('w', { actor: 'worker-1' });
    tdb.updateTaskDone(job, 'init', null, { actor: 'worker-1' });
    const events = tdb.getEvents(job).map((e) => [e.taskId, e.from, e.to, e.actor, e.reason]);
    expect(events).toEqual([
      [null, null, 'running', 'api', 'session created'],
      ['init', null, 'ready', 'api', 'session created'],
      ['init', 'ready', 'running', 'worker-1', null],
      ['init', 'running', 'done', 'worker-1', null],
      [null, 'running', 'done', 'worker-1', null],
    ]);
    const since = tdb.getEventsSince(tdb.getEvents(job)[2]?.id ?? 0);
    expect(since.map((e) => e.to)).toEqual(['done', 'done']);
  });

  it('deletes a job in one transaction, keeping one audit event', () => {
    const tdb = openDb();
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 0, 10, 'u');
    tdb.createTask(job, 'a', s, {}, ['init'], 0, 10);
    tdb.requestWork('w');
    expect(tdb.deleteJob(job, { actor: 'admin', reason: 'cleanup' })).toBe(true);
    expect(tdb.getJob(job)).toBeUndefined();
    expect(tdb.getTasks(job)).toEqual([]);
    expect(tdb.db.prepare('SELECT count(*) AS n FROM task_deps').get()).toEqual({ n: 0 });
    expect(tdb.getStream(s)).toMatchObject({ ready: 0, running: 0 });
    expect(tdb.getEvents(job).map((e) => [e.from, e.to, e.actor, e.reason])).toEqual([
      ['running', 'deleted', 'admin', 'cleanup'],
    ]);
    expect(tdb.deleteJob(job)).toBe(false);
  });

  it('reports unknown jobs and tasks clearly', () => {
    const tdb = openDb();
    expect(tdb.getJob('nope')).toBeUndefined();
    expect(tdb.getJobState('nope')).toBeUndefined();
    expect(() => tdb.requireJob('nope')).toThrow('job nope does not exist');
    const s = tdb.createStream('w', 1, 1, 'u');
    const job = tdb.createJob(s, {}, 0, 10, 'u');
    expect(() => tdb.requireTask(job, 'nope')).toThrow(`task nope does not exist in job ${job}`);
  });
});
