// Load: 50 sessions created at once through the API all reach a final state,
// memory stays bounded, and a daemon restart in the middle loses none.

import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { Settings } from '../core/api/contract.js';
import { taskDbPath } from '../core/config/paths.js';
import { saveSettings } from '../core/config/settings.js';
import { type RunningDaemon, serve } from '../core/daemon/serve.js';
import { TaskDb } from '../core/taskdb/taskdb.js';
import { client as apiClient, untilJob, untilJobs, untilTask } from './helpers/feed.js';
import { ZKVM, example } from './helpers/guests.js';

const SESSIONS = 50;

function client(daemon: RunningDaemon) {
  return (path: string, init: RequestInit = {}): Promise<Response> =>
    fetch(`http://127.0.0.1:${daemon.port}${path}`, {
      ...init,
      headers: { 'x-api-key': daemon.token, ...(init.headers as Record<string, string>) },
    });
}

it('runs 50 concurrent sessions to a final state across a daemon restart with work in flight', async () => {
  const home = mkdtempSync(join(tmpdir(), 'bento-load-'));
  try {
    // Sessions make the default receipt kind; this load is measured on the quicker composite ones.
    await saveSettings(home, Settings.parse({ defaultReceiptKind: 'composite' }));
    let daemon = await serve({ home, port: 0, host: '127.0.0.1' });
    let api = client(daemon);
    const imageId = (await execa(ZKVM, ['image-id', example('fib')])).stdout.trim();
    await api(`/images/upload/${imageId}`, { method: 'PUT', body: readFileSync(example('fib')) });
    const rssBefore = process.memoryUsage().rss;
    // Every fifth session proves; the rest are preflight runs.
    const ids = await Promise.all(
      Array.from({ length: SESSIONS }, async (_, i) => {
        const { url, uuid } = (await (await api('/inputs/upload')).json()) as { url: string; uuid: string };
        const input = Buffer.alloc(4);
        input.writeUInt32LE(10 + i);
        await fetch(url, { method: 'PUT', body: input, headers: { 'x-api-key': daemon.token } });
        const res = await api('/sessions/create', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ img: imageId, input: uuid, assumptions: [], execute_only: i % 5 !== 0 }),
        });
        expect(res.status).toBe(200);
        return ((await res.json()) as { uuid: string }).uuid;
      }),
    );
    expect(new Set(ids).size).toBe(SESSIONS);
    // Restart while work is in flight: once the first execute-only session has ended, and a proving task has
    // just started (it runs for seconds, the stop takes milliseconds).
    const before = apiClient(`http://127.0.0.1:${daemon.port}`, daemon.token);
    await untilJob(before, ids[1] as string);
    await untilTask(before, ids, (t) => t.state === 'running' && t.kind !== 'execute' && t.progress === 0);
    await daemon.stop();
    // What the stopped daemon left running, read from its taskdb.
    const db = TaskDb.open(taskDbPath(home), { readonly: true });
    const leftRunning = ids.flatMap((jobId) =>
      db
        .getTasks(jobId)
        .filter((t) => t.state === 'running')
        .map((t) => ({ jobId, taskId: t.taskId })),
    );
    db.close();
    expect(leftRunning.length).toBeGreaterThan(0);
    daemon = await serve({ home, port: 0, host: '127.0.0.1' });
    api = client(daemon);
    const after = apiClient(`http://127.0.0.1:${daemon.port}`, daemon.token);
    const final = await untilJobs(after, ids, undefined, 150_000);
    expect([...final.values()].filter((s) => s.phase === 'succeeded').length).toBe(SESSIONS);
    for (const id of ids) {
      const { status } = (await (await api(`/sessions/status/${id}`)).json()) as { status: string };
      expect(status).toBe('SUCCEEDED');
    }
    // What ran at the restart was put back and run again by the new daemon.
    for (const { jobId, taskId } of leftRunning) {
      const events = (await after.job(jobId)).events.filter((e) => e.taskId === taskId);
      const requeued = events.some(
        (e) => e.from === 'running' && e.to === 'ready' && /worker process died/.test(e.reason ?? ''),
      );
      expect(requeued, `${jobId} ${taskId}`).toBe(true);
      expect(events.at(-1)?.to).toBe('done');
    }
    const growthMb = (process.memoryUsage().rss - rssBefore) / 2 ** 20;
    expect(growthMb).toBeLessThan(200);
    await daemon.stop();
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}, 200_000);
