// Claims and completions per second through the taskdb verbs, each verb
// committed on its own as the daemon and workers do, like the cluster's
// request_work benchmark.
//
// SQLite (the default): a linear chain (each task readies the next) and a wide
// fan-out (all ready at once), one claimer. `--backend postgres`: the fan-out
// with 1 and with 8 concurrent claimers (each its own connection) on a
// throwaway PostgreSQL server (fsync on) or the one `--url` names, with
// SQLite's figure beside it. `--json` prints one JSON object.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { PgTaskDb } from '../core/taskdb/pg/pgtaskdb.js';
import { SqliteTaskStore } from '../core/taskdb/sqlitestore.js';
import type { TaskStore } from '../core/taskdb/store.js';
import { PostgresServer } from './pgserver.js';

type Shape = 'chain' | 'fanout';

interface Run {
  tasks: number;
  seconds: number;
  perSecond: number;
}

/**
 * Creates a job of `tasks` tasks of one shape, then claims and completes all
 * of them with one loop per claimer store (each its own connection, as
 * workers on separate hosts have).
 */
async function measure(tdb: TaskStore, shape: Shape, tasks: number, claimers: TaskStore[]): Promise<Run> {
  const stream = await tdb.createStream('prove', 4, 1, 'bench');
  const job = await tdb.createJob(stream, { shape }, 0, 3600, 'bench');
  const batch = 500;
  for (let from = 0; from < tasks; from += batch) {
    await tdb.transaction(undefined, async (tx) => {
      for (let i = from; i < Math.min(tasks, from + batch); i++) {
        const prereq = shape === 'chain' ? (i === 0 ? 'init' : `t${i - 1}`) : 'init';
        await tx.createTask(job, `t${i}`, stream, { i }, [prereq], 0, 3600);
      }
    });
  }
  // The init task first: the fan-out is all ready from then on.
  const init = await tdb.requestWork('prove');
  if (init) await tdb.updateTaskDone(init.jobId, init.taskId, { ok: true });
  const start = process.hrtime.bigint();
  let claims = 0;
  const claimer = async (tdb: TaskStore, n: number): Promise<void> => {
    // A claimer stops once the job has nothing left for it (no ready task, none still running to release one).
    for (;;) {
      const work = await tdb.requestWork('prove', { actor: `claimer-${n}` });
      if (!work) {
        if ((await tdb.getJobState(job)) !== 'running') return;
        const s = await tdb.getStream(stream);
        if (s && s.ready === 0 && s.running === 0) return;
        continue;
      }
      await tdb.updateTaskDone(work.jobId, work.taskId, { ok: true }, { actor: `claimer-${n}` });
      claims++;
    }
  };
  await Promise.all(claimers.map((c, n) => claimer(c, n)));
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const state = await tdb.getJobState(job);
  if (claims !== tasks || state !== 'done') {
    throw new Error(`benchmark ${shape} claimed ${claims} of ${tasks} tasks and left the job ${state}`);
  }
  return { tasks: claims, seconds, perSecond: claims / seconds };
}

async function onSqlite(shape: Shape, tasks: number): Promise<Run> {
  const dir = mkdtempSync(join(tmpdir(), 'bento-bench-'));
  try {
    const tdb = SqliteTaskStore.open(join(dir, 'taskdb.sqlite'), { actor: 'bench' });
    try {
      return await measure(tdb, shape, tasks, [tdb]);
    } finally {
      await tdb.close();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function onPostgres(url: string, tasks: number, claimers: number): Promise<Run> {
  const tdb = await PgTaskDb.open(url, { actor: 'bench', poolSize: 2 });
  const connections = await Promise.all(
    Array.from({ length: claimers }, (_, n) => PgTaskDb.open(url, { actor: `claimer-${n}`, poolSize: 1 })),
  );
  try {
    return await measure(tdb, 'fanout', tasks, connections);
  } finally {
    await Promise.all([tdb, ...connections].map((c) => c.close()));
  }
}

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'sqlite' },
    url: { type: 'string' },
    tasks: { type: 'string', default: '10000' },
    json: { type: 'boolean', default: false },
  },
});
const tasks = Number(values.tasks);
if (!Number.isInteger(tasks) || tasks <= 0) throw new Error(`--tasks must be a positive integer, got ${values.tasks}`);

const chain = await onSqlite('chain', tasks);
const fanout = await onSqlite('fanout', tasks);
const sqlite = {
  chain_claims_per_second: Math.round(chain.perSecond),
  fanout_claims_per_second: Math.round(fanout.perSecond),
  claims_per_second: Math.round(Math.min(chain.perSecond, fanout.perSecond)),
};

let result: Record<string, unknown>;
if (values.backend === 'postgres') {
  const server = values.url ? undefined : await PostgresServer.start({ durable: true });
  try {
    const url = values.url ?? (await (server as PostgresServer).createDatabase('bench1'));
    const one = await onPostgres(url, tasks, 1);
    const url8 = values.url ?? (await (server as PostgresServer).createDatabase('bench8'));
    const eight = await onPostgres(url8, tasks, 8);
    result = {
      backend: 'postgres',
      tasks,
      claimers_1_per_second: Math.round(one.perSecond),
      claimers_8_per_second: Math.round(eight.perSecond),
      sqlite_claims_per_second: sqlite.fanout_claims_per_second,
    };
  } finally {
    server?.stop();
  }
} else if (values.backend === 'sqlite') {
  result = { backend: 'sqlite', tasks, ...sqlite };
} else {
  throw new Error(`--backend is sqlite or postgres, not ${values.backend}`);
}

if (values.json) {
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  process.stdout.write(
    `taskdb: ${tasks} tasks, each claimed and completed (per second, a commit per verb)\n` +
      Object.entries(result)
        .map(([k, v]) => `  ${k}: ${String(v)}\n`)
        .join(''),
  );
}
