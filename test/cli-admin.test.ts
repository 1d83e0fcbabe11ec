// `bento admin` end to end: the built CLI against a data directory that a
// "daemon" (this test process) holds open at the same time.

import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { taskDbPath } from '../core/config/paths.js';
import { TaskDb } from '../core/taskdb/taskdb.js';
import { tempDir } from './helpers/tmp.js';

const exec = promisify(execFile);
const BIN = join(import.meta.dirname, '..', 'bin', 'bento.js');

async function bento(home: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await exec(process.execPath, [BIN, '--home', home, ...args], {
      env: { ...process.env, BENTO_DEBUG: '' },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

function daemonDb(home: string): { tdb: TaskDb; job: string } {
  const tdb = TaskDb.open(taskDbPath(home), { actor: 'daemon' });
  const exec = tdb.createStream('exec', 1, 1, 'local');
  const prove = tdb.createStream('prove', 1, 1, 'local');
  const job = tdb.createJob(exec, { elf: 'e' }, 1, 60, 'local');
  tdb.createTask(job, 'prove-0', prove, {}, ['init'], 1, 60);
  tdb.requestWork('exec');
  return { tdb, job };
}

describe('bento admin', () => {
  it('prints help for every resource', async () => {
    const home = tempDir();
    const r = await bento(home, 'admin', 'tasks', '--help');
    expect(r.code).toBe(0);
    for (const verb of ['list', 'get', 'summary', 'abandon', 'reset', 'delete', 'backfill'])
      expect(r.stdout).toContain(verb);
  });

  it('lists and shows jobs and tasks, as text and JSON', async () => {
    const home = tempDir();
    const { tdb, job } = daemonDb(home);
    const list = await bento(home, 'admin', 'jobs', 'list');
    expect(list.stdout).toContain(job);
    const json = JSON.parse((await bento(home, 'admin', 'tasks', 'list', '--job', job, '--json')).stdout) as {
      taskId: string;
      state: string;
    }[];
    expect(json.map((t) => [t.taskId, t.state])).toEqual([
      ['init', 'running'],
      ['prove-0', 'pending'],
    ]);
    const summary = JSON.parse((await bento(home, 'admin', 'tasks', 'summary', '--json')).stdout) as {
      total: Record<string, number>;
    };
    expect(summary.total).toMatchObject({ running: 1, pending: 1 });
    const get = JSON.parse((await bento(home, 'admin', 'jobs', 'get', job, '--json')).stdout) as { events: unknown[] };
    expect(get.events.length).toBeGreaterThan(2);
    tdb.close();
  });

  it('is a dry run unless forced, and applies while the daemon holds the database', async () => {
    const home = tempDir();
    const { tdb, job } = daemonDb(home);
    const dry = await bento(home, 'admin', 'tasks', 'abandon', '--all-unfinished', '--reason', 'stuck');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run');
    expect(dry.stdout).toContain('use --force to apply');
    expect(tdb.getJobState(job)).toBe('running');

    const forced = JSON.parse(
      (await bento(home, 'admin', 'tasks', 'abandon', '--all-unfinished', '--reason', 'stuck', '--force', '--json'))
        .stdout,
    ) as {
      applied: boolean;
      changes: unknown[];
    };
    expect(forced).toMatchObject({ applied: true });
    expect(forced.changes.length).toBe(2);
    expect(tdb.getJob(job)).toMatchObject({ state: 'failed', error: 'abandoned by admin: stuck' });
    expect(tdb.getEvents(job).at(-1)?.actor).toMatch(/^admin/);

    const reset = await bento(home, 'admin', 'tasks', 'reset', job, 'init', '-f');
    expect(reset.stdout).toContain('applied');
    expect(tdb.getJobState(job)).toBe('running');
    expect(tdb.getTask(job, 'init')?.state).toBe('ready');
    tdb.close();
  });

  it('reports a missing target as a clear error, without a stack trace', async () => {
    const home = tempDir();
    const { tdb } = daemonDb(home);
    for (const args of [
      ['jobs', 'abandon', 'no-such-job'],
      ['tasks', 'reset', 'no-such-job', 'init'],
      ['jobs', 'get', 'no-such-job'],
    ]) {
      const r = await bento(home, 'admin', ...args);
      expect(r.code).toBe(1);
      expect(r.stderr.trim()).toBe('error: job no-such-job does not exist');
    }
    const bad = await bento(home, 'admin', 'tasks', 'list', '--state', 'weird');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('weird');
    tdb.close();
  });

  it('backfills a job from a file and rejects invalid input', async () => {
    const home = tempDir();
    const file = join(tempDir(), 'job.json');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      file,
      JSON.stringify({
        jobId: 'imported',
        job: {
          workerType: 'exec',
          taskDef: { kind: 'execute', elf: 'x', input: 'y', po2: 20, cycleLimit: null, executeOnly: false },
        },
      }),
    );
    const r = await bento(home, 'admin', 'tasks', 'backfill', '--file', file, '--force');
    expect(r.code).toBe(0);
    const tdb = TaskDb.open(taskDbPath(home));
    expect(tdb.getTask('imported', 'init')?.state).toBe('ready');
    tdb.close();
    writeFileSync(file, '{ not json');
    const bad = await bento(home, 'admin', 'tasks', 'backfill', '--file', file);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^error: .*is not JSON/);
  });
});
