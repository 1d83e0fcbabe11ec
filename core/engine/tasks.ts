// What each task does: spawn its bento-zkvm command with files in the job's
// work directory. Outputs are memoized, so a task delivered again reuses a
// finished child's result instead of recomputing it.

import { mkdir, open, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { BlobStore } from '../blobs/blobstore.js';
import { fileExists } from '../blobs/blobstore.js';
import { memo } from '../blobs/memo.js';
import { Planner, type PlannedTask } from '../planner/planner.js';
import type { TaskDb } from '../taskdb/taskdb.js';
import type { Json } from '../taskdb/types.js';
import { guestPanic } from '../guest/panic.js';
import { NativeError, type NativeRun, runNative } from './native.js';
import type { ExecuteDef, TaskDef } from './taskdefs.js';

export interface TaskContext {
  jobId: string;
  taskId: string;
  store: BlobStore;
  db: TaskDb;
  signal: AbortSignal;
  binary: string | undefined;
  timeoutMs: number;
  timeoutOf: (kind: TaskDef['kind'], po2: number) => number;
  streamOf: (kind: TaskDef['kind']) => string;
  maxRetries: number;
  onProgress: (fraction: number) => void;
  onCycles: (cycles: number) => void;
  onTasksAdded: () => void;
}

/** The segment receipt a prove or join task writes. */
function receiptFile(ctx: TaskContext, taskId: string): string {
  return join(ctx.store.workDir(ctx.jobId), 'receipts', `${taskId}.rcpt`);
}

function native(
  ctx: TaskContext,
  args: string[],
  onLine?: (line: Record<string, unknown>) => void,
): Promise<NativeRun> {
  return runNative(args, {
    signal: ctx.signal,
    timeoutMs: ctx.timeoutMs,
    binary: ctx.binary,
    ...(onLine ? { onLine } : {}),
  });
}

/** Runs `produce` unless an earlier delivery of the task finished it (its output file exists and its result is stored). */
async function memoized(ctx: TaskContext, output: string, produce: () => Promise<NativeRun>): Promise<Json> {
  const m = memo(ctx.store, ctx.jobId, ctx.taskId);
  const stored = await m.get('result');
  if (stored && (await fileExists(output)))
    return { ...(JSON.parse(stored.toString()) as Record<string, Json>), reused: true };
  const run = await produce();
  const result = { ...(run.result as Record<string, Json>), durationMs: Math.round(run.durationMs) };
  await m.put('result', JSON.stringify(result));
  return result;
}

export async function runTask(def: TaskDef, ctx: TaskContext): Promise<Json> {
  switch (def.kind) {
    case 'execute':
      return execute(def, ctx);
    case 'prove': {
      const out = receiptFile(ctx, ctx.taskId);
      const segment = join(ctx.store.workDir(ctx.jobId), 'segments', `${String(def.segment).padStart(6, '0')}.seg`);
      await mkdir(join(ctx.store.workDir(ctx.jobId), 'receipts'), { recursive: true });
      return memoized(ctx, out, () => native(ctx, ['prove-segment', segment, '--out', out]));
    }
    case 'join': {
      const out = receiptFile(ctx, ctx.taskId);
      return memoized(ctx, out, () =>
        native(ctx, ['join', receiptFile(ctx, def.left), receiptFile(ctx, def.right), '--out', out]),
      );
    }
    case 'finalize':
      return finalize(def.root, def.imageId, ctx);
  }
}

/** Runs the guest, planning proving tasks as segments come out, so proving overlaps execution. */
async function execute(def: ExecuteDef, ctx: TaskContext): Promise<Json> {
  const work = ctx.store.workDir(ctx.jobId);
  const segments = join(work, 'segments');
  await mkdir(segments, { recursive: true });
  const args = [
    'execute',
    ctx.store.path('elfs', def.elf),
    '--po2',
    String(def.po2),
    '--input',
    ctx.store.path('inputs', def.input),
  ];
  args.push('--log', ctx.store.path('logs', ctx.jobId));
  if (!def.executeOnly) args.push('--segments-dir', segments);
  if (def.cycleLimit !== null) args.push('--cycle-limit', String(def.cycleLimit));
  const planner = new Planner();
  const ids = new Map<number, string>();
  const segmentOf = new Map<number, number>();
  let cycles = 0;
  let segmentCount = 0;
  const plan = (finalize?: { imageId: string }): void => {
    ctx.db.transaction(undefined, () => {
      for (let t = planner.nextTask(); t; t = planner.nextTask())
        insertPlanned(ctx, t, def.po2, ids, segmentOf, finalize);
    });
    ctx.onTasksAdded();
  };
  const run = await native(ctx, args, (line) => {
    if (line.type !== 'segment') return;
    cycles += Number(line.cycles);
    ctx.onCycles(cycles);
    if (def.executeOnly) return;
    const planned = planner.enqueueSegment();
    segmentOf.set(planned, segmentCount);
    ids.set(planned, `prove-${segmentCount++}`);
    plan();
  });
  const done = run.result;
  const panic = guestPanic(Number(done.exit_code), await logTail(ctx.store.path('logs', ctx.jobId)));
  if (panic) throw new NativeError(panic, args, [], true);
  const journal = Buffer.from(String(done.journal ?? ''), 'hex');
  await ctx.store.put('journals', ctx.jobId, journal);
  const imageId = String(done.image_id);
  if (!def.executeOnly) {
    planner.finish();
    plan({ imageId });
  }
  return {
    exitCode: Number(done.exit_code),
    cycles: Number(done.total_cycles),
    segments: Number(done.segments),
    imageId,
    journal: journal.toString('hex'),
    durationMs: Math.round(run.durationMs),
  };
}

/** The last few KiB of a guest's log (enough for a panic report). */
async function logTail(path: string): Promise<string> {
  const file = await open(path, 'r').catch(() => undefined);
  if (!file) return '';
  try {
    const { size } = await file.stat();
    const length = Math.min(size, 4096);
    const { buffer } = await file.read(Buffer.alloc(length), 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await file.close();
  }
}

/** Creates the taskdb task for a planned task (a redelivered executor finds them there already). */
function insertPlanned(
  ctx: TaskContext,
  t: PlannedTask,
  po2: number,
  ids: Map<number, string>,
  segmentOf: ReadonlyMap<number, number>,
  finalize?: { imageId: string },
): void {
  const id = ids.get(t.number) ?? (t.command === 'finalize' ? 'finalize' : `${t.command}-${t.number}`);
  ids.set(t.number, id);
  if (ctx.db.getTask(ctx.jobId, id)) return;
  const deps = t.dependsOn.map((n) => ids.get(n) as string);
  let def: TaskDef;
  if (t.command === 'prove') def = { kind: 'prove', segment: segmentOf.get(t.number) as number, po2 };
  else if (t.command === 'join') def = { kind: 'join', left: deps[0] as string, right: deps[1] as string };
  else if (t.command === 'finalize' && finalize)
    def = { kind: 'finalize', root: deps[0] as string, imageId: finalize.imageId };
  else throw new Error(`the planner produced a ${t.command} task, which local proving does not run`);
  ctx.db.createTask(
    ctx.jobId,
    id,
    ctx.streamOf(def.kind),
    def as unknown as Json,
    deps,
    ctx.maxRetries,
    ctx.timeoutOf(def.kind, po2),
  );
}

/** Assembles the receipt, then verifies it in a separate run before the job may succeed. */
async function finalize(root: string, imageId: string, ctx: TaskContext): Promise<Json> {
  const receipt = ctx.store.path('receipts', ctx.jobId);
  const journal = ctx.store.path('journals', ctx.jobId);
  const assembled = await memoized(ctx, receipt, () =>
    native(ctx, ['finalize', receiptFile(ctx, root), '--journal', journal, '--image-id', imageId, '--out', receipt]),
  );
  ctx.onProgress(0.5);
  try {
    const verified = await native(ctx, ['verify', receipt, '--image-id', imageId]);
    return {
      ...(assembled as Record<string, Json>),
      verifyMs: Number(verified.result.verify_ms),
      verifyDurationMs: Math.round(verified.durationMs),
    };
  } catch (err) {
    // No receipt is left behind that did not verify.
    await rm(receipt, { force: true });
    await rm(`${receipt}.json`, { force: true });
    throw err;
  }
}
