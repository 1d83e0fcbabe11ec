// Orchestration overhead of the proving pipeline: a multi-segment `loop` job
// proved through the engine, its end-to-end wall time against the children's
// run times on the critical path (the chain of tasks that actually held the
// job up: each task's latest-ending prerequisite, or the task before it in its
// slot). `--json` prints one JSON object.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  });
  const status = await engine.waitFor(jobId);
  const wallMs = performance.now() - started;
  if (status.phase !== 'succeeded') throw new Error(`the job ${status.phase}: ${status.error}`);
  await engine.close();
  // The children's own times are in the tasks' outputs: read from the taskdb itself, once the engine is closed.
  const db = TaskDb.open(taskDbPath(home), { readonly: true });
  // Tasks in a stream with one slot wait for each other.
  const slotsByStream = Object.fromEntries(db.getStreams().map((st) => [st.id, engine.slotCount(st.workerType)]));
  const all = spans(db.getTasks(jobId), db.getEvents(jobId));
  db.close();
  const { ms: childMs, chain } = criticalChildMs(all, slotsByStream);
  const overheadPercent = (100 * (wallMs - childMs)) / wallMs;
  const result = {
    po2,
    segments: status.segments,
    cycles: status.cycles,
    wall_ms: Math.round(wallMs),
    critical_path_child_ms: Math.round(childMs),
    critical_path: chain.reverse(),
    overhead_percent: Number(overheadPercent.toFixed(2)),
    khz: Number(((status.cycles ?? 0) / wallMs).toFixed(2)),
  };
  if (json) process.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    process.stdout.write(
      `proved ${result.cycles} cycles in ${result.segments} segments of 2^${po2} through the engine in ${(wallMs / 1000).toFixed(2)} s\n`,
    );
    process.stdout.write(`critical path: ${result.critical_path.join(' → ')}\n`);
    process.stdout.write(
      `children on it: ${(childMs / 1000).toFixed(2)} s; orchestration overhead ${result.overhead_percent}%\n`,
    );
  }
} finally {
  rmSync(home, { recursive: true, force: true });
}
