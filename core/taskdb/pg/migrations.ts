// The PostgreSQL taskdb's schema as versioned migrations, applied in order and
// recorded in bento_schema (one row per version). It follows the cluster's
// (Bento's) schema — jobs, tasks, task_deps, streams, with triggers keeping
// the streams' ready/running counts — and the SQLite port's (../schema.ts)
// additions: a job's unfinished count, task events, kinds, stopped jobs,
// leases and workers, so that both backends answer the same.

// Milliseconds since the epoch, as every timestamp column holds.
const NOW_MS = '(extract(epoch from clock_timestamp()) * 1000)::bigint';

export const PG_MIGRATIONS: readonly string[] = [
  // 1: the tables, counters, releases and events.
  `
  CREATE TABLE streams (
    id          text PRIMARY KEY,
    seq         bigserial NOT NULL,
    worker_type text NOT NULL,
    reserved    integer NOT NULL CHECK (reserved >= 0),
    be_mult     double precision NOT NULL CHECK (be_mult > 0),
    user_id     text NOT NULL,
    running     integer NOT NULL DEFAULT 0,
    ready       integer NOT NULL DEFAULT 0,
    -- Negative while under the reservation, positive in best effort,
    -- infinite with nothing ready: ordering by it picks the right stream.
    priority    double precision GENERATED ALWAYS AS (
      CASE WHEN ready = 0 THEN 'Infinity'::double precision
           WHEN running >= reserved THEN (running - reserved) / be_mult
           ELSE (running - reserved)::double precision / reserved
      END) STORED
  ) WITH (fillfactor = 10);
  -- Every claim and completion rewrites its stream's counters (and its job's):
  -- pages kept mostly empty let each new version stay on its page (a HOT
  -- update), so the row never spreads over pages that every claim must read.
  CREATE INDEX streams_by_worker_type ON streams (worker_type);

  CREATE TABLE jobs (
    id         text PRIMARY KEY,
    -- Creation order ("oldest job first"), as SQLite's rowid.
    seq        bigserial NOT NULL UNIQUE,
    state      text NOT NULL CHECK (state IN ('running', 'done', 'failed', 'stopped')),
    error      text,
    user_id    text NOT NULL,
    created_at bigint NOT NULL,
    ended_at   bigint,
    unfinished integer NOT NULL DEFAULT 0
  ) WITH (fillfactor = 50);
  CREATE INDEX jobs_by_user_state ON jobs (user_id, state);
  CREATE INDEX jobs_by_state ON jobs (state);

  CREATE TABLE tasks (
    job_id        text NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    task_id       text NOT NULL,
    seq           bigserial NOT NULL,
    stream_id     text NOT NULL REFERENCES streams (id),
    job_seq       bigint NOT NULL,
    task_def      jsonb NOT NULL,
    kind          text GENERATED ALWAYS AS (task_def ->> 'kind') STORED,
    segment       integer GENERATED ALWAYS AS (
      CASE WHEN task_def ->> 'kind' = 'prove' AND jsonb_typeof(task_def -> 'segment') = 'number'
           THEN (task_def ->> 'segment')::numeric::integer END) STORED,
    prerequisites jsonb NOT NULL,
    state         text NOT NULL CHECK (state IN ('pending', 'ready', 'running', 'done', 'failed')),
    created_at    bigint NOT NULL,
    started_at    bigint,
    updated_at    bigint,
    waiting_on    integer NOT NULL CHECK (waiting_on >= 0),
    progress      double precision NOT NULL DEFAULT 0,
    retries       integer NOT NULL DEFAULT 0,
    max_retries   integer NOT NULL DEFAULT 0 CHECK (max_retries >= 0),
    timeout_secs  integer NOT NULL CHECK (timeout_secs > 0),
    output        jsonb,
    error         text,
    worker_id     text,
    lease_until   bigint,
    PRIMARY KEY (job_id, task_id)
  );
  CREATE INDEX tasks_ready_by_stream ON tasks (stream_id, job_seq, seq) WHERE state = 'ready';
  CREATE INDEX tasks_running ON tasks (worker_id) WHERE state = 'running';

  CREATE TABLE task_deps (
    job_id       text NOT NULL,
    pre_task_id  text NOT NULL,
    post_task_id text NOT NULL,
    PRIMARY KEY (job_id, pre_task_id, post_task_id),
    FOREIGN KEY (job_id, pre_task_id) REFERENCES tasks (job_id, task_id) ON DELETE CASCADE,
    FOREIGN KEY (job_id, post_task_id) REFERENCES tasks (job_id, task_id) ON DELETE CASCADE
  );
  CREATE INDEX task_deps_by_post ON task_deps (job_id, post_task_id);

  CREATE TABLE task_events (
    id         bigserial PRIMARY KEY,
    job_id     text NOT NULL,
    task_id    text,
    at         bigint NOT NULL,
    from_state text,
    to_state   text NOT NULL,
    reason     text,
    actor      text NOT NULL
  );
  CREATE INDEX task_events_by_job ON task_events (job_id, id);

  CREATE TABLE workers (
    id             text PRIMARY KEY,
    host           text NOT NULL,
    streams        jsonb NOT NULL,
    slots          integer NOT NULL CHECK (slots > 0),
    started_at     bigint NOT NULL,
    last_heartbeat bigint NOT NULL
  );

  -- The actor and reason of the change in progress: transaction-local settings the verbs set.
  CREATE FUNCTION bento_actor() RETURNS text LANGUAGE sql STABLE AS
    $$ SELECT coalesce(nullif(current_setting('bento.actor', true), ''), 'unknown') $$;
  CREATE FUNCTION bento_reason() RETURNS text LANGUAGE sql STABLE AS
    $$ SELECT nullif(current_setting('bento.reason', true), '') $$;

  -- Stream counters and a job's unfinished count (the job is done when it reaches zero).
  CREATE FUNCTION tasks_counters() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    old_ready int := 0; old_running int := 0; old_open int := 0;
    new_ready int := 0; new_running int := 0; new_open int := 0;
  BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      old_ready := (OLD.state = 'ready')::int; old_running := (OLD.state = 'running')::int;
      old_open := (OLD.state != 'done')::int;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
      new_ready := (NEW.state = 'ready')::int; new_running := (NEW.state = 'running')::int;
      new_open := (NEW.state != 'done')::int;
    END IF;
    IF new_ready != old_ready OR new_running != old_running THEN
      UPDATE streams SET ready = ready + new_ready - old_ready, running = running + new_running - old_running
      WHERE id = coalesce(NEW.stream_id, OLD.stream_id);
    END IF;
    IF new_open != old_open THEN
      UPDATE jobs SET unfinished = unfinished + new_open - old_open,
        state = CASE WHEN state = 'running' AND unfinished + new_open - old_open = 0 THEN 'done' ELSE state END,
        ended_at = CASE WHEN state = 'running' AND unfinished + new_open - old_open = 0 THEN ${NOW_MS}
                        ELSE ended_at END
      WHERE id = coalesce(NEW.job_id, OLD.job_id);
    END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER tasks_counters AFTER INSERT OR DELETE OR UPDATE OF state ON tasks
    FOR EACH ROW EXECUTE FUNCTION tasks_counters();

  -- A task that becomes done releases the pending tasks waiting on it.
  CREATE FUNCTION tasks_release_dependants() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    UPDATE tasks SET waiting_on = waiting_on - 1,
                     state = CASE WHEN waiting_on = 1 THEN 'ready' ELSE 'pending' END
    WHERE job_id = NEW.job_id AND state = 'pending' AND waiting_on > 0 AND task_id IN (
      SELECT post_task_id FROM task_deps WHERE job_id = NEW.job_id AND pre_task_id = NEW.task_id);
    RETURN NULL;
  END $$;
  CREATE TRIGGER tasks_release_dependants AFTER UPDATE OF state ON tasks
    FOR EACH ROW WHEN (NEW.state = 'done' AND OLD.state != 'done') EXECUTE FUNCTION tasks_release_dependants();

  -- A deleted task releases the tasks waiting on it, as a done one does; one
  -- deleted with its job (the job row is gone) releases nothing.
  CREATE FUNCTION tasks_release_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM jobs WHERE id = OLD.job_id) THEN
      UPDATE tasks SET waiting_on = waiting_on - 1,
                       state = CASE WHEN waiting_on = 1 THEN 'ready' ELSE 'pending' END
      WHERE job_id = OLD.job_id AND state = 'pending' AND waiting_on > 0 AND task_id IN (
        SELECT post_task_id FROM task_deps WHERE job_id = OLD.job_id AND pre_task_id = OLD.task_id);
    END IF;
    RETURN OLD;
  END $$;
  CREATE TRIGGER tasks_release_on_delete BEFORE DELETE ON tasks
    FOR EACH ROW WHEN (OLD.state != 'done') EXECUTE FUNCTION tasks_release_on_delete();

  -- Every state change of a task (task_id set) or a job (task_id NULL), with who made it and why.
  -- (The INSERT is written out in each trigger function: PL/pgSQL keeps its plan, a SQL function's is made per call.)
  CREATE FUNCTION log_task_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO task_events (job_id, task_id, at, from_state, to_state, reason, actor)
    VALUES (NEW.job_id, NEW.task_id, ${NOW_MS}, CASE WHEN TG_OP = 'UPDATE' THEN OLD.state END, NEW.state,
            CASE WHEN TG_OP = 'UPDATE' AND NEW.state = 'failed' THEN coalesce(NEW.error, bento_reason())
                 ELSE bento_reason() END,
            bento_actor());
    RETURN NULL;
  END $$;
  CREATE FUNCTION log_job_change() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO task_events (job_id, task_id, at, from_state, to_state, reason, actor)
    VALUES (NEW.id, NULL, ${NOW_MS}, CASE WHEN TG_OP = 'UPDATE' THEN OLD.state END, NEW.state,
            CASE WHEN TG_OP = 'UPDATE' AND NEW.state IN ('failed', 'stopped') THEN coalesce(NEW.error, bento_reason())
                 ELSE bento_reason() END,
            bento_actor());
    RETURN NULL;
  END $$;
  CREATE TRIGGER task_events_insert AFTER INSERT ON tasks FOR EACH ROW EXECUTE FUNCTION log_task_change();
  CREATE TRIGGER task_events_update AFTER UPDATE OF state ON tasks
    FOR EACH ROW WHEN (OLD.state != NEW.state) EXECUTE FUNCTION log_task_change();
  CREATE TRIGGER job_events_insert AFTER INSERT ON jobs FOR EACH ROW EXECUTE FUNCTION log_job_change();
  CREATE TRIGGER job_events_update AFTER UPDATE OF state ON jobs
    FOR EACH ROW WHEN (OLD.state != NEW.state) EXECUTE FUNCTION log_job_change();
  `,
  // 2: throughput of claims and completions (issue 20).
  //
  // A stream's ready and running counts move on every claim and completion.
  // Kept on the stream's row, every claimer of the stream queued on that one
  // row lock, and a planner's transaction adding tasks held it (and grew the
  // row into hundreds of dead versions, spread over as many pages, that every
  // later lookup visited) until it committed. The changes now go to one of 16
  // slot rows per stream, chosen by the connection's backend process, so
  // concurrent writers seldom share one; a stream's counts are its row's plus
  // its slots' (stream_totals, which every reader of the counts uses). The
  // row's own counts stay as they were (what older versions counted) and are
  // no longer written.
  `
  CREATE TABLE stream_counts (
    stream_id text NOT NULL,
    slot      integer NOT NULL,
    ready     integer NOT NULL DEFAULT 0,
    running   integer NOT NULL DEFAULT 0,
    PRIMARY KEY (stream_id, slot)
  ) WITH (fillfactor = 10);

  -- A stream's place in the claim order: under its reservation first (most
  -- under it first), then by running tasks over its best-effort multiplier;
  -- nothing ready, never.
  CREATE FUNCTION bento_priority(ready bigint, running bigint, reserved integer, be_mult double precision)
    RETURNS double precision LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN ready = 0 THEN 'Infinity'::double precision
                WHEN running >= reserved THEN (running - reserved) / be_mult
                ELSE (running - reserved)::double precision / reserved
           END $$;

  ALTER TABLE streams DROP COLUMN priority;

  CREATE VIEW stream_totals AS
    SELECT s.id, s.seq, s.worker_type, s.reserved, s.be_mult, s.user_id,
           (s.running + coalesce(c.running, 0))::integer AS running,
           (s.ready + coalesce(c.ready, 0))::integer AS ready
    FROM streams s
    LEFT JOIN LATERAL (SELECT sum(running) AS running, sum(ready) AS ready
                       FROM stream_counts WHERE stream_id = s.id) c ON true;

  CREATE OR REPLACE FUNCTION tasks_counters() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE
    old_ready int := 0; old_running int := 0; old_open int := 0;
    new_ready int := 0; new_running int := 0; new_open int := 0;
    counted_stream text; counted_slot int;
  BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      old_ready := (OLD.state = 'ready')::int; old_running := (OLD.state = 'running')::int;
      old_open := (OLD.state != 'done')::int;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
      new_ready := (NEW.state = 'ready')::int; new_running := (NEW.state = 'running')::int;
      new_open := (NEW.state != 'done')::int;
    END IF;
    IF new_ready != old_ready OR new_running != old_running THEN
      counted_stream := coalesce(NEW.stream_id, OLD.stream_id);
      counted_slot := pg_backend_pid() % 16;
      UPDATE stream_counts c SET ready = c.ready + new_ready - old_ready, running = c.running + new_running - old_running
      WHERE c.stream_id = counted_stream AND c.slot = counted_slot;
      IF NOT FOUND THEN
        INSERT INTO stream_counts AS c (stream_id, slot, ready, running)
        VALUES (counted_stream, counted_slot, new_ready - old_ready, new_running - old_running)
        ON CONFLICT (stream_id, slot) DO UPDATE
          SET ready = c.ready + excluded.ready, running = c.running + excluded.running;
      END IF;
    END IF;
    IF new_open != old_open THEN
      UPDATE jobs SET unfinished = unfinished + new_open - old_open,
        state = CASE WHEN state = 'running' AND unfinished + new_open - old_open = 0 THEN 'done' ELSE state END,
        ended_at = CASE WHEN state = 'running' AND unfinished + new_open - old_open = 0 THEN ${NOW_MS}
                        ELSE ended_at END
      WHERE id = coalesce(NEW.job_id, OLD.job_id);
    END IF;
    RETURN NULL;
  END $$;

  -- A completion or a deletion finds its dependants through task_deps'
  -- primary key and releases each by its own. The statement this replaces
  -- left the join order to the planner, whose statistics never know a job
  -- created since the last ANALYZE: guessing one task for the job, it scanned
  -- all of them on every completion (quadratic in the job's size).
  -- task_deps_by_post now leads with post_task_id, so that no lookup by
  -- (job_id, pre_task_id) can take it in place of the primary key.
  DROP INDEX task_deps_by_post;
  CREATE INDEX task_deps_by_post ON task_deps (post_task_id, job_id);

  CREATE FUNCTION bento_release_dependants(job text, pre text) RETURNS void LANGUAGE plpgsql AS $$
  DECLARE post text;
  BEGIN
    FOR post IN SELECT post_task_id FROM task_deps WHERE job_id = job AND pre_task_id = pre LOOP
      UPDATE tasks SET waiting_on = waiting_on - 1,
                       state = CASE WHEN waiting_on = 1 THEN 'ready' ELSE 'pending' END
      WHERE job_id = job AND task_id = post AND state = 'pending' AND waiting_on > 0;
    END LOOP;
  END $$;

  CREATE OR REPLACE FUNCTION tasks_release_dependants() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM bento_release_dependants(NEW.job_id, NEW.task_id);
    RETURN NULL;
  END $$;

  CREATE OR REPLACE FUNCTION tasks_release_on_delete() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM jobs WHERE id = OLD.job_id) THEN
      PERFORM bento_release_dependants(OLD.job_id, OLD.task_id);
    END IF;
    RETURN OLD;
  END $$;

  -- Autovacuum's ANALYZE of tasks sorted samples of these JSON documents,
  -- which no query filters or joins on: a fifth of the server's time under load.
  ALTER TABLE tasks ALTER COLUMN task_def SET STATISTICS 0,
                    ALTER COLUMN prerequisites SET STATISTICS 0,
                    ALTER COLUMN output SET STATISTICS 0;
  `,
];
