// `bento prove`, `bento verify`, `bento jobs …` and `bento receipts export`:
// the main job, run by an engine inside this process.

import { readFile } from 'node:fs/promises';
import { type Command, Option } from 'commander';
import {
  DEFAULT_PO2,
  DEFAULT_RECEIPT_KIND,
  type JobStatus,
  PO2_MAX,
  PO2_MIN,
  RECEIPT_KINDS,
  ReceiptKind,
} from '../api/contract.js';
import { EngineError, isTerminal } from '../engine/engine.js';
import { type Backend, openBackend, waitFor } from './backend.js';
import { imageIdOf, runNative } from '../engine/native.js';
import { formatTime, printJson, printTable } from './output.js';
import { resolveHome } from './home.js';
import { InputError, hexInput, u32Input } from '../guest/input.js';
import { postcardInput } from '../guest/postcard.js';

interface InputOpts {
  input?: string;
  inputHex?: string;
  inputU32?: string[];
  inputPostcard?: string[];
}

/** The guest's input from exactly one of --input, --input-hex, --input-u32, --input-postcard. */
export async function readInput(opts: InputOpts): Promise<Buffer> {
  const given = [opts.input, opts.inputHex, opts.inputU32, opts.inputPostcard].filter((x) => x !== undefined);
  if (given.length > 1)
    throw new EngineError('give at most one of --input, --input-hex, --input-u32 and --input-postcard');
  if (opts.input !== undefined) {
    return readFile(opts.input).catch((err: NodeJS.ErrnoException) => {
      throw new EngineError(`cannot read the input ${opts.input}: ${err.code ?? err.message}`);
    });
  }
  const flag =
    opts.inputHex !== undefined ? '--input-hex' : opts.inputPostcard !== undefined ? '--input-postcard' : '--input-u32';
  try {
    if (opts.inputHex !== undefined) return Buffer.from(hexInput(opts.inputHex));
    if (opts.inputPostcard !== undefined) return Buffer.from(postcardInput(opts.inputPostcard));
    return Buffer.from(u32Input(opts.inputU32 ?? []));
  } catch (err) {
    if (err instanceof InputError) throw new EngineError(`${flag}: ${err.message}`);
    throw err;
  }
}

function seconds(ms: number | null): string {
  if (ms === null) return '?';
  const s = Math.round(ms / 1000);
  return s >= 60 ? `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s` : `${s}s`;
}

/** One line describing where a job stands. */
export function describe(s: JobStatus): string {
  const parts: string[] = [s.phase];
  if (s.segments > 0 || s.phase === 'proving')
    parts.push(`${s.proven}/${s.segments}${s.executionDone ? '' : '+'} segments`);
  if (s.joins > 0) parts.push(`${s.joined}/${s.joins}${s.executionDone ? '' : '+'} joined`);
  if (s.cycles !== null) parts.push(`${s.cycles.toLocaleString('en-US')} cycles`);
  parts.push(`elapsed ${seconds(s.elapsedMs)}`);
  if (s.etaMs !== null && !isTerminal(s)) parts.push(`eta ${seconds(s.etaMs)}`);
  return parts.join(' · ');
}

function printResult(s: JobStatus, receipt: string | null): void {
  const journal = s.journalHex ?? '';
  const text = Buffer.from(journal, 'hex').toString('utf8');
  const printable = journal.length > 0 && /^[\x20-\x7e\n\t]*$/.test(text);
  process.stdout.write(`exit code: ${s.exitCode}\n`);
  process.stdout.write(`journal:   ${journal || '(empty)'}${printable ? ` (${JSON.stringify(text)})` : ''}\n`);
  process.stdout.write(`image id:  ${s.imageId}\n`);
  process.stdout.write(`cycles:    ${s.cycles} in ${s.segments || '-'} segment(s), ${seconds(s.elapsedMs)}\n`);
  if (s.hasReceipt && receipt) process.stdout.write(`receipt:   ${receipt}\n`);
}

async function withBackend<T>(program: Command, fn: (backend: Backend) => Promise<T>, work = false): Promise<T> {
  const backend = await openBackend(resolveHome(program), work);
  try {
    return await fn(backend);
  } finally {
    await backend.close();
  }
}

interface ProveOpts extends InputOpts {
  po2: string;
  executeOnly?: boolean;
  receipt: string;
  cycleLimit?: string;
  out?: string;
  json?: boolean;
}

/** `--receipt <kind>`, as `bento prove` and `bento cluster prove` take it. */
export function receiptOption(): Option {
  return new Option(
    '--receipt <kind>',
    'the receipt to make: succinct (one recursion proof; small) or composite (every segment proof; quick)',
  ).default(DEFAULT_RECEIPT_KIND);
}

export function receiptKindOf(value: string): ReceiptKind {
  const kind = ReceiptKind.safeParse(value);
  if (!kind.success) throw new EngineError(`--receipt: ${value} is not one of ${RECEIPT_KINDS.join(', ')}`);
  return kind.data;
}

async function prove(program: Command, elf: string, opts: ProveOpts): Promise<void> {
  const input = await readInput(opts);
  const po2 = Number(opts.po2);
  const cycleLimit = opts.cycleLimit === undefined ? null : Number(opts.cycleLimit);
  if (cycleLimit !== null && !(Number.isInteger(cycleLimit) && cycleLimit > 0))
    throw new EngineError(`--cycle-limit: ${opts.cycleLimit} is not a positive integer`);
  const receiptKind = receiptKindOf(opts.receipt);
  const { status, receipt } = await withBackend(
    program,
    async (backend) => {
      const jobId = await backend.createJob({
        elfPath: elf,
        input,
        po2,
        cycleLimit,
        executeOnly: opts.executeOnly ?? false,
        receiptKind,
      });
      const tty = process.stderr.isTTY && !opts.json;
      let lastLine = '';
      const show = (s: JobStatus): void => {
        const line = `job ${jobId.slice(0, 8)}: ${describe(s)}`;
        if (line === lastLine) return;
        lastLine = line;
        if (opts.json) process.stdout.write(`${JSON.stringify({ type: 'progress', ...s })}\n`);
        else if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else process.stderr.write(`${line}\n`);
      };
      const stopOnSignal = (): void => void backend.stop(jobId);
      process.once('SIGINT', stopOnSignal);
      try {
        const final = await waitFor(backend, jobId, show, tty ? 250 : 1000);
        if (tty) process.stderr.write('\n');
        if (final.phase !== 'succeeded' || !final.hasReceipt) return { status: final, receipt: null };
        if (opts.out) await backend.exportReceipt(jobId, opts.out);
        return { status: final, receipt: opts.out ?? (await backend.receiptFile(jobId)) };
      } finally {
        process.off('SIGINT', stopOnSignal);
      }
    },
    true,
  );
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ type: 'done', ...status, receiptPath: receipt })}\n`);
  } else if (status.phase === 'succeeded') {
    printResult(status, receipt);
  }
  if (status.phase !== 'succeeded')
    throw new EngineError(`job ${status.jobId} ${status.phase}: ${status.error ?? 'unknown error'}`);
}

export function registerProve(program: Command): void {
  program
    .command('prove')
    .description('prove a guest ELF on its input and write a verified receipt')
    .argument('<elf>', 'the guest program (RV32IM ELF)')
    .option('--input <file>', 'the private input, from a file')
    .option('--input-hex <hex>', 'the private input, as hex bytes')
    .option('--input-u32 <n...>', 'the private input, as little-endian 32-bit words')
    .option(
      '--input-postcard <type:value...>',
      'the private input, as typed values in postcard (what env::read::<T>() reads), e.g. u32:30 str:hi',
    )
    .option('--po2 <n>', `segments of at most 2^n cycles (${PO2_MIN}..${PO2_MAX})`, String(DEFAULT_PO2))
    .option('--cycle-limit <n>', 'stop the guest after this many cycles')
    .option('--execute-only', 'run the guest and report its journal without proving')
    .addOption(receiptOption())
    .option('--out <file>', 'also copy the receipt here')
    .option('--json', 'JSON lines on stdout: progress, then the result')
    .action((elf: string, opts: ProveOpts) => prove(program, elf, opts));

  program
    .command('verify')
    .description('verify a receipt (exit status 0 only if it is valid)')
    .argument('<receipt>', 'the receipt file')
    .addOption(new Option('--image-id <hex>', 'the image ID the receipt must prove').conflicts('elf'))
    .option('--elf <file>', 'the guest program whose image ID the receipt must prove')
    .option('--json', 'print the verdict as JSON')
    .action(async (receipt: string, opts: { imageId?: string; elf?: string; json?: boolean }) => {
      let imageId = opts.imageId;
      if (!imageId && opts.elf) imageId = await imageIdOf(opts.elf);
      if (!imageId) throw new EngineError('give the expected --image-id or the guest --elf');
      const { result } = await runNative(['verify', receipt, '--image-id', imageId]);
      if (opts.json) printJson(result);
      else {
        const r = result.receipt as Record<string, unknown>;
        process.stdout.write(
          `valid ${String(r.kind)} receipt (${String(r.bytes)} bytes) for image ${String(r.image_id)}: ` +
            `exit code ${String(r.exit_code)}, ${String(r.cycles)} cycles in ${String(r.segments)} segment(s), ` +
            `journal ${String(r.journal_hex) || '(empty)'}\n`,
        );
      }
    });

  const jobs = program.command('jobs').description('proving jobs on this machine');
  jobs
    .command('list')
    .option('--json')
    .action((opts: { json?: boolean }) =>
      withBackend(program, async (backend) => {
        const list = await backend.list();
        if (opts.json) return printJson(list);
        printTable(
          ['job', 'phase', 'created', 'cycles', 'segments', 'error'],
          list.map((s) => [s.jobId, s.phase, formatTime(s.createdAt), s.cycles, s.segments, s.error]),
        );
      }),
    );
  jobs
    .command('show')
    .argument('<job>')
    .option('--json')
    .action((job: string, opts: { json?: boolean }) =>
      withBackend(program, async (backend) => {
        const { tasks, events: _events, ...s } = await backend.detail(job);
        if (opts.json) return printJson({ ...s, tasks });
        process.stdout.write(`job ${job}: ${describe(s)}${s.error ? `\nerror: ${s.error}` : ''}\n`);
        if (s.phase === 'succeeded') printResult(s, await backend.receiptFile(job));
        printTable(
          ['task', 'state', 'retries', 'error'],
          tasks.map((t) => [t.taskId, t.state, t.retries, t.error]),
        );
      }),
    );
  jobs
    .command('stop')
    .argument('<job>')
    .action((job: string) =>
      withBackend(program, async (backend) => {
        if (!(await backend.stop(job))) throw new EngineError(`job ${job} is not running`);
        process.stdout.write(`stopped job ${job}\n`);
      }),
    );
  jobs
    .command('logs')
    .description("the guest's stdout and stderr")
    .argument('<job>')
    .action((job: string) =>
      withBackend(program, async (backend) => {
        process.stdout.write(await backend.logs(job));
      }),
    );

  program
    .command('receipts')
    .description('receipts of finished jobs')
    .command('export')
    .argument('<job>')
    .argument('<file>')
    .action((job: string, file: string) =>
      withBackend(program, async (backend) => {
        await backend.exportReceipt(job, file);
        process.stdout.write(`receipt of job ${job} written to ${file}\n`);
      }),
    );
}
