// What a job's status needs of its tasks, read in one query for a whole page
// of jobs (or one job), whatever the jobs' sizes: the job row with its
// executor and finalize tasks and counts over its prove and join tasks.

import type Database from 'better-sqlite3';
import { type JobRow, toJob } from './jobrow.js';
import type { Job, JobListFilter, Json, TaskState } from './types.js';

export interface JobSummary {
  job: Job;
  execute: { state: TaskState; taskDef: Json; output: Json | null } | null;
  finalize: { state: TaskState; progress: number } | null;
  /** Prove tasks, those done, and those done that recorded when they started. */
  proves: number;
  proven: number;
  provenTimed: number;
  /** The earliest start of a prove task (`now` for one not started); null without any. */
  firstProveStart: number | null;
  /** Join tasks not done yet, with the lift and shapes tasks a succinct receipt joins through. */
  openJoins: number;
  /** Join steps planned and done: join tasks, and a succinct receipt's lifts. */
  joins: number;
  joined: number;
}

interface SummaryRow extends JobRow {
  e_state: TaskState | null;
  e_def: string | null;
  e_output: string | null;
  f_state: TaskState | null;
  f_progress: number | null;
  proves: number | null;
  proven: number | null;
  proven_timed: number | null;
  first_prove_start: number | null;
  open_joins: number | null;
  joins: number | null;
  joined: number | null;
}

/** The WHERE clause of each job list. */
export const JOB_LISTS: Record<JobListFilter | 'all', string> = {
  all: '',
  running: "WHERE state = 'running'",
  succeeded: "WHERE state = 'done'",
  failed: "WHERE state = 'failed'",
  stopped: "WHERE state = 'stopped'",
};

// One pass over the page's tasks: a job has one executor and one finalize task.
const summarize = (page: string): string => `
  WITH page AS (${page})
  SELECT page.*,
    max(CASE WHEN t.kind = 'execute' THEN t.state END) AS e_state,
    max(CASE WHEN t.kind = 'execute' THEN t.task_def END) AS e_def,
    max(CASE WHEN t.kind = 'execute' THEN t.output END) AS e_output,
    max(CASE WHEN t.kind = 'finalize' THEN t.state END) AS f_state,
    max(CASE WHEN t.kind = 'finalize' THEN t.progress END) AS f_progress,
    sum(t.kind = 'prove') AS proves,
    sum(t.kind = 'prove' AND t.state = 'done') AS proven,
    sum(t.kind = 'prove' AND t.state = 'done' AND t.started_at IS NOT NULL) AS proven_timed,
    min(CASE WHEN t.kind = 'prove' THEN coalesce(t.started_at, @now) END) AS first_prove_start,
    sum(t.kind IN ('lift', 'shapes', 'join') AND t.state != 'done') AS open_joins,
    sum(t.kind IN ('lift', 'join')) AS joins,
    sum(t.kind IN ('lift', 'join') AND t.state = 'done') AS joined
  FROM page LEFT JOIN tasks t ON t.job_id = page.id
  GROUP BY page.id
  ORDER BY page.created_at DESC, page.seq DESC`;

export class JobSummaries {
  private readonly pages: Record<JobListFilter | 'all', Database.Statement>;
  private readonly one: Database.Statement;

  constructor(db: Database.Database) {
    this.pages = Object.fromEntries(
      Object.entries(JOB_LISTS).map(([list, where]) => [
        list,
        db.prepare(
          summarize(
            `SELECT *, rowid AS seq FROM jobs ${where} ORDER BY created_at DESC, rowid DESC LIMIT @limit OFFSET @offset`,
          ),
        ),
      ]),
    ) as Record<JobListFilter | 'all', Database.Statement>;
    this.one = db.prepare(summarize('SELECT *, rowid AS seq FROM jobs WHERE id = @id'));
  }

  /** A page of jobs, newest first, optionally of one list (all of them when limit is -1). */
  page(filter: JobListFilter | undefined, limit: number, offset: number, now: number): JobSummary[] {
    return (this.pages[filter ?? 'all'].all({ limit, offset, now }) as SummaryRow[]).map(toSummary);
  }

  job(jobId: string, now: number): JobSummary | undefined {
    const row = this.one.get({ id: jobId, now }) as SummaryRow | undefined;
    return row && toSummary(row);
  }
}

function toSummary(row: SummaryRow): JobSummary {
  return {
    job: toJob(row),
    execute:
      row.e_state === null
        ? null
        : {
            state: row.e_state,
            taskDef: JSON.parse(row.e_def ?? 'null') as Json,
            output: row.e_output === null ? null : (JSON.parse(row.e_output) as Json),
          },
    finalize: row.f_state === null ? null : { state: row.f_state, progress: row.f_progress ?? 0 },
    proves: row.proves ?? 0,
    proven: row.proven ?? 0,
    provenTimed: row.proven_timed ?? 0,
    firstProveStart: row.first_prove_start,
    openJoins: row.open_joins ?? 0,
    joins: row.joins ?? 0,
    joined: row.joined ?? 0,
  };
}
