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

export interface SummaryRow extends JobRow {
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

const JOB_COLUMNS = 'id, state, error, user_id, created_at, ended_at, unfinished';

/**
 * The jobs a summary query pages over, newest first: `seq` is the creation
 * order (SQLite's rowid, PostgreSQL's seq column), `where` one of JOB_LISTS,
 * `tail` the LIMIT or id clause in the dialect's parameters.
 */
export const jobPage = (seq: string, where: string, tail: string): string =>
  `SELECT ${JOB_COLUMNS}, ${seq} AS seq FROM jobs ${where} ${tail}`;

/**
 * One pass over the page's tasks (a job has one executor and one finalize
 * task), in SQL both backends run; `now` is the dialect's parameter for the
 * time a prove task not started yet counts from.
 */
export const summaryQuery = (page: string, now: string): string => `
  WITH page AS (${page})
  SELECT page.*,
    max(CASE WHEN t.kind = 'execute' THEN t.state END) AS e_state,
    max(CASE WHEN t.kind = 'execute' THEN CAST(t.task_def AS text) END) AS e_def,
    max(CASE WHEN t.kind = 'execute' THEN CAST(t.output AS text) END) AS e_output,
    max(CASE WHEN t.kind = 'finalize' THEN t.state END) AS f_state,
    max(CASE WHEN t.kind = 'finalize' THEN t.progress END) AS f_progress,
    sum(CASE WHEN t.kind = 'prove' THEN 1 ELSE 0 END) AS proves,
    sum(CASE WHEN t.kind = 'prove' AND t.state = 'done' THEN 1 ELSE 0 END) AS proven,
    sum(CASE WHEN t.kind = 'prove' AND t.state = 'done' AND t.started_at IS NOT NULL THEN 1 ELSE 0 END) AS proven_timed,
    min(CASE WHEN t.kind = 'prove' THEN coalesce(t.started_at, ${now}) END) AS first_prove_start,
    sum(CASE WHEN t.kind IN ('lift', 'shapes', 'join') AND t.state != 'done' THEN 1 ELSE 0 END) AS open_joins,
    sum(CASE WHEN t.kind IN ('lift', 'join') THEN 1 ELSE 0 END) AS joins,
    sum(CASE WHEN t.kind IN ('lift', 'join') AND t.state = 'done' THEN 1 ELSE 0 END) AS joined
  FROM page LEFT JOIN tasks t ON t.job_id = page.id
  GROUP BY page.id, page.seq, page.state, page.error, page.user_id, page.created_at, page.ended_at, page.unfinished
  ORDER BY page.created_at DESC, page.seq DESC`;

export class JobSummaries {
  private readonly pages: Record<JobListFilter | 'all', Database.Statement>;
  private readonly one: Database.Statement;

  constructor(db: Database.Database) {
    this.pages = Object.fromEntries(
      Object.entries(JOB_LISTS).map(([list, where]) => [
        list,
        db.prepare(
          summaryQuery(
            jobPage('rowid', where, 'ORDER BY created_at DESC, rowid DESC LIMIT @limit OFFSET @offset'),
            '@now',
          ),
        ),
      ]),
    ) as Record<JobListFilter | 'all', Database.Statement>;
    this.one = db.prepare(summaryQuery(jobPage('rowid', '', 'WHERE id = @id'), '@now'));
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

export function toSummary(row: SummaryRow): JobSummary {
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
