// The planner tree drawn as SVG: each task a box coloured by its state, with
// its retries and how long it ran; prerequisites as edges.

import { useMemo } from 'react';
import type { Task } from '../../../core/api/contract';
import { duration } from '../lib/format';
import { NODE_H, NODE_W, layoutTree, nodeLabel, shapeKey, shapeOf } from '../lib/tree';
import { useThrottled } from './useThrottled';

function ranFor(t: Task, now: number): string {
  if (t.startedAt === null) return t.state;
  const end = t.state === 'running' ? now : (t.updatedAt ?? now);
  return duration(end - t.startedAt);
}

export function PlannerTree({ tasks, now }: { tasks: readonly Task[]; now: number }) {
  // A large tree takes dagre most of a second: lay it out when its shape changes, at most every 2 s while it grows.
  const shape = useThrottled(shapeKey(tasks), 2000);
  const tree = useMemo(() => layoutTree(shapeOf(shape)), [shape]);
  if (tasks.length === 0) return <p className="muted">No tasks yet.</p>;
  // Tasks planned since the last layout appear with the next one.
  const placed = tasks.flatMap((task) => {
    const at = tree.nodes.get(task.taskId);
    return at ? [{ task, ...at }] : [];
  });
  return (
    <div className="tree-scroll">
      <svg
        width={tree.width}
        height={tree.height}
        viewBox={`0 0 ${tree.width} ${tree.height}`}
        role="img"
        aria-label={`Planner tree: ${tasks.map((t) => `${nodeLabel(t)} ${t.state}`).join(', ')}`}
      >
        {tree.edges.map((e) => (
          <polyline
            key={`${e.from}>${e.to}`}
            className="edge"
            points={e.points.map((p) => `${p.x},${p.y}`).join(' ')}
          />
        ))}
        {placed.map(({ task, x, y }) => (
          <g
            key={task.taskId}
            transform={`translate(${x},${y})`}
            className={`node state-${task.state}`}
            data-task={task.taskId}
          >
            <title>{`${task.taskId}: ${task.state}${task.retries ? `, ${task.retries} retries` : ''}${task.error ? ` — ${task.error}` : ''}`}</title>
            <rect width={NODE_W} height={NODE_H} rx={6} />
            <text x={NODE_W / 2} y={18} textAnchor="middle" className="node-title">
              {nodeLabel(task)}
            </text>
            <text x={NODE_W / 2} y={35} textAnchor="middle" className="node-sub">
              {ranFor(task, now)}
              {task.retries > 0 ? ` · ${task.retries} retr${task.retries === 1 ? 'y' : 'ies'}` : ''}
            </text>
          </g>
        ))}
      </svg>
      <ul className="legend" aria-label="Colours">
        {['pending', 'ready', 'running', 'done', 'failed'].map((s) => (
          <li key={s}>
            <span className={`swatch state-${s}`} aria-hidden="true" /> {s}
          </li>
        ))}
      </ul>
    </div>
  );
}
