// Orchestration overhead of the proving pipeline: a multi-segment `loop` job
// proved through the engine (to a composite and to a succinct receipt, or the
// kind `--receipt` names), its end-to-end wall time against the children's
// run times on the critical path (the chain of tasks that actually held the
// job up: each task's latest-ending prerequisite, or the task before it in its
// slot). `--json` prints one JSON object.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RECEIPT_KINDS, ReceiptKind } from '../core/api/contract.js';
import { Engine } from '../core/engine/engine.js';
import { taskDbPath } from '../core/config/paths.js';
import { TaskDb } from '../core/taskdb/taskdb.js';
import type { Task, TaskEvent } from '../core/taskdb/types.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const json = args.includes('--json');
const only = args.indexOf('--receipt');
// Both kinds unless one is named: the succinct case is the composite one plus lifts, joins and the shrink.
const kinds: readonly ReceiptKind[] = only >= 0 ? [ReceiptKind.parse(args[only + 1])] : RECEIPT_KINDS;
const po2 = option('po2', 16);
const segments = option('segments', 6);
// The loop guest burns 19 cycles an iteration (examples/loop.c).
const iterations = Math.floor(((2 ** po2 - 4) * segments) / 19) - 10;

interface Span {
  task: Task;
  start: number;
  end: number;
  childMs: number;
}

function spans(tasks: Task[], events: TaskEvent[]): Map<string, Span> {
  const map = new Map<string, Span>();
  for (const task of tasks) {
    const mine = events.filter((e) => e.taskId === task.taskId);
    const start = Math.max(...mine.filter((e) => e.to === 'running').map((e) => e.at));
    const end = Math.max(...mine.filter((e) => e.to === 'done').map((e) => e.at));
    const out = (task.output ?? {}) as Record<string, number>;
    const childMs = (out.durationMs ?? 0) + (out.verifyDurationMs ?? 0);
    map.set(task.taskId, { task, start, end, childMs });
  }
  return map;
}

/** Children's time along the chain of blockers from the last task back. */
function criticalChildMs(all: Map<string, Span>, slots: Record<string, number>): { ms: number; chain: string[] } {
  const list = [...all.values()];
  let current = all.get('finalize') as Span;
  let ms = 0;
  const chain: string[] = [];
  const init = all.get('init') as Span;
  for (;;) {
    chain.push(current.task.taskId);
    ms += current.childMs;
    const sameSlot =
      slots[current.task.streamId] === 1
        ? list.filter((s) => s.task.streamId === current.task.streamId && s.end <= current.start)
        : [];
    const prereqs = current.task.prerequisites.map((p) => all.get(p) as Span);
    const blockers = [...prereqs, ...sameSlot].filter((s) => s !== current);
    const blocker = blockers.sort((a, b) => b.end - a.end)[0];
    if (blocker && blocker.end >= current.task.createdAt) {
      current = blocker;
      continue;
    }
    // Held up by its own creation: the executor was running to cut this segment.
    if (current !== init) ms += Math.max(0, current.task.createdAt - init.start);
    return { ms, chain };
  }
}

interface CaseResult {
  receipt_kind: ReceiptKind;
  segments: number;
  cycles: number | null;
  receipt_bytes: number | null;
  wall_ms: number;
  critical_path_child_ms: number;
  critical_path: string[];
  overhead_percent: number;
  khz: number;
}

/** One job of `loop` proved through a fresh engine to a receipt of this kind. */
async function measure(receiptKind: ReceiptKind): Promise<CaseResult> {
  const home = mkdtempSync(join(tmpdir(), 'bento-bench-pipeline-'));
  try {
    const engine = await Engine.open({ home });
    engine.start();
    const input = Buffer.alloc(4);
    input.writeUInt32LE(iterations);
    const started = performance.now();
    const jobId = await engine.createJob({
      elfPath: join(import.meta.dirname, '..', '..', 'examples', 'loop.elf'),
      input,
      po2,
      receiptKind,
    });
    const status = await engine.waitFor(jobId);
    const wallMs = performance.now() - started;
    if (status.phase !== 'succeeded') throw new Error(`the ${receiptKind} job ${status.phase}: ${status.error}`);
    await engine.close();
    // The children's own times are in the tasks' outputs: read from the taskdb itself, once the engine is closed.
    const db = TaskDb.open(taskDbPath(home), { readonly: true });
    // Tasks in a stream with one slot wait for each other.
    const slotsByStream = Object.fromEntries(db.getStreams().map((st) => [st.id, engine.slotCount(st.workerType)]));
    const all = spans(db.getTasks(jobId), db.getEvents(jobId));
    db.close();
    const { ms: childMs, chain } = criticalChildMs(all, slotsByStream);
    return {
      receipt_kind: receiptKind,
      segments: status.segments,
      cycles: status.cycles,
      receipt_bytes: status.receiptBytes,
      wall_ms: Math.round(wallMs),
      critical_path_child_ms: Math.round(childMs),
      critical_path: chain.reverse(),
      overhead_percent: Number(((100 * (wallMs - childMs)) / wallMs).toFixed(2)),
      khz: Number(((status.cycles ?? 0) / wallMs).toFixed(2)),
    };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}

const cases: CaseResult[] = [];
for (const kind of kinds) {
  const r = await measure(kind);
  cases.push(r);
  if (!json) {
    process.stdout.write(
      `${kind}: proved ${r.cycles} cycles in ${r.segments} segments of 2^${po2} through the engine in ${(r.wall_ms / 1000).toFixed(2)} s; receipt ${r.receipt_bytes} bytes\n`,
    );
    process.stdout.write(`  critical path: ${r.critical_path.join(' → ')}\n`);
    process.stdout.write(
      `  children on it: ${(r.critical_path_child_ms / 1000).toFixed(2)} s; orchestration overhead ${r.overhead_percent}%\n`,
    );
  }
}
const [composite, succinct] = [
  cases.find((c) => c.receipt_kind === 'composite'),
  cases.find((c) => c.receipt_kind === 'succinct'),
];
const ratio = composite && succinct ? Number((succinct.wall_ms / composite.wall_ms).toFixed(2)) : null;
if (json) process.stdout.write(`${JSON.stringify({ po2, cases, succinct_over_composite_wall: ratio })}\n`);
else if (ratio !== null) process.stdout.write(`succinct / composite wall time: ${ratio}\n`);
