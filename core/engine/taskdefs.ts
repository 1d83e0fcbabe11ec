// Task definitions as stored in the taskdb (validated when a worker claims them).
// Files are named relative to the job's work directory or by blob id, never by
// absolute path, so a data directory can move.

import { z } from 'zod';
import { Po2, ReceiptKind } from '../api/contract.js';
import { ID_RULE, isValidId } from '../ids.js';

export const STREAMS = ['exec', 'prove', 'join', 'aux'] as const;
export type StreamKind = (typeof STREAMS)[number];

/** A blob or task id: every name in a definition becomes a path, so all follow the one id rule. */
const Id = z.string().refine(isValidId, ID_RULE);

export const ExecuteDef = z.object({
  kind: z.literal('execute'),
  elf: Id,
  input: Id,
  po2: Po2,
  cycleLimit: z.number().int().positive().nullable(),
  executeOnly: z.boolean(),
  /** Jobs planned before succinct receipts existed made composite ones. */
  receiptKind: ReceiptKind.default('composite'),
});

export const ProveDef = z.object({
  kind: z.literal('prove'),
  segment: z.number().int().nonnegative().max(999_999),
  po2: Po2,
  /**
   * `catalogue` pads the segment's tables to a catalogued shape where that is cheap, so that a succinct receipt's
   * verifier compiles no lift circuit for it; `own` (composite receipts, and jobs planned before) keeps its own.
   */
  shapes: z.enum(['catalogue', 'own']).default('own'),
});
const Hex32 = z.string().regex(/^[0-9a-f]{64}$/, '32 bytes in hex');

/** Lifts the receipt of a prove task, continuing the journal chain of the segments before it. */
export const LiftDef = z.object({
  kind: z.literal('lift'),
  prove: Id,
  segment: z.number().int().nonnegative().max(999_999),
  journalBefore: Hex32,
});
/** Gathers the shapes of the lifts' segment proofs into the file every join of the job reads. */
export const ShapesDef = z.object({ kind: z.literal('shapes'), lifts: z.array(Id).max(1_000_000) });
/** Joins two composite runs, or (`recursion`) two recursion runs under the job's shapes. */
export const JoinDef = z.object({
  kind: z.literal('join'),
  left: Id,
  right: Id,
  recursion: z.boolean().default(false),
});
export const FinalizeDef = z.object({
  kind: z.literal('finalize'),
  root: Id,
  imageId: Hex32,
  recursion: z.boolean().default(false),
});

export const TaskDef = z.discriminatedUnion('kind', [ExecuteDef, ProveDef, LiftDef, ShapesDef, JoinDef, FinalizeDef]);
export type TaskDef = z.infer<typeof TaskDef>;
export type ExecuteDef = z.infer<typeof ExecuteDef>;

/** The stream each kind of task runs on. */
export function streamOf(kind: TaskDef['kind']): StreamKind {
  switch (kind) {
    case 'execute':
      return 'exec';
    case 'prove':
    case 'lift':
      return 'prove';
    case 'join':
      return 'join';
    default:
      return 'aux';
  }
}

/** Defaults for a task's timeout, sized for CPU proving of 2^po2-cycle segments. */
export function timeoutSecs(kind: TaskDef['kind'], po2: number): number {
  const scale = 2 ** Math.max(0, po2 - 20);
  switch (kind) {
    case 'execute':
      return 3600;
    case 'prove':
      return Math.ceil(600 * scale);
    default:
      return 600;
  }
}
