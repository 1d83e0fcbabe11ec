// Randomized state-machine test: several simulated workers drive the taskdb
// through thousands of random operations; the invariants hold after each one.

import { describe, expect, it } from 'vitest';
import { resetTasks } from '../core/taskdb/admin.js';
import type { TaskStore } from '../core/taskdb/store.js';
import { rng } from './helpers/rng.js';
import { taskDbBackends } from './helpers/taskdbbackends.js';

const WORKER_TYPES = ['exec', 'prove', 'join'] as const;

async function checkInvariants(tdb: TaskStore, held: Map<string, string>): Promise<void> {
  // Stream counters, job counters, no work handed out of an ended job, waits matching prerequisites.
  expect(await tdb.checkConsistency()).toEqual({ streamCounters: [], jobCounters: [], leakingTasks: [], badWaits: [] });
  // Every task a worker holds is running, and no two workers hold one task.
  const seen = new Set<string>();
  for (const key of held.values()) {
    expect(seen.has(key), `${key} held twice`).toBe(false);
    seen.add(key);
    const [jobId, taskId] = key.split('\u0000') as [string, string];
    expect((await tdb.getTask(jobId, taskId))?.state).toBe('running');
  }
}

describe.each(taskDbBackends())('taskdb state machine on $name', (backend) => {
  it.skipIf(backend.skip).each([1, 2])('keeps its invariants under random operations (seed %i)', async (seed) => {
    const random = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const tdb = await backend.open('test');
    const streams: string[] = [];
    for (const wt of WORKER_TYPES) {
      streams.push(await tdb.createStream(wt, 1 + Math.floor(random() * 3), 0.5 + random() * 2, `user-${wt}`));
      streams.push(await tdb.createStream(wt, 0, 1, 'free'));
    }
    const workers = Array.from({ length: 6 }, (_, i) => ({
      name: `w${i}`,
      type: WORKER_TYPES[i % WORKER_TYPES.length] as string,
    }));
    const held = new Map<string, string>(); // worker -> job\0task
    const jobIds: string[] = [];
    let taskCounter = 0;

    for (let step = 0; step < 2500; step++) {
      const op = random();
      if (op < 0.08 || jobIds.length === 0) {
        jobIds.push(await tdb.createJob(pick(streams), { step }, Math.floor(random() * 3), 60, 'u'));
      } else if (op < 0.35) {
        const running: string[] = [];
        for (const j of jobIds) if ((await tdb.getJobState(j)) === 'running') running.push(j);
        if (running.length > 0) {
          const job = pick(running);
          const existing = (await tdb.getTasks(job)).map((t) => t.taskId);
          const prereqs = existing.filter(() => random() < 0.3).slice(0, 3);
          await tdb.createTask(
            job,
            `t${taskCounter++}`,
            pick(streams),
            { step },
            prereqs,
            Math.floor(random() * 3),
            60,
          );
        }
      } else if (op < 0.65) {
        const w = pick(workers);
        if (!held.has(w.name)) {
          const work = await tdb.requestWork(w.type, { actor: w.name });
          if (work) {
            expect(await tdb.getJobState(work.jobId)).toBe('running');
            held.set(w.name, `${work.jobId}\u0000${work.taskId}`);
          }
        }
      } else if (op < 0.97) {
        const holders = [...held.keys()];
        if (holders.length > 0) {
          const name = pick(holders);
          const [jobId, taskId] = (held.get(name) as string).split('\u0000') as [string, string];
          held.delete(name);
          const outcome = random();
          if (outcome < 0.8) await tdb.updateTaskDone(jobId, taskId, { by: name }, { actor: name });
          else if (outcome < 0.95) await tdb.updateTaskRetry(jobId, taskId, 'flaky', { actor: name });
          else await tdb.updateTaskFailed(jobId, taskId, 'broken', { actor: name });
        }
      } else if (op < 0.985) {
        // The user retries a failed job: its failed tasks run again, those done are kept.
        const failed: string[] = [];
        for (const j of jobIds) if ((await tdb.getJobState(j)) === 'failed') failed.push(j);
        if (failed.length > 0) {
          const job = pick(failed);
          const before = await tdb.getTasks(job);
          const result = await resetTasks(tdb, { jobId: job, state: 'failed' }, { force: true, actor: 'user' });
          expect(result.applied).toBe(before.some((t) => t.state === 'failed'));
          if (result.applied) expect(await tdb.getJobState(job)).toBe('running');
          for (const t of await tdb.getTasks(job)) {
            const was = before.find((b) => b.taskId === t.taskId)?.state;
            if (was === 'failed') expect(['ready', 'pending']).toContain(t.state);
            else expect(t.state).toBe(was);
          }
        }
      } else {
        // The daemon restarts: everything running goes back to the queue.
        held.clear();
        await tdb.requeueAllRunning();
      }
      await checkInvariants(tdb, held);
    }
    // The run exercised every outcome.
    const outcomes = new Set<string>();
    for (const j of jobIds) outcomes.add((await tdb.getJobState(j)) ?? 'gone');
    expect([...outcomes].sort()).toEqual(['done', 'failed', 'running']);
    await tdb.close();
  });
});
