// The taskdb backends a suite runs against: SQLite, and PostgreSQL on a
// throwaway server started for the file (skipped with a reason where it is
// not installed, never under CI). Each `open` is a fresh, empty taskdb.

import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import pg from 'pg';
import { PgTaskDb } from '../../core/taskdb/pg/pgtaskdb.js';
import { SqliteTaskStore } from '../../core/taskdb/sqlitestore.js';
import type { TaskStore } from '../../core/taskdb/store.js';
import { PostgresServer, postgresMissing } from './postgres.js';
import { tempDir } from './tmp.js';

/** A backend under test: how to open a fresh taskdb on it, and raw SQL for what no verb does (ageing a task). */
export interface Backend {
  name: string;
  skip: string | undefined;
  open(actor: string): Promise<TaskStore>;
  /** Another connection (another process's, as it were) to the same taskdb. */
  connect(tdb: TaskStore, actor: string): Promise<TaskStore>;
  /** Runs SQL written with $1.. parameters; returns its rows. */
  exec(tdb: TaskStore, sql: string, params?: unknown[]): Promise<unknown[]>;
}

const pgSkip = postgresMissing();
if (pgSkip) process.stdout.write(`skipping the taskdb suites' PostgreSQL backend: ${pgSkip}\n`);
let server: PostgresServer | undefined;
let databases = 0;
const urls = new WeakMap<TaskStore, string>();
const opened: TaskStore[] = [];

/** The backends, with the PostgreSQL server's start and stop registered as the file's hooks. */
export function taskDbBackends(): Backend[] {
  beforeAll(async () => {
    if (!pgSkip) server = await PostgresServer.start();
  }, 120_000);
  afterAll(async () => {
    try {
      await Promise.all(opened.splice(0).map((t) => t.close()));
    } finally {
      server?.stop();
    }
  });
  return BACKENDS;
}

const BACKENDS: Backend[] = [
  {
    name: 'sqlite',
    skip: undefined,
    open: async (actor) => SqliteTaskStore.open(join(tempDir(), 'taskdb.sqlite'), { actor }),
    connect: async (tdb, actor) => {
      const other = SqliteTaskStore.open((tdb as SqliteTaskStore).tdb.db.name, { actor });
      opened.push(other);
      return other;
    },
    exec: async (tdb, sql, params = []) => {
      const stmt = (tdb as SqliteTaskStore).tdb.db.prepare(sql.replace(/\$\d+/g, '?'));
      return stmt.reader ? stmt.all(...params) : (stmt.run(...params), []);
    },
  },
  {
    name: 'postgres',
    skip: pgSkip,
    open: async (actor) => {
      const url = await (server as PostgresServer).createDatabase(`t${++databases}`);
      const tdb = await PgTaskDb.open(url, { actor, poolSize: 4 });
      urls.set(tdb, url);
      opened.push(tdb);
      return tdb;
    },
    connect: async (tdb, actor) => {
      const other = await PgTaskDb.open(urls.get(tdb) as string, { actor, poolSize: 4 });
      opened.push(other);
      return other;
    },
    exec: async (tdb, sql, params = []) => {
      const client = new pg.Client({ connectionString: urls.get(tdb) });
      await client.connect();
      try {
        const { rows } = await client.query(sql, params);
        return rows.map((r: Record<string, unknown>) =>
          Object.fromEntries(
            Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v]),
          ),
        );
      } finally {
        await client.end();
      }
    },
  },
];
