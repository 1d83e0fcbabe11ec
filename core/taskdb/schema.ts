// The taskdb schema as versioned migrations, applied in order and recorded in
// `PRAGMA user_version`. The state machine's bookkeeping (stream counters, a
// job's count of unfinished tasks) lives in triggers so that every writer,
// including bulk admin updates, keeps it consistent.

import { STOPPED_BY_USER } from './types.js';

// A running job is done once none of its tasks is left undone, whoever
// made the last change. (Made again when migration 4 rebuilds the jobs table.)
const JOBS_DONE = `
  CREATE TRIGGER jobs_done AFTER UPDATE OF unfinished ON jobs
  WHEN NEW.unfinished = 0 AND OLD.unfinished > 0 AND NEW.state = 'running' BEGIN
    UPDATE jobs SET state = 'done',
      ended_at = CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)
    WHERE id = NEW.id;
  END;`;

export const MIGRATIONS: readonly string[] = [
  // 1: the cluster's tables, ported from PostgreSQL.
  `
  CREATE TABLE streams (
    id          TEXT PRIMARY KEY,
    worker_type TEXT NOT NULL,
    reserved    INTEGER NOT NULL CHECK (reserved >= 0),
    be_mult     REAL NOT NULL CHECK (be_mult > 0),
    user_id     TEXT NOT NULL,
    running     INTEGER NOT NULL DEFAULT 0,
    ready       INTEGER NOT NULL DEFAULT 0,
    -- Negative while under the reservation, positive in best effort,
    -- infinite with nothing ready: ordering by it picks the right stream.
    priority    REAL GENERATED ALWAYS AS (
      CASE WHEN ready = 0 THEN 9e999
           WHEN running >= reserved THEN (running - reserved) / be_mult
           ELSE (running - reserved) * 1.0 / reserved
      END) STORED
  );
  -- Not indexed by priority: it changes with every claim, and a worker type has few streams.
  CREATE INDEX streams_by_worker_type ON streams (worker_type);

  CREATE TABLE jobs (
    id         TEXT PRIMARY KEY,
    state      TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed')),
    error      TEXT,
    user_id    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    ended_at   INTEGER,
    -- Tasks not yet done; the job is done when this reaches zero.
    unfinished INTEGER NOT NULL DEFAULT 0
  );
  CREATE INDEX jobs_by_user_state ON jobs (user_id, state);
  CREATE INDEX jobs_by_state ON jobs (state);

  CREATE TABLE tasks (
    job_id        TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    task_id       TEXT NOT NULL,
    stream_id     TEXT NOT NULL REFERENCES streams (id),
    -- The job's rowid, copied so that "oldest job first" is an index scan.
    job_seq       INTEGER NOT NULL,
    task_def      TEXT NOT NULL CHECK (json_valid(task_def)),
    prerequisites TEXT NOT NULL CHECK (json_valid(prerequisites)),
    state         TEXT NOT NULL CHECK (state IN ('pending', 'ready', 'running', 'done', 'failed')),
    created_at    INTEGER NOT NULL,
    started_at    INTEGER,
    updated_at    INTEGER,
    waiting_on    INTEGER NOT NULL CHECK (waiting_on >= 0),
    progress      REAL NOT NULL DEFAULT 0,
    retries       INTEGER NOT NULL DEFAULT 0,
    max_retries   INTEGER NOT NULL DEFAULT 0 CHECK (max_retries >= 0),
    timeout_secs  INTEGER NOT NULL CHECK (timeout_secs > 0),
    output        TEXT CHECK (output IS NULL OR json_valid(output)),
    error         TEXT,
    PRIMARY KEY (job_id, task_id)
  );
  -- Indexes are kept few and partial: each one is pages written per transition.
  CREATE INDEX tasks_ready_by_stream ON tasks (stream_id, job_seq) WHERE state = 'ready';
  CREATE INDEX tasks_deadline ON tasks (
    max(coalesce(started_at, 0), coalesce(updated_at, 0)) + timeout_secs * 1000
  ) WHERE state = 'running';

  CREATE TABLE task_deps (
    job_id       TEXT NOT NULL,
    pre_task_id  TEXT NOT NULL,
    post_task_id TEXT NOT NULL,
    PRIMARY KEY (job_id, pre_task_id, post_task_id),
    FOREIGN KEY (job_id, pre_task_id) REFERENCES tasks (job_id, task_id) ON DELETE CASCADE,
    FOREIGN KEY (job_id, post_task_id) REFERENCES tasks (job_id, task_id) ON DELETE CASCADE
  ) WITHOUT ROWID;
  CREATE INDEX task_deps_by_post ON task_deps (job_id, post_task_id);

  -- Every state change of a task (task_id set) or a job (task_id NULL).
  CREATE TABLE task_events (
    id         INTEGER PRIMARY KEY,
    job_id     TEXT NOT NULL,
    task_id    TEXT,
    at         INTEGER NOT NULL,
    from_state TEXT,
    to_state   TEXT NOT NULL,
    reason     TEXT,
    actor      TEXT NOT NULL
  );
  CREATE INDEX task_events_by_job ON task_events (job_id, id);

  CREATE TRIGGER tasks_counters_insert AFTER INSERT ON tasks BEGIN
    UPDATE streams SET
      ready = ready + (NEW.state = 'ready'),
      running = running + (NEW.state = 'running')
    WHERE id = NEW.stream_id;
    UPDATE jobs SET unfinished = unfinished + (NEW.state != 'done') WHERE id = NEW.job_id;
  END;

  -- Split by what changes, so a transition writes only the pages it must.
  CREATE TRIGGER tasks_stream_counters AFTER UPDATE OF state ON tasks
  WHEN OLD.state != NEW.state AND (OLD.state IN ('ready', 'running') OR NEW.state IN ('ready', 'running')) BEGIN
    UPDATE streams SET
      ready = ready + (NEW.state = 'ready') - (OLD.state = 'ready'),
      running = running + (NEW.state = 'running') - (OLD.state = 'running')
    WHERE id = NEW.stream_id;
  END;
  CREATE TRIGGER tasks_job_counter AFTER UPDATE OF state ON tasks
  WHEN (OLD.state = 'done') != (NEW.state = 'done') BEGIN
    UPDATE jobs SET unfinished = unfinished + (NEW.state != 'done') - (OLD.state != 'done')
    WHERE id = NEW.job_id;
  END;

  CREATE TRIGGER tasks_counters_delete AFTER DELETE ON tasks BEGIN
    UPDATE streams SET
      ready = ready - (OLD.state = 'ready'),
      running = running - (OLD.state = 'running')
    WHERE id = OLD.stream_id;
    UPDATE jobs SET unfinished = unfinished - (OLD.state != 'done') WHERE id = OLD.job_id;
  END;

  -- A task that becomes done releases the pending tasks waiting on it.
  CREATE TRIGGER tasks_release_dependants AFTER UPDATE OF state ON tasks
  WHEN NEW.state = 'done' AND OLD.state != 'done' BEGIN
    UPDATE tasks SET waiting_on = waiting_on - 1,
                     state = CASE WHEN waiting_on = 1 THEN 'ready' ELSE 'pending' END
    WHERE job_id = NEW.job_id AND state = 'pending' AND waiting_on > 0 AND task_id IN (
      SELECT post_task_id FROM task_deps WHERE job_id = NEW.job_id AND pre_task_id = NEW.task_id);
  END;

  ${JOBS_DONE}
  `,
  // 2: a deleted task releases the tasks waiting on it, as a done one does
  // (before the row goes, while its dependencies are still there). A task
  // deleted with its job (a cascade: the job row is gone) releases nothing.
  `
  CREATE TRIGGER tasks_release_on_delete BEFORE DELETE ON tasks
  WHEN OLD.state != 'done' AND EXISTS (SELECT 1 FROM jobs WHERE id = OLD.job_id) BEGIN
    UPDATE tasks SET waiting_on = waiting_on - 1,
                     state = CASE WHEN waiting_on = 1 THEN 'ready' ELSE 'pending' END
    WHERE job_id = OLD.job_id AND state = 'pending' AND waiting_on > 0 AND task_id IN (
      SELECT post_task_id FROM task_deps WHERE job_id = OLD.job_id AND pre_task_id = OLD.task_id);
  END;
  `,
  // 3: a task's kind, and the segment a prove task proves, as columns (read
  // from its definition, so rows written before them have them too): the
  // tree's shape and a job's phase never come from parsing task ids.
  `
  ALTER TABLE tasks ADD COLUMN kind TEXT GENERATED ALWAYS AS (json_extract(task_def, '$.kind')) VIRTUAL;
  ALTER TABLE tasks ADD COLUMN segment INTEGER GENERATED ALWAYS AS (
    CASE WHEN json_extract(task_def, '$.kind') = 'prove' THEN json_extract(task_def, '$.segment') END) VIRTUAL;
  `,
  // 4: a job the user stopped has a state of its own (it was a failed job
  // told apart by its error text). SQLite changes a CHECK only by rebuilding
  // the table; migrations run with foreign keys off, so dropping the old
  // table cascades nothing, and the triggers on tasks that name jobs keep
  // working on the new one (legacy_alter_table: the rename rewrites nothing).
  `
  CREATE TABLE jobs_v4 (
    id         TEXT PRIMARY KEY,
    state      TEXT NOT NULL CHECK (state IN ('running', 'done', 'failed', 'stopped')),
    error      TEXT,
    user_id    TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    ended_at   INTEGER,
    unfinished INTEGER NOT NULL DEFAULT 0
  );
  INSERT INTO jobs_v4 (rowid, id, state, error, user_id, created_at, ended_at, unfinished)
    SELECT rowid, id, CASE WHEN state = 'failed' AND error IS '${STOPPED_BY_USER}' THEN 'stopped' ELSE state END,
           error, user_id, created_at, ended_at, unfinished
    FROM jobs;
  DROP TABLE jobs;
  ALTER TABLE jobs_v4 RENAME TO jobs;
  CREATE INDEX jobs_by_user_state ON jobs (user_id, state);
  CREATE INDEX jobs_by_state ON jobs (state);
  ${JOBS_DONE}
  `,
  // 5: leases and workers, for workers on other hosts (the cluster backend
  // has the same): a claimed task may carry the worker holding it and the end
  // of its lease, which the worker's heartbeats move on; the requeue sweep
  // takes back a task whose lease ended. A task claimed without a lease (the
  // desktop's own slots) has neither.
  `
  ALTER TABLE tasks ADD COLUMN worker_id TEXT;
  ALTER TABLE tasks ADD COLUMN lease_until INTEGER;
  CREATE INDEX tasks_by_worker ON tasks (worker_id) WHERE state = 'running';
  CREATE TABLE workers (
    id             TEXT PRIMARY KEY,
    host           TEXT NOT NULL,
    streams        TEXT NOT NULL CHECK (json_valid(streams)),
    slots          INTEGER NOT NULL CHECK (slots > 0),
    started_at     INTEGER NOT NULL,
    last_heartbeat INTEGER NOT NULL
  );
  `,
];

// Per-connection triggers that append to task_events. They are TEMP because
// they read the actor and reason of the verb in progress from a per-connection
// temp table (see TaskDb.setContext); a connection without them (the sqlite3
// shell, say) still reads and writes normally, unlogged.
const NOW_MS = "CAST(unixepoch('subsec') * 1000 AS INTEGER)";
const ACTOR = '(SELECT actor FROM temp.bento_ctx)';
const REASON = '(SELECT reason FROM temp.bento_ctx)';
const FAILURE_REASON = `CASE WHEN NEW.state IN ('failed', 'stopped') THEN coalesce(NEW.error, ${REASON}) ELSE ${REASON} END`;

export const EVENT_TRIGGERS = `
  CREATE TEMP TABLE bento_ctx (id INTEGER PRIMARY KEY CHECK (id = 0), actor TEXT NOT NULL, reason TEXT);
  INSERT INTO temp.bento_ctx (id, actor, reason) VALUES (0, 'unknown', NULL);
  CREATE TEMP TRIGGER task_events_insert AFTER INSERT ON main.tasks BEGIN
    INSERT INTO task_events (job_id, task_id, at, from_state, to_state, reason, actor)
    VALUES (NEW.job_id, NEW.task_id, ${NOW_MS}, NULL, NEW.state, ${REASON}, ${ACTOR});
  END;
  CREATE TEMP TRIGGER task_events_update AFTER UPDATE OF state ON main.tasks
  WHEN OLD.state != NEW.state BEGIN
    INSERT INTO task_events (job_id, task_id, at, from_state, to_state, reason, actor)
    VALUES (NEW.job_id, NEW.task_id, ${NOW_MS}, OLD.state, NEW.state, ${FAILURE_REASON}, ${ACTOR});
  END;
  CREATE TEMP TRIGGER job_events_insert AFTER INSERT ON main.jobs BEGIN
    INSERT INTO task_events (job_id, task_id, at, from_state, to_state, reason, actor)
    VALUES (NEW.id, NULL, ${NOW_MS}, NULL, NEW.state, ${REASON}, ${ACTOR});
  END;
  CREATE TEMP TRIGGER job_events_update AFTER UPDATE OF state ON main.jobs
  WHEN OLD.state != NEW.state BEGIN
    INSERT INTO task_events (job_id, task_id, at, from_state, to_state, reason, actor)
    VALUES (NEW.id, NULL, ${NOW_MS}, OLD.state, NEW.state, ${FAILURE_REASON}, ${ACTOR});
  END;
`;
