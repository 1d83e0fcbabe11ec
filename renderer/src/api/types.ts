// What the daemon's UI routes answer (core/daemon/ui.ts), as the renderer sees it.

import type { SessionStatus } from '../../../core/engine/engine.js';
import type { Task, TaskEvent } from '../../../core/taskdb/types.js';

export type { SessionStatus, Task, TaskEvent };
export type { JobFilter } from '../../../core/engine/engine.js';
export type { Phase } from '../../../core/engine/phase.js';

export interface JobDetail extends SessionStatus {
  tasks: Task[];
  events: TaskEvent[];
}

export interface JobPage {
  jobs: SessionStatus[];
  total: number;
}

export interface StoredReceipt extends SessionStatus {
  receiptBytes: number;
}

export interface Workers {
  slots: Record<string, number>;
  streams: { workerType: string; running: number; ready: number }[];
  active: { stream: string; jobId: string; taskId: string; startedAt: number }[];
  cpu: { cores: number; model: string; loadAverage: number[] };
  gpu: null | { name: string };
}

export interface S3Settings {
  endpoint: string;
  bucket: string;
  accessKey: string;
  secretKey: string;
  region?: string;
  hasSecretKey?: boolean;
}

export interface DaemonSettings {
  slots: Partial<Record<'exec' | 'prove' | 'join' | 'aux', number>>;
  defaultPo2: number;
  retentionHours: number;
  watchFolder: string | null;
  s3: S3Settings | null;
  running: { slots: Record<string, number> };
  dataDirectory: string;
  maxUploadBytes: number;
  sync: { configured: boolean; blobs?: { kind: string; id: string; state: string; error: string | null }[] };
}
