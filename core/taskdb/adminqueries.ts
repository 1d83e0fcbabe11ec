// The admin verbs' queries (admin.ts), named: selections over jobs and tasks
// and the raw row changes that repair a job. The verbs run them inside a
// TaskDb transaction, so the event triggers record who did what.

import type Database from 'better-sqlite3';
import type { JobState, TaskState } from './types.js';

/** Which tasks an admin selection reads. */
export interface TaskRowFilter {
  jobId?: string;
  state?: TaskState;
  workerType?: string;
}

/** The WHERE clause of a task selection, with the dialect's placeholders (`?`, or `$1`…). */
export function taskWhere(
  filter: TaskRowFilter,
  placeholder: (n: number) => string = () => '?',
): { where: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (column: string, value: unknown): void => {
    params.push(value);
    clauses.push(`${column} = ${placeholder(params.length)}`);
  };
  if (filter.jobId) add('t.job_id', filter.jobId);
  if (filter.state) add('t.state', filter.state);
  if (filter.workerType) add('s.worker_type', filter.workerType);
  return { where: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

/** The task selection's query: ids in order, or counts by worker type and state; `seq` is each table's creation order. */
export const taskSelectionSql = {
  ids: (where: string, seq: string, limit: string): string =>
    `SELECT t.job_id, t.task_id FROM tasks t JOIN streams s ON s.id = t.stream_id ${where} ORDER BY t.job_seq, t.${seq} LIMIT ${limit}`,
  counts: (where: string): string =>
    `SELECT s.worker_type AS "workerType", t.state AS state, count(*) AS n FROM tasks t JOIN streams s ON s.id = t.stream_id ${where} GROUP BY s.worker_type, t.state`,
};

export class AdminQueries {
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    this.stmts = {
      jobIds: db.prepare('SELECT id FROM jobs ORDER BY rowid DESC LIMIT ? OFFSET ?'),
      jobIdsInState: db.prepare('SELECT id FROM jobs WHERE state = ? ORDER BY rowid DESC LIMIT ? OFFSET ?'),
      abandonOpenTasks: db.prepare(
        "UPDATE tasks SET state = 'failed', error = ?, updated_at = ? WHERE job_id = ? AND state IN ('pending', 'ready', 'running')",
      ),
      reviveJob: db.prepare("UPDATE jobs SET state = 'running', error = NULL, ended_at = NULL WHERE id = ?"),
      resetTask: db.prepare(`
        UPDATE tasks SET state = ?, waiting_on = ?, retries = 0, progress = 0, error = NULL,
                         output = NULL, started_at = NULL, worker_id = NULL, lease_until = NULL, updated_at = ?
        WHERE job_id = ? AND task_id = ?`),
      taskState: db.prepare('SELECT state FROM tasks WHERE job_id = ? AND task_id = ?'),
      holdDependants: db.prepare(`
        UPDATE tasks SET waiting_on = waiting_on + 1, state = 'pending'
        WHERE job_id = ? AND state IN ('pending', 'ready') AND task_id IN (
          SELECT post_task_id FROM task_deps WHERE job_id = ? AND pre_task_id = ?)`),
      unfinishedPrerequisites: db.prepare(`
        SELECT count(*) AS n FROM task_deps d JOIN tasks p ON p.job_id = d.job_id AND p.task_id = d.pre_task_id
        WHERE d.job_id = ? AND d.post_task_id = ? AND p.state != 'done'`),
      // Dependants of a deleted task stop waiting on it: the tasks_release_on_delete trigger.
      deleteTask: db.prepare('DELETE FROM tasks WHERE job_id = ? AND task_id = ?'),
      taskDeleted: db.prepare(
        "INSERT INTO task_events (job_id, task_id, at, from_state, to_state, reason, actor) VALUES (?, ?, ?, ?, 'deleted', ?, ?)",
      ),
      streamOfUser: db.prepare('SELECT id FROM streams WHERE worker_type = ? AND user_id = ? ORDER BY rowid LIMIT 1'),
    };
  }

  /** Job ids, newest first, optionally in one state. */
  jobIds(state: JobState | undefined, limit: number, offset: number): string[] {
    const rows = (
      state ? this.stmts.jobIdsInState.all(state, limit, offset) : this.stmts.jobIds.all(limit, offset)
    ) as { id: string }[];
    return rows.map((r) => r.id);
  }

  /** The tasks a filter selects, oldest job first, as (job, task) ids. */
  taskIds(filter: TaskRowFilter, limit: number): { jobId: string; taskId: string }[] {
    const { where, params } = taskWhere(filter);
    const rows = this.db.prepare(taskSelectionSql.ids(where, 'rowid', '?')).all(...params, limit) as {
      job_id: string;
      task_id: string;
    }[];
    return rows.map((r) => ({ jobId: r.job_id, taskId: r.task_id }));
  }

  /** How many selected tasks there are, by worker type and state. */
  taskCounts(filter: TaskRowFilter): { workerType: string; state: TaskState; n: number }[] {
    const { where, params } = taskWhere(filter);
    return this.db.prepare(taskSelectionSql.counts(where)).all(...params) as {
      workerType: string;
      state: TaskState;
      n: number;
    }[];
  }

  /** Fails every unfinished task of a job with `message`. */
  abandonOpenTasks(jobId: string, message: string, now: number): void {
    this.stmts.abandonOpenTasks.run(message, now, jobId);
  }

  /** A failed or finished job runs again. */
  reviveJob(jobId: string): void {
    this.stmts.reviveJob.run(jobId);
  }

  /** A task back to the start: ready, or pending on `waiting` prerequisites. */
  resetTask(jobId: string, taskId: string, waiting: number, now: number): void {
    this.stmts.resetTask.run(waiting === 0 ? 'ready' : 'pending', waiting, now, jobId, taskId);
  }

  /** A task's state, read in the change that is about to change it (SQLite's writer holds the whole file). */
  lockTask(jobId: string, taskId: string): TaskState | undefined {
    return (this.stmts.taskState.get(jobId, taskId) as { state: TaskState } | undefined)?.state;
  }

  /** Tasks waiting on a done task wait again (it is being reset). */
  holdDependants(jobId: string, taskId: string): void {
    this.stmts.holdDependants.run(jobId, jobId, taskId);
  }

  unfinishedPrerequisites(jobId: string, taskId: string): number {
    return (this.stmts.unfinishedPrerequisites.get(jobId, taskId) as { n: number }).n;
  }

  /** Removes a task row, recording the deletion in the audit trail. */
  deleteTask(jobId: string, taskId: string, from: TaskState, reason: string | null, actor: string): void {
    this.stmts.deleteTask.run(jobId, taskId);
    this.stmts.taskDeleted.run(jobId, taskId, Date.now(), from, reason, actor);
  }

  /** The first stream of a user for a worker type, if there is one. */
  streamOfUser(workerType: string, userId: string): string | undefined {
    return (this.stmts.streamOfUser.get(workerType, userId) as { id: string } | undefined)?.id;
  }
}
