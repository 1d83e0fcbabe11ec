// Every statement of the PostgreSQL taskdb (pgtaskdb.ts), named: each is
// prepared once per connection, so the hot verbs (claim, done) are not parsed
// and planned again on every call.

import { streamCountersIn } from '../consistency.js';
import { JOB_LISTS, jobPage, summaryQuery } from '../jobsummary.js';
import type { JobListFilter } from '../types.js';

const TEXT = {
  setContext: "SELECT set_config('bento.actor', $1, false), set_config('bento.reason', $2, false)",
  insertStream: 'INSERT INTO streams (id, worker_type, reserved, be_mult, user_id) VALUES ($1, $2, $3, $4, $5)',
  // A stream's counts are its row's plus its slots' (stream_totals, migration 2).
  getStream: 'SELECT * FROM stream_totals WHERE id = $1',
  getStreams: 'SELECT * FROM stream_totals ORDER BY worker_type, seq',
  streamExists: 'SELECT 1 FROM streams WHERE id = $1',
  lockStreams: 'SELECT pg_advisory_xact_lock(7420002)',
  insertJob: "INSERT INTO jobs (id, state, user_id, created_at) VALUES ($1, 'running', $2, $3) RETURNING seq",
  getJob: 'SELECT * FROM jobs WHERE id = $1',
  insertTask: `
    INSERT INTO tasks (job_id, task_id, stream_id, job_seq, task_def, prerequisites, state, created_at,
                       waiting_on, max_retries, timeout_secs)
    VALUES ($1, $2, $3, $4, $5::jsonb, $6::jsonb, $7, $8, $9, $10, $11)`,
  insertDeps: `
    INSERT INTO task_deps (job_id, pre_task_id, post_task_id)
    SELECT $1, pre, $3 FROM unnest($2::text[]) AS pre`,
  getTask: 'SELECT * FROM tasks WHERE job_id = $1 AND task_id = $2',
  getTaskState: 'SELECT state FROM tasks WHERE job_id = $1 AND task_id = $2',
  prereqStates: 'SELECT task_id, state FROM tasks WHERE job_id = $1 AND task_id = ANY($2::text[])',
  getTasks: 'SELECT * FROM tasks WHERE job_id = $1 ORDER BY seq',
  // request_work: the stream with the lowest priority (ties: the larger
  // reservation), then its ready task of the oldest job, oldest task first;
  // a task another claimer holds is skipped, never waited for.
  claim: `
    UPDATE tasks SET state = 'running', started_at = $2, worker_id = $3, lease_until = $4
    WHERE (job_id, task_id) = (
      SELECT job_id, task_id FROM tasks
      WHERE state = 'ready' AND stream_id = (
        SELECT id FROM stream_totals WHERE worker_type = $1 AND ready > 0
        ORDER BY bento_priority(ready, running, reserved, be_mult), reserved DESC, seq LIMIT 1)
      ORDER BY job_seq, seq LIMIT 1
      FOR UPDATE SKIP LOCKED)
    RETURNING job_id, task_id, task_def, prerequisites, max_retries`,
  markDone: `
    UPDATE tasks SET state = 'done', output = $1::jsonb, updated_at = $2, progress = 1, error = NULL
    WHERE job_id = $3 AND task_id = $4 AND state IN ('ready', 'running')`,
  markFailed: `
    UPDATE tasks SET state = 'failed', error = $1, updated_at = $2
    WHERE job_id = $3 AND task_id = $4 AND state IN ('pending', 'ready', 'running')`,
  failJob: "UPDATE jobs SET state = 'failed', error = $1, ended_at = $2 WHERE id = $3 AND state = 'running'",
  stopJob: "UPDATE jobs SET state = 'stopped', error = $1, ended_at = $2 WHERE id = $3 AND state = 'running'",
  failFinishedJob: "UPDATE jobs SET state = 'failed', error = $1 WHERE id = $2 AND state = 'done'",
  cancelOpenTasks: `
    UPDATE tasks SET state = 'failed', error = $1, updated_at = $2
    WHERE job_id = $3 AND state IN ('pending', 'ready')`,
  getRetryInfo: `
    SELECT t.retries, t.max_retries, t.state, t.error, j.state AS job_state
    FROM tasks t JOIN jobs j ON j.id = t.job_id WHERE t.job_id = $1 AND t.task_id = $2
    FOR UPDATE OF t`,
  bumpRetries: 'UPDATE tasks SET retries = retries + 1 WHERE job_id = $1 AND task_id = $2',
  markRetry: `
    UPDATE tasks SET state = 'ready', retries = retries + 1, progress = 0, updated_at = $1, error = $2,
                     worker_id = NULL, lease_until = NULL
    WHERE job_id = $3 AND task_id = $4 AND state = 'running'`,
  updateProgress: `
    UPDATE tasks SET progress = greatest(progress, $1), updated_at = $2
    WHERE job_id = $3 AND task_id = $4 AND state IN ('ready', 'running')`,
  timedOut: `
    SELECT job_id, task_id, timeout_secs, worker_id, coalesce(lease_until < $1, false) AS lease_ended FROM tasks
    WHERE state = 'running'
      AND (greatest(coalesce(started_at, 0), coalesce(updated_at, 0)) + timeout_secs * 1000 < $1
           OR lease_until < $1)
    LIMIT $2
    FOR UPDATE SKIP LOCKED`,
  allRunning: "SELECT job_id, task_id FROM tasks WHERE state = 'running'",
  deleteJob: 'DELETE FROM jobs WHERE id = $1',
  deleteEvents: 'DELETE FROM task_events WHERE job_id = $1',
  insertDeletedEvent: `
    INSERT INTO task_events (job_id, task_id, at, from_state, to_state, reason, actor)
    VALUES ($1, NULL, $2, $3, 'deleted', bento_reason(), bento_actor())`,
  upsertWorker: `
    INSERT INTO workers (id, host, streams, slots, started_at, last_heartbeat) VALUES ($1, $2, $3::jsonb, $4, $5, $6)
    ON CONFLICT (id) DO UPDATE SET host = excluded.host, streams = excluded.streams, slots = excluded.slots,
      last_heartbeat = excluded.last_heartbeat`,
  extendLeases:
    "UPDATE tasks SET lease_until = $1 WHERE worker_id = $2 AND state = 'running' AND lease_until IS NOT NULL",
  touchWorker: 'UPDATE workers SET last_heartbeat = $1 WHERE id = $2',
  deleteWorker: 'DELETE FROM workers WHERE id = $1',
  workers: 'SELECT * FROM workers WHERE last_heartbeat >= $1 ORDER BY started_at, id',
  workerTasks: `
    SELECT t.worker_id, t.job_id, t.task_id FROM tasks t JOIN workers w ON w.id = t.worker_id
    WHERE t.state = 'running' AND w.last_heartbeat >= $1 ORDER BY t.started_at`,
  runningJobs: "SELECT id FROM jobs WHERE state = 'running' ORDER BY seq",
  runningJobsOfUser: "SELECT id FROM jobs WHERE user_id = $1 AND state = 'running' ORDER BY seq",
  jobEvents: 'SELECT * FROM task_events WHERE job_id = $1 AND id > $2 ORDER BY id',
  eventsSince: 'SELECT * FROM task_events WHERE id > $1 ORDER BY id LIMIT $2',
  lastEventId: 'SELECT coalesce(max(id), 0) AS id FROM task_events',
  // The consistency check on the counts as read (row plus slots).
  streamCounters: streamCountersIn('stream_totals'),
  jobSummary: summaryQuery(jobPage('seq', '', 'WHERE id = $1'), '$2'),
  // The admin verbs' row changes (../adminqueries.ts has SQLite's): the counters and events follow by trigger.
  adminJobIds: 'SELECT id FROM jobs ORDER BY seq DESC LIMIT $1 OFFSET $2',
  adminJobIdsInState: 'SELECT id FROM jobs WHERE state = $1 ORDER BY seq DESC LIMIT $2 OFFSET $3',
  abandonOpenTasks:
    "UPDATE tasks SET state = 'failed', error = $1, updated_at = $2 WHERE job_id = $3 AND state IN ('pending', 'ready', 'running')",
  holdDependants: `
    UPDATE tasks SET waiting_on = waiting_on + 1, state = 'pending'
    WHERE job_id = $1 AND state IN ('pending', 'ready') AND task_id IN (
      SELECT post_task_id FROM task_deps WHERE job_id = $1 AND pre_task_id = $2)`,
  deleteTask: 'DELETE FROM tasks WHERE job_id = $1 AND task_id = $2',
  taskDeleted:
    "INSERT INTO task_events (job_id, task_id, at, from_state, to_state, reason, actor) VALUES ($1, $2, $3, $4, 'deleted', $5, $6)",
  streamOfUser: 'SELECT id FROM streams WHERE worker_type = $1 AND user_id = $2 ORDER BY seq LIMIT 1',
  reviveJob: "UPDATE jobs SET state = 'running', error = NULL, ended_at = NULL WHERE id = $1",
  resetTask: `
    UPDATE tasks SET state = $1, waiting_on = $2, retries = 0, progress = 0, error = NULL,
                     output = NULL, started_at = NULL, worker_id = NULL, lease_until = NULL, updated_at = $3
    WHERE job_id = $4 AND task_id = $5`,
  lockJob: 'SELECT state FROM jobs WHERE id = $1 FOR UPDATE',
  lockTask: 'SELECT state FROM tasks WHERE job_id = $1 AND task_id = $2 FOR UPDATE',
  unfinishedPrerequisites: `
    SELECT count(*) AS n FROM task_deps d JOIN tasks p ON p.job_id = d.job_id AND p.task_id = d.pre_task_id
    WHERE d.job_id = $1 AND d.post_task_id = $2 AND p.state != 'done'`,
} as const;

/** Each job list's statements: a page of summaries ($1 now, $2 limit or null for all, $3 offset), its ids, its size. */
const LISTS = Object.fromEntries(
  Object.entries(JOB_LISTS).map(([list, where]) => [
    list,
    {
      summaries: {
        name: `bento_summaries_${list}`,
        text: summaryQuery(jobPage('seq', where, 'ORDER BY created_at DESC, seq DESC LIMIT $2 OFFSET $3'), '$1'),
      },
      ids: {
        name: `bento_job_ids_${list}`,
        text: `SELECT id FROM jobs ${where} ORDER BY created_at DESC, seq DESC LIMIT $1 OFFSET $2`,
      },
      count: { name: `bento_job_count_${list}`, text: `SELECT count(*) AS n FROM jobs ${where}` },
    },
  ]),
);

type Statement = { name: string; text: string };

export const PG_JOB_LISTS = LISTS as Record<
  JobListFilter | 'all',
  { summaries: Statement; ids: Statement; count: Statement }
>;

export const PG_SQL = Object.fromEntries(
  Object.entries(TEXT).map(([name, text]) => [name, { name: `bento_${name}`, text }]),
) as { [K in keyof typeof TEXT]: { name: string; text: string } };
