// What each task does: spawn its bento-zkvm command on the job's files
// (TaskFiles: the blob store's on the desktop, the bucket's in a cluster,
// fetched before and published after). Outputs are memoized, so a task
// delivered again, on any host, reuses a finished child's result instead of
// recomputing it.

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { dirname } from 'node:path';
import { writeAtomic } from '../blobs/blobstore.js';
import { memo } from '../blobs/memo.js';
import type { FileRef, TaskFiles } from '../blobs/taskfiles.js';
import { Planner, type PlannedTask } from '../planner/planner.js';
import type { TaskStore } from '../taskdb/store.js';
import type { Json } from '../taskdb/types.js';
import { guestPanic } from '../guest/panic.js';
import { NativeError, type NativeRun, runNative } from './native.js';
import type { ExecuteDef, TaskDef } from './taskdefs.js';

export interface TaskContext {
  jobId: string;
  taskId: string;
  files: TaskFiles;
  db: TaskStore;
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
function receiptFile(ctx: TaskContext, taskId: string): FileRef {
  return { job: ctx.jobId, work: `receipts/${taskId}.rcpt` };
}

/** The recursion run a lift or a join of recursion runs writes. */
function runFile(ctx: TaskContext, taskId: string): FileRef {
  return { job: ctx.jobId, work: `runs/${taskId}.rrn` };
}

/** The job's segment shapes, which every join of recursion runs reads. */
function shapesFile(ctx: TaskContext): FileRef {
  return { job: ctx.jobId, work: 'runs/shapes.json' };
}

/** A segment the executor cut. */
function segmentFile(ctx: TaskContext, segment: number): FileRef {
  return { job: ctx.jobId, work: `segments/${String(segment).padStart(6, '0')}.seg` };
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

/**
 * Runs `produce` (writing `output` at the local path it is given) unless an
 * earlier delivery of the task finished it (its output is published and its
 * result stored); the output is published before the result is stored.
 */
async function memoized(
  ctx: TaskContext,
  output: FileRef,
  produce: (out: string) => Promise<NativeRun>,
): Promise<Json> {
  const m = memo(ctx.files, ctx.jobId, ctx.taskId);
  const stored = await m.get('result');
  if (stored && (await ctx.files.exists(output)))
    return { ...(JSON.parse(stored.toString()) as Record<string, Json>), reused: true };
  const run = await produce(await ctx.files.local(output));
  await ctx.files.publish(output);
  const result = { ...(run.result as Record<string, Json>), durationMs: Math.round(run.durationMs) };
  await m.put('result', JSON.stringify(result));
  return result;
}

export async function runTask(def: TaskDef, ctx: TaskContext): Promise<Json> {
  switch (def.kind) {
    case 'execute':
      return execute(def, ctx);
    case 'prove': {
      const segment = await ctx.files.fetch(segmentFile(ctx, def.segment));
      return memoized(ctx, receiptFile(ctx, ctx.taskId), (out) =>
        native(ctx, ['prove-segment', segment, '--out', out, ...(def.shapes === 'own' ? ['--own-shapes'] : [])]),
      );
    }
    case 'lift': {
      const receipt = await ctx.files.fetch(receiptFile(ctx, def.prove));
      return memoized(ctx, runFile(ctx, ctx.taskId), (out) =>
        native(ctx, ['lift', receipt, '--journal-before', def.journalBefore, '--out', out]),
      );
    }
    case 'shapes':
      return gatherShapes(def.lifts, ctx);
    case 'join': {
      if (!def.recursion) {
        const left = await ctx.files.fetch(receiptFile(ctx, def.left));
        const right = await ctx.files.fetch(receiptFile(ctx, def.right));
        return memoized(ctx, receiptFile(ctx, ctx.taskId), (out) => native(ctx, ['join', left, right, '--out', out]));
      }
      const left = await ctx.files.fetch(runFile(ctx, def.left));
      const right = await ctx.files.fetch(runFile(ctx, def.right));
      const shapes = await ctx.files.fetch(shapesFile(ctx));
      return memoized(ctx, runFile(ctx, ctx.taskId), (out) =>
        native(ctx, ['join', left, right, '--shapes', shapes, '--out', out]),
      );
    }
    case 'finalize':
      return finalize(def.recursion ? runFile(ctx, def.root) : receiptFile(ctx, def.root), def.imageId, ctx);
  }
}

/**
 * The distinct shapes of the lifts' segment proofs, in segment order (each lift's result names its shape), each
 * with its lift key's digest where the lift reported one: a hint that spares every join compiling that lift
 * circuit (a wrong one makes a receipt that finalize refuses, never one that verifies).
 */
async function gatherShapes(lifts: readonly string[], ctx: TaskContext): Promise<Json> {
  const shapes: ({ shape: number[]; key: string } | number[])[] = [];
  const seen = new Set<string>();
  for (const id of lifts) {
    const output = (await ctx.db.getTask(ctx.jobId, id))?.output as
      { shape?: unknown; key?: unknown } | null | undefined;
    const shape = output?.shape;
    if (!Array.isArray(shape) || !shape.every((h) => Number.isInteger(h) && h >= 0 && h < 64))
      throw new Error(`lift task ${id} of job ${ctx.jobId} did not report its segment's shape`);
    const name = shape.join(',');
    if (seen.has(name)) continue;
    seen.add(name);
    const key = output?.key;
    shapes.push(
      typeof key === 'string' && /^[0-9a-f]{64}$/.test(key) ? { shape: shape as number[], key } : (shape as number[]),
    );
  }
  const ref = shapesFile(ctx);
  await writeAtomic(await ctx.files.local(ref), Buffer.from(JSON.stringify(shapes)));
  await ctx.files.publish(ref);
  return { shapes: shapes.length };
}

/** Runs the guest, planning proving tasks as segments come out, so proving overlaps execution. */
async function execute(def: ExecuteDef, ctx: TaskContext): Promise<Json> {
  const segments = dirname(await ctx.files.local(segmentFile(ctx, 0)));
  const logRef: FileRef = { kind: 'logs', id: ctx.jobId };
  const log = await ctx.files.local(logRef);
  const input = await ctx.files.fetch({ kind: 'inputs', id: def.input });
  // Blobs are named by what they hold: one that is not (a bucket others write to) is never run.
  const hash = createHash('sha256');
  await pipeline(createReadStream(input), hash);
  const digest = hash.digest('hex');
  if (digest !== def.input)
    throw new NativeError(`the stored input ${def.input} has another content (SHA-256 ${digest})`, [], [], true);
  const elf = await ctx.files.fetch({ kind: 'elfs', id: def.elf });
  const args = ['execute', elf, '--po2', String(def.po2), '--input', input, '--log', log];
  if (!def.executeOnly) args.push('--segments-dir', segments);
  if (def.cycleLimit !== null) args.push('--cycle-limit', String(def.cycleLimit));
  const planner = new Planner();
  const plan: Plan = {
    po2: def.po2,
    recursion: def.receiptKind === 'succinct',
    ids: new Map(),
    segmentOf: new Map(),
    journalBefore: new Map(),
    lifts: [],
    merges: [],
  };
  let cycles = 0;
  let segmentCount = 0;
  const insert = async (finalize?: { imageId: string }): Promise<void> => {
    await ctx.db.transaction(undefined, async (tx) => {
      for (let t = planner.nextTask(); t; t = planner.nextTask()) await insertPlanned(ctx, tx, t, plan);
      // Composite joins start as soon as their inputs exist; joins of recursion
      // runs need every segment's shape, so they wait for execution to end.
      if (!plan.recursion || finalize) await insertMerges(ctx, tx, plan, finalize);
    });
    ctx.onTasksAdded();
  };
  // Each segment is published, then its proving planned, in the order they come out.
  let planning: Promise<void> = Promise.resolve();
  let planningFailed: { error: unknown } | undefined;
  const run = await native(ctx, args, (line) => {
    if (line.type !== 'segment') return;
    cycles += Number(line.cycles);
    ctx.onCycles(cycles);
    if (def.executeOnly) return;
    const segment = segmentCount++;
    plan.journalBefore.set(segment, String(line.journal_before));
    planning = planning
      .then(async () => {
        // Planned only once published: a worker elsewhere may claim its proving at once.
        await ctx.files.publish(segmentFile(ctx, segment));
        const planned = planner.enqueueSegment();
        plan.segmentOf.set(planned, segment);
        await insert();
      })
      .catch((error: unknown) => {
        planningFailed ??= { error };
      });
  }).finally(() => ctx.files.publish(logRef).catch(() => undefined));
  await planning;
  if (planningFailed) throw planningFailed.error;
  const done = run.result;
  const panic = guestPanic(Number(done.exit_code), await logTail(log));
  if (panic) throw new NativeError(panic, args, [], true);
  const journal = Buffer.from(String(done.journal ?? ''), 'hex');
  const journalRef: FileRef = { kind: 'journals', id: ctx.jobId };
  await writeAtomic(await ctx.files.local(journalRef), journal);
  await ctx.files.publish(journalRef);
  const imageId = String(done.image_id);
  if (imageId !== def.elf)
    throw new NativeError(`the stored ELF ${def.elf} is the ELF of another image ID (${imageId})`, args, [], true);
  if (!def.executeOnly) {
    planner.finish();
    await insert({ imageId });
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

/** What the executor has planned so far, as taskdb tasks. */
interface Plan {
  po2: number;
  /** Succinct receipts: each segment is lifted, and the tree joins recursion runs. */
  recursion: boolean;
  /** The taskdb id of each planned task (a lifted segment's is its lift's). */
  ids: Map<number, string>;
  segmentOf: Map<number, number>;
  /** The journal chain before each segment, as the executor printed it. */
  journalBefore: Map<number, string>;
  lifts: string[];
  /** Joins and finalize planned but not created yet. */
  merges: PlannedTask[];
}

async function createTask(ctx: TaskContext, db: TaskStore, id: string, def: TaskDef, deps: string[], po2: number) {
  if (await db.getTask(ctx.jobId, id)) return;
  await db.createTask(
    ctx.jobId,
    id,
    ctx.streamOf(def.kind),
    def as unknown as Json,
    deps,
    ctx.maxRetries,
    ctx.timeoutOf(def.kind, po2),
  );
}

/**
 * Creates the taskdb tasks for a planned segment (a redelivered executor
 * finds them there already): its prove task, and its lift for succinct
 * receipts. Joins and finalize are held for `insertMerges`.
 */
async function insertPlanned(ctx: TaskContext, db: TaskStore, t: PlannedTask, plan: Plan): Promise<void> {
  if (t.command !== 'prove') {
    plan.merges.push(t);
    return;
  }
  const segment = plan.segmentOf.get(t.number) as number;
  const prove = `prove-${segment}`;
  const shapes = plan.recursion ? 'catalogue' : 'own';
  await createTask(ctx, db, prove, { kind: 'prove', segment, po2: plan.po2, shapes }, [], plan.po2);
  if (!plan.recursion) {
    plan.ids.set(t.number, prove);
    return;
  }
  const lift = `lift-${segment}`;
  plan.ids.set(t.number, lift);
  plan.lifts.push(lift);
  const journalBefore = plan.journalBefore.get(segment);
  if (journalBefore === undefined)
    throw new Error(`job ${ctx.jobId}: the executor printed no journal chain for segment ${segment}`);
  await createTask(ctx, db, lift, { kind: 'lift', prove, segment, journalBefore }, [prove], plan.po2);
}

/**
 * Creates the held joins (and finalize, once execution has ended and the
 * image ID is known). Joins of recursion runs also wait on the `shapes`
 * task, which waits on every lift.
 */
async function insertMerges(
  ctx: TaskContext,
  db: TaskStore,
  plan: Plan,
  finalize: { imageId: string } | undefined,
): Promise<void> {
  const recursion = plan.recursion;
  const joinsNeedShapes = recursion && plan.merges.some((t) => t.command === 'join');
  if (joinsNeedShapes) await createTask(ctx, db, 'shapes', { kind: 'shapes', lifts: plan.lifts }, plan.lifts, plan.po2);
  for (const t of plan.merges) {
    const id = t.command === 'finalize' ? 'finalize' : `${t.command}-${t.number}`;
    plan.ids.set(t.number, id);
    const deps = t.dependsOn.map((n) => plan.ids.get(n) as string);
    let def: TaskDef;
    if (t.command === 'join') def = { kind: 'join', left: deps[0] as string, right: deps[1] as string, recursion };
    else if (t.command === 'finalize' && finalize)
      def = { kind: 'finalize', root: deps[0] as string, imageId: finalize.imageId, recursion };
    else throw new Error(`the planner produced a ${t.command} task, which local proving does not run`);
    await createTask(ctx, db, id, def, t.command === 'join' && joinsNeedShapes ? [...deps, 'shapes'] : deps, plan.po2);
  }
  plan.merges.length = 0;
}

/** Assembles the receipt, then verifies it in a separate run before the job may succeed. */
async function finalize(root: FileRef, imageId: string, ctx: TaskContext): Promise<Json> {
  const receiptRef: FileRef = { kind: 'receipts', id: ctx.jobId };
  const journal = await ctx.files.fetch({ kind: 'journals', id: ctx.jobId });
  const rootReceipt = await ctx.files.fetch(root);
  const assembled = await memoized(ctx, receiptRef, (out) =>
    native(ctx, ['finalize', rootReceipt, '--journal', journal, '--image-id', imageId, '--out', out]),
  );
  const receipt = await ctx.files.fetch(receiptRef);
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
    await ctx.files.remove(receiptRef);
    await rm(`${receipt}.json`, { force: true });
    throw err;
  }
}
