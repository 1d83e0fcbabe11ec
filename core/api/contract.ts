// The daemon's HTTP API (`/api/…`) as one set of zod schemas, and the types
// inferred from them. The daemon validates requests and shapes responses with
// these; the typed client (client.ts), the CLI, the renderer and the desktop
// app read answers through them. Pure (zod only), so the renderer bundles it.
// Only what a caller needs crosses the wire: no server paths, no task
// definitions or outputs.

import { z } from 'zod';

/** Segment sizes: 2^po2 cycles a segment, the one range the prover supports. */
export const PO2_MIN = 14;
export const PO2_MAX = 22;
export const DEFAULT_PO2 = 20;
export const Po2 = z.number().int().min(PO2_MIN).max(PO2_MAX);

/**
 * What a proved job hands out: a `composite` receipt (every segment's proof,
 * quick to make) or a `succinct` one (the segment proofs lifted and joined
 * into one recursion proof: small, and its size does not grow with the run).
 */
export const RECEIPT_KINDS = ['composite', 'succinct'] as const;
export const ReceiptKind = z.enum(RECEIPT_KINDS);
export type ReceiptKind = z.infer<typeof ReceiptKind>;
export const DEFAULT_RECEIPT_KIND: ReceiptKind = 'succinct';

export const Sha256Hex = z.string().regex(/^[0-9a-f]{64}$/, 'a SHA-256 in hex');
export const ImageId = z.string().regex(/^[0-9a-f]{64}$/, 'an image ID in hex');

/** Where a job stands, for people (derived from its tasks). */
export const PHASES = [
  'queued',
  'executing',
  'proving',
  'joining',
  'finalizing',
  'verifying',
  'succeeded',
  'failed',
  'stopped',
] as const;
export const Phase = z.enum(PHASES);
export type Phase = z.infer<typeof Phase>;

/** The states people filter jobs by. */
export const JOB_FILTERS = ['running', 'succeeded', 'failed', 'stopped'] as const;
export const JobFilter = z.enum(JOB_FILTERS);
export type JobFilter = z.infer<typeof JobFilter>;

export const TaskState = z.enum(['pending', 'ready', 'running', 'done', 'failed']);

export const JobStatus = z.object({
  jobId: z.string(),
  state: z.enum(['running', 'done', 'failed', 'stopped']),
  phase: Phase,
  error: z.string().nullable(),
  /** Segments proven, and known so far (all of them once execution ended). */
  proven: z.number(),
  segments: z.number(),
  /** Join steps done, and planned so far: joins, and for a succinct receipt the lifts before them. */
  joined: z.number(),
  joins: z.number(),
  executionDone: z.boolean(),
  /** Milliseconds left, estimated from the segments proven so far (null when unknown). */
  etaMs: z.number().nullable(),
  createdAt: z.number(),
  endedAt: z.number().nullable(),
  elapsedMs: z.number(),
  cycles: z.number().nullable(),
  exitCode: z.number().nullable(),
  journalHex: z.string().nullable(),
  imageId: z.string().nullable(),
  executeOnly: z.boolean(),
  /** The kind of receipt the job makes. */
  receiptKind: ReceiptKind,
  /** Whether the job's receipt is stored (GET /api/jobs/:id/receipt hands it out). */
  hasReceipt: z.boolean(),
  /** The stored receipt's size in bytes (null when there is none). */
  receiptBytes: z.number().nullable(),
});
export type JobStatus = z.infer<typeof JobStatus>;

/**
 * The kinds of task: `execute` runs the guest and splits its run into segments,
 * `prove` proves one segment, `lift` turns a segment proof into a recursion
 * proof, `shapes` gathers the shapes of a job's segment proofs (its joins
 * verify proofs of exactly those), `join` proves two proofs in one,
 * `finalize` assembles and verifies the receipt.
 */
export const TASK_KINDS = ['execute', 'prove', 'lift', 'shapes', 'join', 'finalize'] as const;
export const TaskKind = z.enum(TASK_KINDS);
export type TaskKind = z.infer<typeof TaskKind>;

/** A task of a job's planner tree, as people see it. */
export const Task = z.object({
  taskId: z.string(),
  kind: TaskKind,
  /** The segment a `prove` task proves (null for other kinds). */
  segment: z.number().nullable(),
  state: TaskState,
  prerequisites: z.array(z.string()),
  createdAt: z.number(),
  startedAt: z.number().nullable(),
  updatedAt: z.number().nullable(),
  progress: z.number(),
  retries: z.number(),
  maxRetries: z.number(),
  error: z.string().nullable(),
});
export type Task = z.infer<typeof Task>;

export const TaskEvent = z.object({
  id: z.number(),
  jobId: z.string(),
  taskId: z.string().nullable(),
  at: z.number(),
  from: z.string().nullable(),
  to: z.string(),
  reason: z.string().nullable(),
  actor: z.string(),
});
export type TaskEvent = z.infer<typeof TaskEvent>;

export const JobDetail = JobStatus.extend({ tasks: z.array(Task), events: z.array(TaskEvent) });
export type JobDetail = z.infer<typeof JobDetail>;

export const PageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  offset: z.coerce.number().int().min(0).default(0),
});
export type PageQuery = Partial<z.infer<typeof PageQuery>>;
export const JobListQuery = PageQuery.extend({ state: JobFilter.optional() });
export type JobListQuery = Partial<z.infer<typeof JobListQuery>>;

export const JobPage = z.object({ jobs: z.array(JobStatus), total: z.number() });
export type JobPage = z.infer<typeof JobPage>;

export const StoredReceipt = JobStatus.extend({ receiptBytes: z.number() });
export type StoredReceipt = z.infer<typeof StoredReceipt>;
export const ReceiptPage = z.object({ receipts: z.array(StoredReceipt), total: z.number() });
export type ReceiptPage = z.infer<typeof ReceiptPage>;

/** A job from the UI: an uploaded ELF, or a local file's path (only the desktop app may name one). */
export const NewJob = z
  .object({
    elf: ImageId.optional(),
    elfPath: z.string().optional(),
    input: Sha256Hex.optional(),
    po2: Po2.optional(),
    cycleLimit: z.number().int().positive().nullable().optional(),
    executeOnly: z.boolean().optional(),
    receiptKind: ReceiptKind.optional(),
  })
  .refine((j) => (j.elf === undefined) !== (j.elfPath === undefined), 'give either elf (an uploaded ELF) or elfPath');
export type NewJob = z.infer<typeof NewJob>;

export const JobCreated = z.object({ jobId: z.string() });
/** An uploaded ELF is named by its image ID (elfs/ has one key); an input by its SHA-256. */
export const ElfUploaded = z.object({ elf: ImageId });
export const InputUploaded = z.object({ input: Sha256Hex });
export const Stopped = z.object({ stopped: z.boolean() });
export const Deleted = z.object({ deleted: z.string() });

export const VerifyResult = z.discriminatedUnion('valid', [
  z.object({ valid: z.literal(true), verifyMs: z.number() }),
  z.object({ valid: z.literal(false), error: z.string() }),
]);
export type VerifyResult = z.infer<typeof VerifyResult>;

/** What an admin verb changed (or would change, on a dry run). */
export const AdminChange = z.object({
  target: z.enum(['job', 'task']),
  jobId: z.string(),
  taskId: z.string().optional(),
  action: z.enum(['abandon', 'reset', 'delete', 'create']),
  from: z.string().optional(),
  to: z.string().optional(),
});
export const Retried = z.object({ applied: z.boolean(), changes: z.array(AdminChange) });
export type Retried = z.infer<typeof Retried>;

export const AdminRequest = z.object({ args: z.array(z.unknown()) });
export const AdminAnswer = z.object({ result: z.unknown() });

/** What people call the work of each stream (`aux` runs finalize). */
export const STREAM_LABELS: Readonly<Record<string, string>> = {
  exec: 'execute',
  prove: 'prove',
  join: 'join',
  aux: 'finalize',
};

/** Worker slots per stream kind. */
export const SlotCounts = z.object({
  exec: z.number().int().min(1).max(64),
  prove: z.number().int().min(1).max(64),
  join: z.number().int().min(1).max(64),
  aux: z.number().int().min(1).max(64),
});

export const Workers = z.object({
  slots: z.record(z.string(), z.number()),
  streams: z.array(z.object({ workerType: z.string(), running: z.number(), ready: z.number() })),
  active: z.array(
    z.object({
      stream: z.string(),
      jobId: z.string(),
      taskId: z.string(),
      kind: TaskKind.nullable(),
      segment: z.number().nullable(),
      startedAt: z.number(),
    }),
  ),
  cpu: z.object({ cores: z.number(), model: z.string(), loadAverage: z.array(z.number()) }),
  gpu: z.object({ name: z.string() }).nullable(),
  /** A daemon on a cluster's taskdb: the workers heard from lately (this daemon among them); null on the desktop. */
  cluster: z
    .array(
      z.object({
        id: z.string(),
        host: z.string(),
        streams: z.array(z.string()),
        slots: z.number(),
        startedAt: z.number(),
        lastHeartbeat: z.number(),
        running: z.array(z.object({ jobId: z.string(), taskId: z.string() })),
      }),
    )
    .nullable(),
});
export type Workers = z.infer<typeof Workers>;

export const S3Config = z.object({
  /** e.g. http://127.0.0.1:9000 */
  endpoint: z.url({ protocol: /^https?$/, error: 'the endpoint must be an http:// or https:// URL' }),
  bucket: z.string().min(3).max(63),
  accessKey: z.string().min(1),
  secretKey: z.string().min(1),
  region: z.string().min(1).optional(),
});
export type S3Config = z.infer<typeof S3Config>;

/** The settings people change (stored in settings.json). */
export const Settings = z.object({
  slots: SlotCounts.partial().default({}),
  defaultPo2: Po2.default(DEFAULT_PO2),
  /** The receipt a job makes unless it asks for a kind (the Bonsai routes and the watch folder never do). */
  defaultReceiptKind: ReceiptKind.default(DEFAULT_RECEIPT_KIND),
  /** How long a finished job's work directory is kept. */
  retentionHours: z
    .number()
    .min(0)
    .max(24 * 365)
    .default(24),
  /** A folder whose dropped ELFs are proved (`bento serve --watch` overrides it). */
  watchFolder: z.string().min(1).nullable().default(null),
  /** Bucket sync (BENTO_S3_* in the environment override it); applies when the daemon next starts. */
  s3: S3Config.nullable().default(null),
});
export type Settings = z.infer<typeof Settings>;

/** Bucket settings from the UI: an empty secret keeps the stored one. */
export const S3Given = S3Config.extend({ secretKey: z.string().default('') });
export type S3Given = z.infer<typeof S3Given>;
/** A settings change: only the fields sent change. */
export const SettingsUpdate = Settings.partial().extend({ s3: S3Given.nullable().optional() });
export type SettingsUpdate = z.input<typeof SettingsUpdate>;

/** Bucket settings as the UI sees them: the secret key is never sent back. */
export const S3Shown = S3Config.extend({ secretKey: z.literal(''), hasSecretKey: z.literal(true) });

export const DaemonSettings = Settings.extend({
  s3: S3Shown.nullable(),
  running: z.object({ slots: z.record(z.string(), z.number()) }),
  dataDirectory: z.string(),
  maxUploadBytes: z.number(),
  sync: z.object({
    configured: z.boolean(),
    blobs: z
      .array(
        z.object({
          kind: z.string(),
          id: z.string(),
          state: z.string(),
          attempts: z.number(),
          error: z.string().nullable(),
        }),
      )
      .optional(),
  }),
});
export type DaemonSettings = z.infer<typeof DaemonSettings>;

export const SyncTestResult = z.object({ ok: z.boolean(), msg: z.string() });
export type SyncTestResult = z.infer<typeof SyncTestResult>;

/** The live feed (GET /api/events, server-sent): a `job` event carries a JobStatus, `deleted` this. */
export const JobDeletedEvent = z.object({ jobId: z.string() });

/** Every error answer: `{ type, msg }`. */
export const ErrorBody = z.object({ type: z.string(), msg: z.string() });
