// What the triggers' bookkeeping must agree with, as queries both backends
// run unchanged (standard SQL): each returns the ids of the rows that disagree.

/** Streams whose counts, as `counts` (a table or view with the streams' columns) holds them, disagree with their tasks. */
export function streamCountersIn(counts: string): string {
  return `
    SELECT s.id FROM ${counts} s WHERE
      s.ready != (SELECT count(*) FROM tasks t WHERE t.stream_id = s.id AND t.state = 'ready') OR
      s.running != (SELECT count(*) FROM tasks t WHERE t.stream_id = s.id AND t.state = 'running')
    ORDER BY s.id`;
}

export const CONSISTENCY_QUERIES = {
  streamCounters: streamCountersIn('streams'),
  // A job's unfinished count matches its tasks; a running job has some left undone, a done one none.
  jobCounters: `
    SELECT j.id FROM jobs j
    JOIN (SELECT job_id, count(*) AS total, sum(CASE WHEN state != 'done' THEN 1 ELSE 0 END) AS open
          FROM tasks GROUP BY job_id) c ON c.job_id = j.id
    WHERE j.unfinished != c.open OR (j.state = 'running' AND c.open = 0) OR (j.state = 'done' AND c.open > 0)
    ORDER BY j.id`,
  leakingTasks: `
    SELECT t.job_id || '/' || t.task_id AS id FROM tasks t JOIN jobs j ON j.id = t.job_id
    WHERE j.state != 'running' AND t.state IN ('ready', 'pending')
    ORDER BY 1`,
  // Pending and ready tasks wait on exactly their unfinished prerequisites (a pending one on at least one).
  badWaits: `
    SELECT t.job_id || '/' || t.task_id AS id FROM tasks t
    WHERE t.state IN ('pending', 'ready') AND (
      t.waiting_on != (
        SELECT count(*) FROM task_deps d JOIN tasks p ON p.job_id = d.job_id AND p.task_id = d.pre_task_id
        WHERE d.job_id = t.job_id AND d.post_task_id = t.task_id AND p.state != 'done')
      OR (t.state = 'pending' AND t.waiting_on = 0))
    ORDER BY 1`,
} as const;
