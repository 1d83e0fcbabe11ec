// The planner tree as a picture: segments at the leaves, joins above them,
// finalize at the root. Edges come from the tasks' prerequisites; dagre lays
// the graph out bottom to top. The layout depends only on the tree's shape
// (ids, kinds, segments and prerequisites), so it is computed again only when
// that changes. Nothing is read from a task id's spelling.

import { Graph, layout } from '@dagrejs/dagre';
import type { Task } from '../../../core/api/contract';

export const NODE_W = 112;
export const NODE_H = 46;

export type Shape = Pick<Task, 'taskId' | 'kind' | 'segment' | 'prerequisites'>;

export interface TreeEdge {
  from: string;
  to: string;
  points: { x: number; y: number }[];
}

export interface TreeLayout {
  /** Top-left corner of each task's box. */
  nodes: Map<string, { x: number; y: number }>;
  edges: TreeEdge[];
  width: number;
  height: number;
}

/** What a node shows: its kind, and the segment a prove task proves ("execute", "prove 3", "join", "finalize"). */
export function nodeLabel(task: Pick<Task, 'kind' | 'segment'>): string {
  return task.segment === null ? task.kind : `${task.kind} ${task.segment}`;
}

/** A string that changes exactly when the tree's shape does. */
export function shapeKey(tasks: readonly Shape[]): string {
  return JSON.stringify(tasks.map((t) => [t.taskId, t.kind, t.segment, t.prerequisites]));
}

export function shapeOf(key: string): Shape[] {
  if (key === '') return [];
  const rows = JSON.parse(key) as [Shape['taskId'], Shape['kind'], Shape['segment'], Shape['prerequisites']][];
  return rows.map(([taskId, kind, segment, prerequisites]) => ({ taskId, kind, segment, prerequisites }));
}

/** Left to right along the bottom: the executor, then the segments in order. */
function leafOrder(tasks: readonly Shape[]): { left: string; right: string }[] {
  const index = (t: Shape): number => (t.kind === 'execute' ? -1 : (t.segment ?? 0));
  const leaves = tasks
    .filter((t) => t.kind === 'execute' || t.kind === 'prove')
    .sort((a, b) => index(a) - index(b))
    .map((t) => t.taskId);
  return leaves.slice(1).map((right, i) => ({ left: leaves[i] as string, right }));
}

export function layoutTree(tasks: readonly Shape[]): TreeLayout {
  const g = new Graph();
  g.setGraph({ rankdir: 'BT', nodesep: 14, ranksep: 34, marginx: 8, marginy: 8 });
  g.setDefaultEdgeLabel(() => ({}));
  const ids = new Set(tasks.map((t) => t.taskId));
  for (const t of tasks) g.setNode(t.taskId, { width: NODE_W, height: NODE_H });
  for (const t of tasks) for (const p of t.prerequisites) if (ids.has(p)) g.setEdge(p, t.taskId);
  layout(g, { constraints: leafOrder(tasks) });
  const nodes = new Map(
    tasks.map((t) => {
      const n = g.node(t.taskId);
      return [t.taskId, { x: n.x - NODE_W / 2, y: n.y - NODE_H / 2 }] as const;
    }),
  );
  const edges = g.edges().map((e) => ({ from: e.v, to: e.w, points: g.edge(e).points ?? [] }));
  const graph = g.graph();
  return { nodes, edges, width: graph.width ?? 0, height: graph.height ?? 0 };
}
