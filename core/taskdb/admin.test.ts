import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tmp.js';
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
import { TaskDb } from './taskdb.js';

const dry = { force: false, actor: 'admin:test' };
const force = { force: true, actor: 'admin:test' };

function setup() {
  const tdb = TaskDb.open(join(tempDir(), 'taskdb.sqlite'), { actor: 'daemon' });
  const exec = tdb.createStream('exec', 1, 1, 'u');
  const prove = tdb.createStream('prove', 1, 1, 'u');
  const job = tdb.createJob(exec, {}, 0, 10, 'u');
  tdb.createTask(job, 'p0', prove, {}, ['init'], 0, 10);
  tdb.createTask(job, 'p1', prove, {}, ['init'], 0, 10);
  tdb.createTask(job, 'j', prove, {}, ['p0', 'p1'], 0, 10);
  return { tdb, exec, prove, job };
}

describe('admin verbs', () => {
  it('list and summary filter by state, job and worker type', () => {
    const { tdb, job } = setup();
    tdb.requestWork('exec');
    expect(listJobs(tdb).map((j) => j.id)).toEqual([job]);
    expect(listJobs(tdb, { state: 'done' })).toEqual([]);
    expect(listTasks(tdb, { workerType: 'prove' }).map((t) => t.taskId)).toEqual(['p0', 'p1', 'j']);
    expect(listTasks(tdb, { state: 'running' }).map((t) => t.taskId)).toEqual(['init']);
    const s = summarizeTasks(tdb, { jobId: job });
    expect(s.total).toEqual({ pending: 3, ready: 0, running: 1, done: 0, failed: 0 });
    expect(s.byWorkerType.prove?.pending).toBe(3);
    expect(() => listTasks(tdb, { jobId: 'ghost' })).toThrow('job ghost does not exist');
  });

  it('every mutating verb is a dry run without force', () => {
    const { tdb, job } = setup();
    const before = JSON.stringify(tdb.getTasks(job));
    const eventsBefore = tdb.getEvents(job).length;
    for (const result of [
      abandonJob(tdb, job, dry),
      deleteJob(tdb, job, dry),
      abandonTasks(tdb, { allUnfinished: true }, dry),
      resetTasks(tdb, { jobId: job, taskId: 'init' }, dry),
      deleteTasks(tdb, { jobId: job, taskId: 'j' }, dry),
      backfill(tdb, { jobId: job, tasks: [{ taskId: 'extra', workerType: 'prove', taskDef: {} }] }, dry),
    ]) {
      expect(result.applied).toBe(false);
      expect(result.changes.length).toBeGreaterThan(0);
    }
    expect(JSON.stringify(tdb.getTasks(job))).toBe(before);
    expect(tdb.getEvents(job).length).toBe(eventsBefore);
  });

  it('a missing target is an error in the dry run too', () => {
    const { tdb, job } = setup();
    expect(() => abandonJob(tdb, 'ghost', dry)).toThrow('job ghost does not exist');
    expect(() => deleteJob(tdb, 'ghost', dry)).toThrow('job ghost does not exist');
    expect(() => resetTasks(tdb, { jobId: job, taskId: 'ghost' }, dry)).toThrow(
      `task ghost does not exist in job ${job}`,
    );
    expect(() => abandonTasks(tdb, {}, dry)).toThrow(/name a task/);
  });

  it('abandon fails the job and its unfinished tasks, keeping rows and logging the admin', () => {
    const { tdb, job } = setup();
    tdb.requestWork('exec');
    const r = abandonJob(tdb, job, { ...force, reason: 'stuck for a day' });
    expect(r.applied).toBe(true);
    expect(tdb.getJob(job)).toMatchObject({ state: 'failed', error: 'abandoned by admin: stuck for a day' });
    expect(
      tdb.getTasks(job).every((t) => t.state === 'failed' && t.error === 'abandoned by admin: stuck for a day'),
    ).toBe(true);
    const adminEvents = tdb.getEvents(job).filter((e) => e.actor === 'admin:test');
    expect(adminEvents.length).toBe(5);
    expect(tdb.requestWork('prove')).toBeUndefined();
    expect(tdb.getStreams().every((s) => s.ready === 0 && s.running === 0)).toBe(true);
  });

  it('abandon --all-unfinished touches only unfinished tasks', () => {
    const { tdb, job } = setup();
    tdb.requestWork('exec');
    tdb.updateTaskDone(job, 'init', null);
    const r = abandonTasks(tdb, { allUnfinished: true, workerType: 'prove' }, force);
    expect(r.changes.map((c) => c.taskId)).toEqual(['p0', 'p1', 'j']);
    expect(tdb.getTask(job, 'init')?.state).toBe('done');
    expect(tdb.getJob(job)?.state).toBe('failed');
  });

  it('reset makes a failed task ready with retries cleared and runs its job again', () => {
    const { tdb, job } = setup();
    tdb.requestWork('exec');
    tdb.updateTaskRetry(job, 'init', 'flaky');
    tdb.requestWork('exec');
    tdb.updateTaskFailed(job, 'init', 'broken');
    const r = resetTasks(tdb, { jobId: job, state: 'failed' }, force);
    expect(r.changes.filter((c) => c.target === 'job')).toEqual([
      { target: 'job', jobId: job, action: 'reset', from: 'failed', to: 'running' },
    ]);
    expect(tdb.getJob(job)).toMatchObject({ state: 'running', error: null });
    expect(tdb.getTask(job, 'init')).toMatchObject({ state: 'ready', retries: 0, error: null });
    expect(tdb.getTask(job, 'j')).toMatchObject({ state: 'pending', waitingOn: 2 });
    // The job can now finish normally.
    for (const [wt, id] of [
      ['exec', 'init'],
      ['prove', 'p0'],
      ['prove', 'p1'],
      ['prove', 'j'],
    ] as const) {
      expect(tdb.requestWork(wt)?.taskId).toBe(id);
      tdb.updateTaskDone(job, id, null);
    }
    expect(tdb.getJob(job)?.state).toBe('done');
  });

  it('reset of a done task makes its ready dependants wait again', () => {
    const { tdb, job } = setup();
    tdb.requestWork('exec');
    tdb.updateTaskDone(job, 'init', null);
    expect(tdb.getTask(job, 'p0')?.state).toBe('ready');
    resetTasks(tdb, { jobId: job, taskId: 'init' }, force);
    expect(tdb.getTask(job, 'p0')).toMatchObject({ state: 'pending', waitingOn: 1 });
    tdb.requestWork('exec');
    tdb.updateTaskDone(job, 'init', null);
    expect(tdb.getTask(job, 'p0')).toMatchObject({ state: 'ready', waitingOn: 0 });
  });

  it('delete removes tasks and releases what waited on them', () => {
    const { tdb, job } = setup();
    tdb.requestWork('exec');
    tdb.updateTaskDone(job, 'init', null);
    deleteTasks(tdb, { jobId: job, taskId: 'p1' }, force);
    expect(tdb.getTask(job, 'p1')).toBeUndefined();
    expect(tdb.getTask(job, 'j')).toMatchObject({ waitingOn: 1, state: 'pending' });
    expect(tdb.getEvents(job).at(-1)).toMatchObject({ taskId: 'p1', to: 'deleted', actor: 'admin:test' });
    deleteJob(tdb, job, force);
    expect(tdb.getJob(job)).toBeUndefined();
  });

  it('backfill inserts a job and tasks from outside, validated', () => {
    const { tdb } = setup();
    const r = backfill(
      tdb,
      {
        jobId: 'imported-1',
        job: { workerType: 'exec', taskDef: { elf: 'e' } },
        tasks: [{ taskId: 'p', workerType: 'prove', taskDef: { seg: 0 }, prereqs: ['init'] }],
      },
      force,
    );
    expect(r.changes.length).toBe(2);
    expect(tdb.getTask('imported-1', 'p')).toMatchObject({ state: 'pending', taskDef: { seg: 0 } });
    expect(() => backfill(tdb, { jobId: 'imported-1', job: { workerType: 'exec', taskDef: {} } }, dry)).toThrow(
      /already exists/,
    );
    expect(() =>
      backfill(tdb, { jobId: 'nope', tasks: [{ taskId: 'x', workerType: 'prove', taskDef: {} }] }, dry),
    ).toThrow(/does not exist/);
    expect(() => backfill(tdb, { jobId: '../x', tasks: [] }, dry)).toThrow(/invalid backfill/);
    expect(() =>
      backfill(tdb, { jobId: 'x', tasks: [{ taskId: 'x', workerType: 'prove', taskDef: {}, maxRetries: -1 }] }, dry),
    ).toThrow(/invalid backfill/);
  });
});
