import { describe, expect, it } from 'vitest';
import { taskDbBackends } from '../../test/helpers/taskdbbackends.js';
import {
  abandonJob,
  abandonTasks,
  backfill,
  deleteJob,
  deleteTasks,
  listJobs,
  listTasks,
  resetTasks,
  summarizeTasks,
} from './admin.js';
import type { TaskStore } from './store.js';

const dry = { force: false, actor: 'admin:test' };
const force = { force: true, actor: 'admin:test' };

describe.each(taskDbBackends())('admin verbs on $name', (backend) => {
  async function setup(): Promise<{ tdb: TaskStore; job: string }> {
    const tdb = await backend.open('daemon');
    const exec = await tdb.createStream('exec', 1, 1, 'u');
    const prove = await tdb.createStream('prove', 1, 1, 'u');
    const job = await tdb.createJob(exec, {}, 0, 10, 'u');
    await tdb.createTask(job, 'p0', prove, {}, ['init'], 0, 10);
    await tdb.createTask(job, 'p1', prove, {}, ['init'], 0, 10);
    await tdb.createTask(job, 'j', prove, {}, ['p0', 'p1'], 0, 10);
    return { tdb, job };
  }

  it.skipIf(backend.skip)('list and summary filter by state, job and worker type', async () => {
    const { tdb, job } = await setup();
    await tdb.requestWork('exec');
    expect((await listJobs(tdb)).map((j) => j.id)).toEqual([job]);
    expect(await listJobs(tdb, { state: 'done' })).toEqual([]);
    expect((await listTasks(tdb, { workerType: 'prove' })).map((t) => t.taskId)).toEqual(['p0', 'p1', 'j']);
    expect((await listTasks(tdb, { state: 'running' })).map((t) => t.taskId)).toEqual(['init']);
    const s = await summarizeTasks(tdb, { jobId: job });
    expect(s.total).toEqual({ pending: 3, ready: 0, running: 1, done: 0, failed: 0 });
    expect(s.byWorkerType.prove?.pending).toBe(3);
    await expect(listTasks(tdb, { jobId: 'ghost' })).rejects.toThrow('job ghost does not exist');
  });

  it.skipIf(backend.skip)('every mutating verb is a dry run without force', async () => {
    const { tdb, job } = await setup();
    const before = JSON.stringify(await tdb.getTasks(job));
    const eventsBefore = (await tdb.getEvents(job)).length;
    for (const result of [
      await abandonJob(tdb, job, dry),
      await deleteJob(tdb, job, dry),
      await abandonTasks(tdb, { allUnfinished: true }, dry),
      await resetTasks(tdb, { jobId: job, taskId: 'init' }, dry),
      await deleteTasks(tdb, { jobId: job, taskId: 'j' }, dry),
      await backfill(tdb, { jobId: job, tasks: [{ taskId: 'extra', workerType: 'prove', taskDef: {} }] }, dry),
    ]) {
      expect(result.applied).toBe(false);
      expect(result.changes.length).toBeGreaterThan(0);
    }
    expect(JSON.stringify(await tdb.getTasks(job))).toBe(before);
    expect((await tdb.getEvents(job)).length).toBe(eventsBefore);
  });

  it.skipIf(backend.skip)('a missing target is an error in the dry run too', async () => {
    const { tdb, job } = await setup();
    await expect(abandonJob(tdb, 'ghost', dry)).rejects.toThrow('job ghost does not exist');
    await expect(deleteJob(tdb, 'ghost', dry)).rejects.toThrow('job ghost does not exist');
    await expect(resetTasks(tdb, { jobId: job, taskId: 'ghost' }, dry)).rejects.toThrow(
      `task ghost does not exist in job ${job}`,
    );
    await expect(abandonTasks(tdb, {}, dry)).rejects.toThrow(/name a task/);
  });

  it.skipIf(backend.skip)(
    'abandon fails the job and its unfinished tasks, keeping rows and logging the admin',
    async () => {
      const { tdb, job } = await setup();
      await tdb.requestWork('exec');
      const r = await abandonJob(tdb, job, { ...force, reason: 'stuck for a day' });
      expect(r.applied).toBe(true);
      expect(await tdb.getJob(job)).toMatchObject({ state: 'failed', error: 'abandoned by admin: stuck for a day' });
      expect(
        (await tdb.getTasks(job)).every(
          (t) => t.state === 'failed' && t.error === 'abandoned by admin: stuck for a day',
        ),
      ).toBe(true);
      const adminEvents = (await tdb.getEvents(job)).filter((e) => e.actor === 'admin:test');
      expect(adminEvents.length).toBe(5);
      expect(await tdb.requestWork('prove')).toBeUndefined();
      expect((await tdb.getStreams()).every((s) => s.ready === 0 && s.running === 0)).toBe(true);
      expect(await tdb.checkConsistency()).toEqual({
        streamCounters: [],
        jobCounters: [],
        leakingTasks: [],
        badWaits: [],
      });
    },
  );

  it.skipIf(backend.skip)('abandon --all-unfinished touches only unfinished tasks', async () => {
    const { tdb, job } = await setup();
    await tdb.requestWork('exec');
    await tdb.updateTaskDone(job, 'init', null);
    const r = await abandonTasks(tdb, { allUnfinished: true, workerType: 'prove' }, force);
    expect(r.changes.map((c) => c.taskId)).toEqual(['p0', 'p1', 'j']);
    expect((await tdb.getTask(job, 'init'))?.state).toBe('done');
    expect((await tdb.getJob(job))?.state).toBe('failed');
  });

  it.skipIf(backend.skip)('reset makes a failed task ready with retries cleared and runs its job again', async () => {
    const { tdb, job } = await setup();
    await tdb.requestWork('exec');
    await tdb.updateTaskRetry(job, 'init', 'flaky');
    await tdb.requestWork('exec');
    await tdb.updateTaskFailed(job, 'init', 'broken');
    const r = await resetTasks(tdb, { jobId: job, state: 'failed' }, force);
    expect(r.changes.filter((c) => c.target === 'job')).toEqual([
      { target: 'job', jobId: job, action: 'reset', from: 'failed', to: 'running' },
    ]);
    expect(await tdb.getJob(job)).toMatchObject({ state: 'running', error: null });
    expect(await tdb.getTask(job, 'init')).toMatchObject({ state: 'ready', retries: 0, error: null });
    expect(await tdb.getTask(job, 'j')).toMatchObject({ state: 'pending', waitingOn: 2 });
    expect((await tdb.checkConsistency()).streamCounters).toEqual([]);
    // The job can now finish normally.
    for (const [wt, id] of [
      ['exec', 'init'],
      ['prove', 'p0'],
      ['prove', 'p1'],
      ['prove', 'j'],
    ] as const) {
      expect((await tdb.requestWork(wt))?.taskId).toBe(id);
      await tdb.updateTaskDone(job, id, null);
    }
    expect((await tdb.getJob(job))?.state).toBe('done');
  });

  it.skipIf(backend.skip)('reset of a done task makes its ready dependants wait again', async () => {
    const { tdb, job } = await setup();
    await tdb.requestWork('exec');
    await tdb.updateTaskDone(job, 'init', null);
    expect((await tdb.getTask(job, 'p0'))?.state).toBe('ready');
    await resetTasks(tdb, { jobId: job, taskId: 'init' }, force);
    expect(await tdb.getTask(job, 'p0')).toMatchObject({ state: 'pending', waitingOn: 1 });
    await tdb.requestWork('exec');
    await tdb.updateTaskDone(job, 'init', null);
    expect(await tdb.getTask(job, 'p0')).toMatchObject({ state: 'ready', waitingOn: 0 });
  });

  it.skipIf(backend.skip)('delete removes tasks and releases what waited on them', async () => {
    const { tdb, job } = await setup();
    await tdb.requestWork('exec');
    await tdb.updateTaskDone(job, 'init', null);
    await deleteTasks(tdb, { jobId: job, taskId: 'p1' }, force);
    expect(await tdb.getTask(job, 'p1')).toBeUndefined();
    expect(await tdb.getTask(job, 'j')).toMatchObject({ waitingOn: 1, state: 'pending' });
    expect((await tdb.getEvents(job)).at(-1)).toMatchObject({ taskId: 'p1', to: 'deleted', actor: 'admin:test' });
    expect(await tdb.checkConsistency()).toEqual({
      streamCounters: [],
      jobCounters: [],
      leakingTasks: [],
      badWaits: [],
    });
    await deleteJob(tdb, job, force);
    expect(await tdb.getJob(job)).toBeUndefined();
  });

  it.skipIf(backend.skip)('backfill inserts a job and tasks from outside, validated', async () => {
    const { tdb } = await setup();
    const r = await backfill(
      tdb,
      {
        jobId: 'imported-1',
        job: { workerType: 'exec', taskDef: { elf: 'e' } },
        tasks: [{ taskId: 'p', workerType: 'prove', taskDef: { seg: 0 }, prereqs: ['init'] }],
      },
      force,
    );
    expect(r.changes.length).toBe(2);
    expect(await tdb.getTask('imported-1', 'p')).toMatchObject({ state: 'pending', taskDef: { seg: 0 } });
    await expect(backfill(tdb, { jobId: 'imported-1', job: { workerType: 'exec', taskDef: {} } }, dry)).rejects.toThrow(
      /already exists/,
    );
    await expect(
      backfill(tdb, { jobId: 'nope', tasks: [{ taskId: 'x', workerType: 'prove', taskDef: {} }] }, dry),
    ).rejects.toThrow(/does not exist/);
    await expect(backfill(tdb, { jobId: '../x', tasks: [] }, dry)).rejects.toThrow(/invalid backfill/);
    await expect(
      backfill(tdb, { jobId: 'x', tasks: [{ taskId: 'x', workerType: 'prove', taskDef: {}, maxRetries: -1 }] }, dry),
    ).rejects.toThrow(/invalid backfill/);
  });
});
