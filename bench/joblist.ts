// What the UI's job list costs the daemon with many jobs: one page of 100
// statuses (at the top, the middle and the end), the total, and a filtered
// page, over N finished jobs of 1 + 8 + 7 + 1 tasks each (a proof of 8
// segments). `--jobs N` (default 10000), `--json` for one JSON object.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { taskDbPath } from '../core/config/paths.js';
import { Engine } from '../core/engine/engine.js';
import { TaskDb } from '../core/taskdb/taskdb.js';

const args = process.argv.slice(2);
const jobsArg = args.indexOf('--jobs');
const jobs = jobsArg >= 0 ? Number(args[jobsArg + 1]) : 10_000;
const json = args.includes('--json');

const home = mkdtempSync(join(tmpdir(), 'bento-bench-joblist-'));
// The jobs are written straight into the taskdb first; the engine then reads them as the daemon would.
const db = TaskDb.open(taskDbPath(home));
{
  const stream = db.createStream('bench', 1, 1, 'bench');
  db.transaction(undefined, () => {
    for (let i = 0; i < jobs; i++) {
      const jobId = db.createJob(stream, { kind: 'execute' }, 0, 60, 'bench');
      for (let k = 0; k < 8; k++) db.createTask(jobId, `prove-${k}`, stream, { kind: 'prove', segment: k }, [], 0, 60);
      for (let k = 0; k < 7; k++) db.createTask(jobId, `join-${8 + k}`, stream, { kind: 'join' }, [], 0, 60);
      db.createTask(jobId, 'finalize', stream, { kind: 'finalize' }, [], 0, 60);
      if (i % 3 === 0) db.stopJob(jobId);
      else db.failJob(jobId, 'bench failure');
    }
  });
}
db.close();
const engine = await Engine.open({ home });
try {
  const time = async (fn: () => Promise<unknown>, runs = 20): Promise<number> => {
    await fn();
    const start = performance.now();
    for (let i = 0; i < runs; i++) await fn();
    return (performance.now() - start) / runs;
  };
  const figures = {
    jobs,
    firstPageMs: await time(() => engine.list(100, 0)),
    middlePageMs: await time(() => engine.list(100, Math.floor(jobs / 2))),
    lastPageMs: await time(() => engine.list(100, jobs - 100)),
    totalMs: await time(() => engine.count()),
    stoppedPageMs: await time(() => engine.list(100, 0, 'stopped')),
    stoppedTotalMs: await time(() => engine.count('stopped')),
  };
  if (json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  else {
    process.stdout.write(`job list over ${jobs} jobs (17 tasks each), per call:\n`);
    for (const [k, v] of Object.entries(figures))
      if (k !== 'jobs') process.stdout.write(`  ${k.padEnd(16)} ${(v as number).toFixed(2)} ms\n`);
  }
} finally {
  await engine.close();
  rmSync(home, { recursive: true, force: true });
}
