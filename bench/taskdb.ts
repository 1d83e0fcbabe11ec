// Claims and completions per second through the taskdb verbs, for a linear
// chain (each task readies the next) and a wide fan-out (all ready at once),
// like the cluster's request_work benchmark, each verb committed on its own as
// the daemon does. `--json` prints one JSON object.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TaskDb } from '../core/taskdb/taskdb.js';

const TASKS = 10_000;

type Shape = 'chain' | 'fanout';

function measure(shape: Shape): { tasks: number; seconds: number; perSecond: number } {
  const dir = mkdtempSync(join(tmpdir(), 'bento-bench-'));
  try {
    const tdb = TaskDb.open(join(dir, 'taskdb.sqlite'), { actor: 'bench' });
    const stream = tdb.createStream('prove', 4, 1, 'bench');
    const job = tdb.createJob(stream, { shape }, 0, 3600, 'bench');
    tdb.transaction(undefined, () => {
      for (let i = 0; i < TASKS; i++) {
        const prereq = shape === 'chain' ? (i === 0 ? 'init' : `t${i - 1}`) : 'init';
        tdb.createTask(job, `t${i}`, stream, { i }, [prereq], 0, 3600);
      }
    });
    const start = process.hrtime.bigint();
    let claims = 0;
    for (let work = tdb.requestWork('prove'); work; work = tdb.requestWork('prove')) {
      tdb.updateTaskDone(work.jobId, work.taskId, { ok: true });
      claims++;
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    if (claims !== TASKS + 1 || tdb.getJobState(job) !== 'done') {
      throw new Error(`benchmark ${shape} claimed ${claims} tasks and left the job ${tdb.getJobState(job)}`);
    }
    tdb.close();
    return { tasks: claims, seconds, perSecond: claims / seconds };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const chain = measure('chain');
const fanout = measure('fanout');
const result = {
  tasks: TASKS,
  chain_claims_per_second: Math.round(chain.perSecond),
  fanout_claims_per_second: Math.round(fanout.perSecond),
  claims_per_second: Math.round(Math.min(chain.perSecond, fanout.perSecond)),
};
if (process.argv.includes('--json')) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  process.stdout.write(
    `taskdb: ${TASKS} tasks, each claimed and completed (claims+completions per second, a commit per verb)\n` +
      `  linear chain: ${result.chain_claims_per_second}/s (${chain.seconds.toFixed(3)} s)\n` +
      `  wide fan-out: ${result.fanout_claims_per_second}/s (${fanout.seconds.toFixed(3)} s)\n` +
      `  claims_per_second (slower shape): ${result.claims_per_second}\n`,
  );
}
