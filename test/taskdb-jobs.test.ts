// The job service's reads and the retry on both taskdb backends: a job's
// summary (what its status is built from), the job lists and their sizes,
// and a failed or stopped job run again from its failed tasks.

import { describe, expect, it } from 'vitest';
import { resetTasks } from '../core/taskdb/admin.js';
import type { TaskStore } from '../core/taskdb/store.js';
import { taskDbBackends } from './helpers/taskdbbackends.js';

/** A job as the engine plans one: execute, two proves, a join over them, finalize. */
async function provingJob(tdb: TaskStore, streams: Record<string, string>): Promise<string> {
  const jobId = await tdb.createJob(streams.exec as string, { kind: 'execute', elf: 'e', input: 'i' }, 0, 60, 'u');
  await tdb.createTask(jobId, 'prove-0', streams.prove as string, { kind: 'prove', segment: 0 }, [], 0, 60);
  await tdb.createTask(jobId, 'prove-1', streams.prove as string, { kind: 'prove', segment: 1 }, [], 0, 60);
  await tdb.createTask(jobId, 'join', streams.join as string, { kind: 'join' }, ['prove-0', 'prove-1'], 0, 60);
  await tdb.createTask(jobId, 'finalize', streams.aux as string, { kind: 'finalize' }, ['join'], 0, 60);
  return jobId;
}

/** Claims the next task of a stream and ends it as told. */
async function work(tdb: TaskStore, stream: string, outcome: 'done' | 'failed'): Promise<string> {
  const item = await tdb.requestWork(stream);
  if (!item) throw new Error(`nothing ready on ${stream}`);
  if (outcome === 'done') await tdb.updateTaskDone(item.jobId, item.taskId, { cycles: 7 });
  else await tdb.updateTaskFailed(item.jobId, item.taskId, 'broken');
  return item.taskId;
}

describe.each(taskDbBackends())('job service on $name', (backend) => {
  it.skipIf(backend.skip)('summarizes jobs, lists them newest first and counts each list', async () => {
    const tdb = await backend.open('test');
    const streams = await tdb.ensureStreams(['exec', 'prove', 'join', 'aux'], 'u');
    const first = await provingJob(tdb, streams);
    await work(tdb, 'exec', 'done');
    const before = Date.now();
    await work(tdb, 'prove', 'done');
    const summary = await tdb.jobSummary(first, 123);
    expect(summary).toMatchObject({
      job: { id: first, state: 'running' },
      execute: { state: 'done', taskDef: { kind: 'execute', elf: 'e', input: 'i' }, output: { cycles: 7 } },
      finalize: { state: 'pending', progress: 0 },
      proves: 2,
      proven: 1,
      provenTimed: 1,
      openJoins: 1,
      joins: 1,
      joined: 0,
    });
    // The proved segment started before `before`; the other one, not started, counts from `now`.
    expect(summary?.firstProveStart).toBeLessThanOrEqual(before);

    const second = await provingJob(tdb, streams);
    await tdb.stopJob(second, { actor: 'user' });
    const third = await tdb.createJob(streams.exec as string, { kind: 'execute' }, 0, 60, 'u');
    await work(tdb, 'exec', 'failed');
    expect(await tdb.getJobState(third)).toBe('failed');

    expect(await tdb.listJobIds(undefined)).toEqual([third, second, first]);
    expect(await tdb.listJobIds(undefined, 1, 1)).toEqual([second]);
    expect((await tdb.jobSummaries(undefined, 2, 0)).map((s) => s.job.id)).toEqual([third, second]);
    expect((await tdb.jobSummaries(undefined, -1, 0)).map((s) => s.job.id)).toEqual([third, second, first]);
    expect((await tdb.jobSummaries('running', 10, 0)).map((s) => s.job.id)).toEqual([first]);
    expect((await tdb.jobSummaries('stopped', 10, 0)).map((s) => s.job.id)).toEqual([second]);
    expect(await tdb.listJobIds('failed')).toEqual([third]);
    expect(await tdb.countJobs()).toBe(3);
    expect(await tdb.countJobs('succeeded')).toBe(0);
    expect(await tdb.countJobs('failed')).toBe(1);
    expect(await tdb.jobSummary('no-such-job')).toBeUndefined();
  });

  it.skipIf(backend.skip)('runs a failed job again from its failed tasks, keeping those done', async () => {
    const tdb = await backend.open('test');
    const streams = await tdb.ensureStreams(['exec', 'prove', 'join', 'aux'], 'u');
    const jobId = await provingJob(tdb, streams);
    await work(tdb, 'exec', 'done');
    await work(tdb, 'prove', 'done');
    const failed = await work(tdb, 'prove', 'failed');
    expect(await tdb.getJobState(jobId)).toBe('failed');

    const result = await resetTasks(
      tdb,
      { jobId: jobId, state: 'failed' },
      { force: true, actor: 'user', reason: 'retried from the UI' },
    );
    expect(result).toEqual({
      applied: true,
      changes: [
        { target: 'task', jobId, taskId: failed, action: 'reset', from: 'failed', to: 'ready' },
        { target: 'job', jobId, action: 'reset', from: 'failed', to: 'running' },
        // The job's failure cancelled its open tasks: they run again too, once their prerequisites have.
        { target: 'task', jobId, taskId: 'join', action: 'reset', from: 'failed', to: 'pending' },
        { target: 'task', jobId, taskId: 'finalize', action: 'reset', from: 'failed', to: 'pending' },
      ],
    });
    expect(await tdb.getJobState(jobId)).toBe('running');
    const states = Object.fromEntries((await tdb.getTasks(jobId)).map((t) => [t.taskId, t.state]));
    expect(states).toMatchObject({ init: 'done', [failed]: 'ready', join: 'pending', finalize: 'pending' });
    expect(await tdb.checkConsistency()).toEqual({
      streamCounters: [],
      jobCounters: [],
      leakingTasks: [],
      badWaits: [],
    });
    // The job now finishes: the retried segment, the join, finalize.
    await work(tdb, 'prove', 'done');
    await work(tdb, 'join', 'done');
    await work(tdb, 'aux', 'done');
    expect(await tdb.getJobState(jobId)).toBe('done');
    // Nothing failed is left to retry, and no job is no job.
    expect(await resetTasks(tdb, { jobId: jobId, state: 'failed' }, { force: true, actor: 'user' })).toEqual({
      applied: false,
      changes: [],
    });
    await expect(
      resetTasks(tdb, { jobId: 'no-such-job', state: 'failed' }, { force: true, actor: 'user' }),
    ).rejects.toThrow(/does not exist/);
  });

  it.skipIf(backend.skip)('runs a stopped job again', async () => {
    const tdb = await backend.open('test');
    const streams = await tdb.ensureStreams(['exec', 'prove', 'join', 'aux'], 'u');
    const jobId = await provingJob(tdb, streams);
    await work(tdb, 'exec', 'done');
    await tdb.stopJob(jobId, { actor: 'user' });
    expect(await tdb.getJobState(jobId)).toBe('stopped');
    const result = await resetTasks(tdb, { jobId: jobId, state: 'failed' }, { force: true, actor: 'user' });
    expect(result.applied).toBe(true);
    expect(result.changes).toContainEqual({ target: 'job', jobId, action: 'reset', from: 'stopped', to: 'running' });
    expect(await tdb.getJobState(jobId)).toBe('running');
    expect((await tdb.checkConsistency()).streamCounters).toEqual([]);
    expect(await tdb.requestWork('prove')).toMatchObject({ jobId });
  });

  it.skipIf(backend.skip)('two retries of one job at once: one runs it again, the other changes nothing', async () => {
    const tdb = await backend.open('test');
    const other = await backend.connect(tdb, 'other');
    const streams = await tdb.ensureStreams(['exec', 'prove', 'join', 'aux'], 'u');
    const jobId = await provingJob(tdb, streams);
    await work(tdb, 'exec', 'done');
    await work(tdb, 'prove', 'failed');
    const retry = (store: TaskStore) =>
      resetTasks(store, { jobId, state: 'failed' }, { force: true, actor: 'user', reason: 'retried from the UI' });
    const results = await Promise.allSettled([retry(tdb), retry(other)]);
    const applied = results.filter((r) => r.status === 'fulfilled' && r.value.applied);
    expect(applied.length, JSON.stringify(results)).toBe(1);
    // PostgreSQL holds the rows and finds them changed; SQLite's second writer is refused the file.
    for (const r of results)
      if (r.status === 'rejected')
        expect(String(r.reason)).toMatch(/changed while (it was|its tasks were) being reset|database is locked/);
    expect(await tdb.getJobState(jobId)).toBe('running');
    expect(await tdb.checkConsistency()).toEqual({
      streamCounters: [],
      jobCounters: [],
      leakingTasks: [],
      badWaits: [],
    });
    const events = await tdb.getEvents(jobId);
    // Each failed task went back to the queue once.
    expect(events.filter((e) => e.taskId === 'join' && e.from === 'failed').length).toBe(1);
  });
});
