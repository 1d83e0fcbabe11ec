// A jobs row as SQLite returns it, and the Job it stands for.

import type { Job, JobState } from './types.js';

export interface JobRow {
  id: string;
  state: JobState;
  error: string | null;
  user_id: string;
  created_at: number;
  ended_at: number | null;
  unfinished: number;
}

export function toJob(row: JobRow): Job {
  return {
    id: row.id,
    state: row.state,
    error: row.error,
    userId: row.user_id,
    createdAt: row.created_at,
    endedAt: row.ended_at,
    unfinished: row.unfinished,
  };
}
