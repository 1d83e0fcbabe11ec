// `bento admin <resource> <verb>`: the operators' path for stuck work. Every
// mutating verb is a dry run unless --force is given.

import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { prepareDataDir } from '../config/datadir.js';
import { taskDbPath } from '../config/paths.js';
import type { AdminResult, Change, MutationOptions, TaskSelection } from '../taskdb/admin.js';
import { BlobStore } from '../blobs/blobstore.js';
import { S3TaskFiles } from '../blobs/taskfiles.js';
import { PgTaskDb } from '../taskdb/pg/pgtaskdb.js';
import type { TaskStore } from '../taskdb/store.js';
import { deletedJobs, runEngineAdminVerb } from '../engine/adminverbs.js';
import type { AdminCall, AdminVerb } from '../taskdb/adminverbs.js';
import { SqliteTaskStore } from '../taskdb/sqlitestore.js';
import { JOB_STATES, type JobState, TASK_STATES, type TaskState, TaskDbError } from '../taskdb/types.js';
import { formatTime, printJson, printTable } from './output.js';
import { findDaemon } from './backend.js';
import { clusterOf } from './cluster.js';
import { resolveHome } from './home.js';

interface CommonOpts {
  json?: boolean;
}
interface MutateOpts extends CommonOpts {
  force?: boolean;
  reason?: string;
}
interface SelectOpts extends MutateOpts {
  job?: string;
  state?: TaskState;
  workerType?: string;
  allUnfinished?: boolean;
}

function adminActor(): string {
  try {
    return `admin:${userInfo().username}`;
  } catch {
    return 'admin';
  }
}

async function openDb(program: Command): Promise<SqliteTaskStore> {
  const home = resolveHome(program);
  await prepareDataDir(home);
  return SqliteTaskStore.open(taskDbPath(home), { actor: adminActor(), busyTimeoutMs: 10_000 });
}

/**
 * Runs admin verbs on a cluster's taskdb (--taskdb, --s3), else through the
 * running daemon, or on a connection of our own when there is none.
 */
async function withAdmin<T>(program: Command, fn: (call: AdminCall) => Promise<T>): Promise<T> {
  const cluster = clusterOf(program.commands.find((c) => c.name() === 'admin')?.opts() ?? {});
  if (cluster) {
    const tdb = await PgTaskDb.open(cluster.taskdb, { actor: adminActor(), poolSize: 2 });
    const scratch = await mkdtemp(join(tmpdir(), 'bento-admin-'));
    const files = new S3TaskFiles(cluster.s3, scratch);
    try {
      return await fn(localCall(tdb, (jobId) => files.removeJob(jobId)));
    } finally {
      await tdb.close();
      await rm(scratch, { recursive: true, force: true });
    }
  }
  const daemon = await findDaemon(resolveHome(program));
  if (daemon) return fn(((verb: AdminVerb, ...args: unknown[]) => daemon.admin(verb, args)) as AdminCall);
  const tdb = await openDb(program);
  const store = new BlobStore(resolveHome(program));
  try {
    return await fn(localCall(tdb, (jobId) => store.removeJob(jobId)));
  } finally {
    await tdb.close();
  }
}

/** Verbs run on a taskdb connection of this process; a job a verb deleted loses its files too. */
function localCall(tdb: TaskStore, removeFiles: (jobId: string) => Promise<void>): AdminCall {
  return (async (verb: AdminVerb, ...args: unknown[]) => {
    const result = await runEngineAdminVerb(tdb, verb, args);
    await Promise.all(deletedJobs(result).map(removeFiles));
    return result;
  }) as AdminCall;
}

function parseInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0)
    throw new TaskDbError('invalid_argument', `expected a non-negative integer, got ${value}`);
  return n;
}

const jsonOption = () => new Option('--json', 'machine-readable output');
const forceOption = () => new Option('-f, --force', 'apply the changes (without it, only print them)');
const reasonOption = () => new Option('--reason <text>', 'why, kept in the audit trail');
const taskStateOption = () => new Option('--state <state>', 'only tasks in this state').choices(TASK_STATES);
const workerTypeOption = () => new Option('--worker-type <type>', 'only tasks of streams of this worker type');

function describeChange(c: Change): string {
  const what = c.target === 'job' ? `job ${c.jobId}` : `task ${c.jobId}/${c.taskId}`;
  const states = c.from || c.to ? `  ${c.from ?? '(new)'} -> ${c.to ?? '(removed)'}` : '';
  return `${c.action.padEnd(7)} ${what}${states}`;
}

function report(result: AdminResult, opts: MutateOpts): void {
  if (opts.json) {
    printJson({ dryRun: !opts.force, applied: result.applied, changes: result.changes });
    return;
  }
  if (result.changes.length === 0) {
    process.stdout.write('nothing to change\n');
    return;
  }
  const head = opts.force ? 'applied' : 'dry run: would apply';
  process.stdout.write(`${head} ${result.changes.length} change(s):\n`);
  for (const c of result.changes) process.stdout.write(`  ${describeChange(c)}\n`);
  if (!opts.force) process.stdout.write('use --force to apply\n');
}

function mutation(opts: MutateOpts): MutationOptions {
  return { force: opts.force ?? false, actor: adminActor(), ...(opts.reason ? { reason: opts.reason } : {}) };
}

function selection(job: string | undefined, task: string | undefined, opts: SelectOpts): TaskSelection {
  const jobId = job ?? opts.job;
  return {
    ...(jobId ? { jobId } : {}),
    ...(task ? { taskId: task } : {}),
    ...(opts.state ? { state: opts.state } : {}),
    ...(opts.workerType ? { workerType: opts.workerType } : {}),
    ...(opts.allUnfinished ? { allUnfinished: true } : {}),
  };
}

export function registerAdmin(program: Command): void {
  const admin = program
    .command('admin')
    .description('inspect and repair the task database (dry run unless --force)')
    .option('--taskdb <url>', "a cluster's taskdb instead of this data directory's: postgres://… (with --s3)")
    .option('--s3 <url>', "the cluster's bucket: http://host:port/bucket (keys in BENTO_S3_ACCESS_KEY, _SECRET_KEY)");

  const jobs = admin.command('jobs').description('jobs: list, get, abandon, delete');
  jobs
    .command('list')
    .description('list jobs, newest first')
    .addOption(new Option('--state <state>', 'only jobs in this state').choices(JOB_STATES))
    .option('--limit <n>', 'at most this many', parseInteger, 50)
    .addOption(jsonOption())
    .action((opts: CommonOpts & { state?: JobState; limit: number }) =>
      withAdmin(program, async (call) => {
        const rows = await call('listJobs', { ...(opts.state ? { state: opts.state } : {}), limit: opts.limit });
        if (opts.json) return printJson(rows);
        printTable(
          ['JOB', 'STATE', 'UNFINISHED', 'CREATED', 'ENDED', 'ERROR'],
          rows.map((j) => [j.id, j.state, j.unfinished, formatTime(j.createdAt), formatTime(j.endedAt), j.error]),
        );
      }),
    );
  jobs
    .command('get')
    .description('a job with its tasks and event timeline')
    .argument('<job>')
    .addOption(jsonOption())
    .action((jobId: string, opts: CommonOpts) =>
      withAdmin(program, async (call) => {
        const { job, tasks, events } = await call('getJob', jobId);
        if (opts.json) return printJson({ job, tasks, events });
        process.stdout.write(`job ${job.id}: ${job.state}${job.error ? ` (${job.error})` : ''}\n`);
        printTable(
          ['TASK', 'STATE', 'PROGRESS', 'RETRIES', 'WAITING_ON', 'ERROR'],
          tasks.map((t) => [
            t.taskId,
            t.state,
            t.progress.toFixed(2),
            `${t.retries}/${t.maxRetries}`,
            t.waitingOn,
            t.error,
          ]),
        );
        process.stdout.write('\nevents:\n');
        printTable(
          ['AT', 'TASK', 'FROM', 'TO', 'ACTOR', 'REASON'],
          events.map((e) => [formatTime(e.at), e.taskId ?? '(job)', e.from, e.to, e.actor, e.reason]),
        );
      }),
    );
  jobs
    .command('abandon')
    .description('fail a job and its unfinished tasks ("abandoned by admin"); rows are kept for audit')
    .argument('<job>')
    .addOption(reasonOption())
    .addOption(forceOption())
    .addOption(jsonOption())
    .action((jobId: string, opts: MutateOpts) =>
      withAdmin(program, async (call) => report(await call('abandonJob', jobId, mutation(opts)), opts)),
    );
  jobs
    .command('delete')
    .description('remove a job and its tasks (prefer abandon)')
    .argument('<job>')
    .addOption(reasonOption())
    .addOption(forceOption())
    .addOption(jsonOption())
    .action((jobId: string, opts: MutateOpts) =>
      withAdmin(program, async (call) => report(await call('deleteJob', jobId, mutation(opts)), opts)),
    );

  const tasks = admin.command('tasks').description('tasks: list, get, summary, abandon, reset, delete, backfill');
  tasks
    .command('list')
    .description('list tasks, oldest job first')
    .option('--job <job>', 'only tasks of this job')
    .addOption(taskStateOption())
    .addOption(workerTypeOption())
    .option('--limit <n>', 'at most this many', parseInteger, 200)
    .addOption(jsonOption())
    .action((opts: SelectOpts & { limit: number }) =>
      withAdmin(program, async (call) => {
        const rows = await call('listTasks', { ...selection(undefined, undefined, opts), limit: opts.limit });
        if (opts.json) return printJson(rows);
        printTable(
          ['JOB', 'TASK', 'STATE', 'PROGRESS', 'RETRIES', 'STARTED', 'ERROR'],
          rows.map((t) => [
            t.jobId,
            t.taskId,
            t.state,
            t.progress.toFixed(2),
            `${t.retries}/${t.maxRetries}`,
            formatTime(t.startedAt),
            t.error,
          ]),
        );
      }),
    );
  tasks
    .command('get')
    .description('one task in full')
    .argument('<job>')
    .argument('<task>')
    .addOption(jsonOption())
    .action((jobId: string, taskId: string, opts: CommonOpts) =>
      withAdmin(program, async (call) => {
        const task = await call('getTask', jobId, taskId);
        if (opts.json) return printJson(task);
        for (const [k, v] of Object.entries(task)) {
          process.stdout.write(`${k.padEnd(14)} ${typeof v === 'object' ? JSON.stringify(v) : String(v)}\n`);
        }
      }),
    );
  tasks
    .command('summary')
    .description('task counts by state, overall and per worker type')
    .option('--job <job>', 'only tasks of this job')
    .addOption(workerTypeOption())
    .addOption(jsonOption())
    .action((opts: SelectOpts) =>
      withAdmin(program, async (call) => {
        const summary = await call('summarizeTasks', {
          ...(opts.job ? { jobId: opts.job } : {}),
          ...(opts.workerType ? { workerType: opts.workerType } : {}),
        });
        if (opts.json) return printJson(summary);
        printTable(
          ['WORKER_TYPE', ...TASK_STATES.map((s) => s.toUpperCase())],
          [
            ...Object.entries(summary.byWorkerType).map(([wt, counts]) => [wt, ...TASK_STATES.map((s) => counts[s])]),
            ['(all)', ...TASK_STATES.map((s) => summary.total[s])],
          ],
        );
      }),
    );

  const selectVerb = (
    name: string,
    description: string,
    verb: 'abandonTasks' | 'resetTasks' | 'deleteTasks',
    extra?: (c: Command) => Command,
  ) => {
    let cmd = tasks
      .command(name)
      .description(description)
      .argument('[job]', 'the job of the task')
      .argument('[task]', 'the task id')
      .option('--job <job>', 'select tasks of this job')
      .addOption(taskStateOption())
      .addOption(workerTypeOption());
    if (extra) cmd = extra(cmd);
    cmd
      .addOption(reasonOption())
      .addOption(forceOption())
      .addOption(jsonOption())
      .action((job: string | undefined, task: string | undefined, opts: SelectOpts) =>
        withAdmin(program, async (call) => report(await call(verb, selection(job, task, opts), mutation(opts)), opts)),
      );
  };
  selectVerb('abandon', 'fail unfinished tasks ("abandoned by admin"), and so their jobs', 'abandonTasks', (c) =>
    c.option('--all-unfinished', 'every pending, ready or running task matching the filters'),
  );
  selectVerb('reset', 'make tasks ready again with retries cleared (a failed job runs again)', 'resetTasks');
  selectVerb('delete', 'remove task rows (prefer abandon)', 'deleteTasks');

  tasks
    .command('backfill')
    .description('insert a job and/or tasks described by a JSON file ("-" reads stdin)')
    .requiredOption('--file <path>', 'JSON: { jobId, userId?, job?: {workerType, taskDef, ...}, tasks?: [...] }')
    .addOption(reasonOption())
    .addOption(forceOption())
    .addOption(jsonOption())
    .action((opts: MutateOpts & { file: string }) => {
      const text = readFileSync(opts.file === '-' ? 0 : opts.file, 'utf8');
      let input: unknown;
      try {
        input = JSON.parse(text);
      } catch (err) {
        throw new TaskDbError('invalid_argument', `${opts.file} is not JSON: ${(err as Error).message}`);
      }
      return withAdmin(program, async (call) => report(await call('backfill', input, mutation(opts)), opts));
    });
}
