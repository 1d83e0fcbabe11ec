// Randomized state-machine test: several simulated workers drive the taskdb
// through thousands of random operations; the invariants hold after each one.

import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TaskDb } from '../core/taskdb/taskdb.js';
import { tempDir } from './helpers/tmp.js';
import { rng } from './helpers/rng.js';

const WORKER_TYPES = ['exec', 'prove', 'join'] as const;

function checkInvariants(tdb: TaskDb, held: Map<string, string>): void {
  const db = tdb.db;
  // Stream counters match the tasks.
  const streamMismatch = db
    .prepare(
      `
      SELECT s.id FROM streams s WHERE
        s.ready != (SELECT count(*) FROM tasks t WHERE t.stream_id = s.id AND t.state = 'ready') OR
        s.running != (SELECT count(*) FROM tasks t WHERE t.stream_id = s.id AND t.state = 'running')`,
    )
    .all();
  expect(streamMismatch).toEqual([]);
  // A job's unfinished count matches; it is done iff all its tasks are done.
  const jobs = db
    .prepare(
      `
      SELECT j.id, j.state, j.unfinished,
             (SELECT count(*) FROM tasks t WHERE t.job_id = j.id AND t.state != 'done') AS open,
             (SELECT count(*) FROM tasks t WHERE t.job_id = j.id) AS total
      FROM jobs j`,
    )
    .all() as { id: string; state: string; unfinished: number; open: number; total: number }[];
  for (const j of jobs) {
    expect(j.unfinished, `unfinished of ${j.id}`).toBe(j.open);
    if (j.total > 0)
      expect(j.state === 'done', `job ${j.id} is ${j.state} with ${j.open} open tasks`).toBe(j.open === 0);
  }
  // A failed job has nothing left to hand out.
  const leaking = db
    .prepare(
      "SELECT t.task_id FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE j.state = 'failed' AND t.state IN ('ready', 'pending')",
    )
    .all();
  expect(leaking).toEqual([]);
  // Pending tasks wait on exactly their unfinished prerequisites.
  const badWaits = db
    .prepare(
      `
      SELECT t.job_id, t.task_id, t.waiting_on,
             (SELECT count(*) FROM task_deps d JOIN tasks p ON p.job_id = d.job_id AND p.task_id = d.pre_task_id
              WHERE d.job_id = t.job_id AND d.post_task_id = t.task_id AND p.state != 'done') AS actual
      FROM tasks t WHERE t.state IN ('pending', 'ready')`,
    )
    .all() as { waiting_on: number; actual: number }[];
  for (const w of badWaits) expect(w.waiting_on).toBe(w.actual);
  const notReady = db.prepare("SELECT count(*) AS n FROM tasks WHERE state = 'pending' AND waiting_on = 0").get() as {
    n: number;
  };
  expect(notReady.n).toBe(0);
  // Every task a worker holds is running, and no two workers hold one task.
  const seen = new Set<string>();
  for (const key of held.values()) {
    expect(seen.has(key), `${key} held twice`).toBe(false);
    seen.add(key);
    const [jobId, taskId] = key.split('\u0000') as [string, string];
    expect(tdb.getTask(jobId, taskId)?.state).toBe('running');
  }
}

describe('taskdb state machine', () => {
  it.each([1, 2])('keeps its invariants under random operations (seed %i)', (seed) => {
    const random = rng(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)] as T;
    const tdb = TaskDb.open(join(tempDir(), 'taskdb.sqlite'));
    const streams = WORKER_TYPES.flatMap((wt) => [
      tdb.createStream(wt, 1 + Math.floor(random() * 3), 0.5 + random() * 2, `user-${wt}`),
      tdb.createStream(wt, 0, 1, 'free'),
    ]);
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
        jobIds.push(tdb.createJob(pick(streams), { step }, Math.floor(random() * 3), 60, 'u'));
      } else if (op < 0.35) {
        const running = jobIds.filter((j) => tdb.getJobState(j) === 'running');
        if (running.length > 0) {
          const job = pick(running);
          const existing = tdb.getTasks(job).map((t) => t.taskId);
          const prereqs = existing.filter(() => random() < 0.3).slice(0, 3);
          tdb.createTask(job, `t${taskCounter++}`, pick(streams), { step }, prereqs, Math.floor(random() * 3), 60);
        }
      } else if (op < 0.65) {
        const w = pick(workers);
        if (!held.has(w.name)) {
          const work = tdb.requestWork(w.type, { actor: w.name });
          if (work) {
            expect(tdb.getJobState(work.jobId)).toBe('running');
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
          if (outcome < 0.8) tdb.updateTaskDone(jobId, taskId, { by: name }, { actor: name });
          else if (outcome < 0.95) tdb.updateTaskRetry(jobId, taskId, 'flaky', { actor: name });
          else tdb.updateTaskFailed(jobId, taskId, 'broken', { actor: name });
        }
      } else {
        // The daemon restarts: everything running goes back to the queue.
        held.clear();
        tdb.requeueAllRunning();
      }
      checkInvariants(tdb, held);
    }
    // The run exercised every outcome.
    const outcomes = tdb.db.prepare('SELECT DISTINCT state FROM jobs ORDER BY state').all() as { state: string }[];
    expect(outcomes.map((o) => o.state)).toEqual(['done', 'failed', 'running']);
    tdb.close();
  });
});
