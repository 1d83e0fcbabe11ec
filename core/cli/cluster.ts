// `bento worker`: a cluster worker on this host; `bento cluster prove`: a job
// for the cluster's workers, its receipt read back from the bucket.

import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Command, Option } from 'commander';
import { DEFAULT_PO2, type S3Config } from '../api/contract.js';
import { S3TaskFiles } from '../blobs/taskfiles.js';
import { s3ConfigFromUrl } from '../cluster/s3url.js';
import { fetchVerifiedReceipt, submitJob, waitForJob } from '../cluster/submit.js';
import { ClusterWorker } from '../cluster/worker.js';
import { EngineError } from '../engine/engineerror.js';
import { STREAMS, type StreamKind } from '../engine/taskdefs.js';
import { PgTaskDb } from '../taskdb/pg/pgtaskdb.js';
import { formatTime, printJson, printTable } from './output.js';
import { readInput, receiptKindOf, receiptOption } from './prove.js';

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new EngineError(`${flag}: ${value} is not a positive integer`);
  return n;
}

function postgresUrl(value: string): string {
  if (!/^postgres(ql)?:\/\//.test(value)) throw new EngineError('--taskdb: expected a postgres:// URL');
  return value;
}

/** A cluster named by --taskdb and --s3 (given both or neither: the bucket holds what the taskdb's jobs name). */
export function clusterOf(opts: { taskdb?: string; s3?: string }): { taskdb: string; s3: S3Config } | undefined {
  if (!opts.taskdb && !opts.s3) return undefined;
  if (!opts.taskdb || !opts.s3)
    throw new EngineError('--taskdb and --s3 go together: a cluster has a shared taskdb and a bucket');
  return { taskdb: postgresUrl(opts.taskdb), s3: s3ConfigFromUrl(opts.s3) };
}

function streamList(value: string): StreamKind[] {
  const kinds = value.split(',').map((s) => s.trim());
  const unknown = kinds.filter((k) => !(STREAMS as readonly string[]).includes(k));
  if (unknown.length > 0 || kinds.length === 0)
    throw new EngineError(`--streams: ${unknown.join(', ') || value} is not one of ${STREAMS.join(', ')}`);
  return kinds as StreamKind[];
}

export function registerCluster(program: Command): void {
  program
    .command('worker')
    .description("run tasks of a cluster's shared taskdb (PostgreSQL) on files in its bucket, until SIGINT or SIGTERM")
    .requiredOption('--taskdb <url>', 'the taskdb: postgres://user@host:port/database')
    .requiredOption('--s3 <url>', 'the bucket: http://host:port/bucket (keys in BENTO_S3_ACCESS_KEY, _SECRET_KEY)')
    .option('--streams <list>', `the streams it claims from (${STREAMS.join(',')})`, STREAMS.join(','))
    .option('--slots <n>', 'tasks it runs at once on each of its streams', '1')
    .option('--cache <dir>', 'where fetched files are kept (default: a temporary folder)')
    .option('--lease-secs <n>', 'how long a claim stays held without a heartbeat', '30')
    .option('--sweep-secs <n>', 'how often it takes back tasks whose lease or deadline has passed', '5')
    .addOption(new Option('--id <name>', 'its name in the taskdb (default: host-pid-random)'))
    .action(
      async (opts: {
        taskdb: string;
        s3: string;
        streams: string;
        slots: string;
        cache?: string;
        leaseSecs: string;
        sweepSecs: string;
        id?: string;
      }) => {
        const cache = opts.cache ?? (await mkdtemp(join(tmpdir(), 'bento-worker-')));
        const worker = await ClusterWorker.start({
          taskdb: postgresUrl(opts.taskdb),
          s3: s3ConfigFromUrl(opts.s3),
          streams: streamList(opts.streams),
          slots: positiveInt('--slots', opts.slots),
          leaseMs: positiveInt('--lease-secs', opts.leaseSecs) * 1000,
          sweepMs: positiveInt('--sweep-secs', opts.sweepSecs) * 1000,
          cache,
          ...(opts.id ? { id: opts.id } : {}),
        });
        process.stdout.write(`bento worker ${worker.id} running ${opts.streams}\n`);
        await new Promise<void>((resolve) => {
          const shutdown = (): void => {
            process.stdout.write(`bento worker ${worker.id} stopping\n`);
            void worker
              .close()
              .catch((err: unknown) => process.stderr.write(`error: ${(err as Error).message}\n`))
              .finally(async () => {
                if (!opts.cache) await rm(cache, { recursive: true, force: true });
                resolve();
              });
          };
          process.once('SIGINT', shutdown);
          process.once('SIGTERM', shutdown);
        });
      },
    );

  const cluster = program.command('cluster').description("a cluster's jobs and workers, without a daemon");

  cluster
    .command('workers')
    .description('list the workers connected to the taskdb: host, streams, slots, what each runs, last heartbeat')
    .requiredOption('--taskdb <url>', 'the taskdb: postgres://user@host:port/database')
    .option('--within-secs <n>', 'heard from within this many seconds', '120')
    .option('--json', 'JSON output')
    .action(async (opts: { taskdb: string; withinSecs: string; json?: boolean }) => {
      const tdb = await PgTaskDb.open(postgresUrl(opts.taskdb), { actor: 'cluster-cli', poolSize: 1 });
      try {
        const workers = await tdb.listWorkers(Date.now() - positiveInt('--within-secs', opts.withinSecs) * 1000);
        if (opts.json) printJson(workers);
        else
          printTable(
            ['WORKER', 'HOST', 'STREAMS', 'SLOTS', 'RUNNING', 'LAST HEARTBEAT'],
            workers.map((w) => [
              w.id,
              w.host,
              w.streams.join(','),
              w.slots,
              w.running.map((t) => `${t.jobId.slice(0, 8)}/${t.taskId}`).join(' ') || null,
              formatTime(w.lastHeartbeat),
            ]),
          );
      } finally {
        await tdb.close();
      }
    });

  cluster
    .command('prove')
    .description("prove a guest on the cluster's workers and write its receipt")
    .argument('<elf>', 'the guest program')
    .requiredOption('--taskdb <url>', 'the taskdb: postgres://user@host:port/database')
    .requiredOption('--s3 <url>', 'the bucket: http://host:port/bucket (keys in BENTO_S3_ACCESS_KEY, _SECRET_KEY)')
    .option('--input <file>', 'the private input, from a file')
    .option('--input-hex <hex>', 'the private input, as hex bytes')
    .option('--input-u32 <n...>', 'the private input, as little-endian 32-bit words')
    .option('--po2 <n>', 'segments of at most 2^n cycles', String(DEFAULT_PO2))
    .addOption(receiptOption())
    .requiredOption('--out <file>', 'where the receipt goes')
    .action(
      async (
        elfPath: string,
        opts: {
          taskdb: string;
          s3: string;
          po2: string;
          receipt: string;
          out: string;
          input?: string;
          inputHex?: string;
          inputU32?: string[];
        },
      ) => {
        const scratch = await mkdtemp(join(tmpdir(), 'bento-cluster-'));
        const tdb = await PgTaskDb.open(postgresUrl(opts.taskdb), { actor: 'cluster-cli', poolSize: 2 });
        try {
          const files = new S3TaskFiles(s3ConfigFromUrl(opts.s3), scratch);
          const elf = await readFile(elfPath).catch((err: NodeJS.ErrnoException) => {
            throw new EngineError(`cannot read the ELF ${elfPath}: ${err.code ?? err.message}`);
          });
          const jobId = await submitJob(tdb, files, {
            elf,
            input: await readInput(opts),
            po2: positiveInt('--po2', opts.po2),
            receiptKind: receiptKindOf(opts.receipt),
            scratch,
          });
          process.stdout.write(`job ${jobId}\n`);
          const state = await waitForJob(tdb, jobId);
          if (state !== 'done') {
            const job = await tdb.getJob(jobId);
            throw new EngineError(`job ${jobId} ${state}: ${job?.error ?? ''}`);
          }
          await writeFile(opts.out, await fetchVerifiedReceipt(tdb, files, jobId));
          process.stdout.write(`receipt written to ${opts.out}\n`);
        } finally {
          await tdb.close();
          await rm(scratch, { recursive: true, force: true });
        }
      },
    );
}
