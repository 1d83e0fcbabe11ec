// The proving engine end to end: real guests proved through the taskdb by
// bento-zkvm children, and the faults a local prover meets (children killed or
// failing, the engine killed and restarted, stops, bad guests).

import { type ChildProcess, spawn } from 'node:child_process';
import { chmodSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { BlobStore } from '../core/blobs/blobstore.js';
import { LocalTaskFiles } from '../core/blobs/taskfiles.js';
import { Engine, type EngineOptions } from '../core/engine/engine.js';
import { runTask } from '../core/engine/tasks.js';
import type { Task } from '../core/taskdb/types.js';
import { SPIN, EBREAK, ROOT, ZKVM, example, tinyElf } from './helpers/guests.js';
import { until } from './helpers/until.js';
import { tempDir } from './helpers/tmp.js';

const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};

async function withEngine<T>(
  options: Partial<EngineOptions> & { home: string },
  fn: (e: Engine) => Promise<T>,
): Promise<T> {
  const engine = await Engine.open({ slots: { prove: 1 }, ...options });
  engine.start();
  try {
    return await fn(engine);
  } finally {
    await engine.close();
  }
}

/** A bento-zkvm stand-in: runs `script` (sh) before handing over to the real binary. */
function wrapper(dir: string, script: string): string {
  const path = join(dir, 'bento-zkvm-wrapper');
  writeFileSync(path, `#!/bin/sh\n${script}\nexec "${ZKVM}" "$@"\n`);
  chmodSync(path, 0o755);
  return path;
}

/** bento-zkvm processes whose command line names `needle`. */
async function childrenNaming(needle: string): Promise<string[]> {
  const out = await execa('ps', ['-eo', 'pid,args'], { reject: false });
  return out.stdout.split('\n').filter((l) => l.includes('bento-zkvm') && l.includes(needle) && !l.includes('ps -eo'));
}

describe('proving through the engine', () => {
  it('proves fib to a receipt that bento-zkvm verifies, with the executor journal', async () => {
    const home = tempDir();
    const { status, receipt } = await withEngine({ home }, async (engine) => {
      const jobId = await engine.createJob({
        elfPath: example('fib'),
        input: u32(30),
        po2: 14,
        receiptKind: 'composite',
      });
      return { status: await engine.waitFor(jobId), receipt: await engine.receiptFile(jobId) };
    });
    expect(status.phase).toBe('succeeded');
    expect(status.hasReceipt).toBe(true);
    writeFileSync(join(home, 'input'), u32(30));
    const direct = await execa(ZKVM, [
      'execute',
      example('fib'),
      '--po2',
      '14',
      '--json',
      '--input',
      join(home, 'input'),
    ]);
    const done = JSON.parse(direct.stdout.trim().split('\n').pop() as string) as { journal: string; image_id: string };
    expect(status.journalHex).toBe(done.journal);
    expect(status.imageId).toBe(done.image_id);
    const verify = await execa(ZKVM, ['verify', receipt as string, '--image-id', done.image_id, '--json'], {
      reject: false,
    });
    expect(verify.exitCode).toBe(0);
    expect(JSON.parse(verify.stdout).valid).toBe(true);
  });

  it('joins the segments of a multi-segment run, each proved with its own shape', async () => {
    const home = tempDir();
    const calls = join(home, 'calls');
    const binary = wrapper(home, `echo "$*" >> "${calls}"`);
    await withEngine({ home, binary }, async (engine) => {
      const jobId = await engine.createJob({
        elfPath: example('loop'),
        input: u32(3000),
        po2: 14,
        receiptKind: 'composite',
      });
      const status = await engine.waitFor(jobId);
      expect(status.phase).toBe('succeeded');
      const { tasks } = await engine.detail(jobId);
      expect(tasks.filter((t) => t.kind === 'prove').map((t) => t.segment)).toEqual([0, 1, 2, 3]);
      expect(tasks.filter((t) => t.kind === 'join').length).toBe(3);
      // A composite receipt's verifier needs no lift key: its segments are not padded to catalogued shapes.
      const proved = readFileSync(calls, 'utf8')
        .split('\n')
        .filter((c) => c.startsWith('prove-segment '));
      expect(proved).toHaveLength(4);
      for (const c of proved) expect(c).toContain(' --own-shapes');
      expect(tasks.map((t) => t.kind)).toContain('finalize');
      expect(status.segments).toBe(4);
      expect(status.cycles).toBe(57083);
    });
  });

  it("makes a succinct receipt: segments lifted, lifts joined under the job's shapes, the root shrunk; a killed lift or join child is retried and nothing is proven twice", async () => {
    const home = tempDir();
    const calls = join(home, 'calls');
    // The first lift child and the first join child are killed outright.
    const binary = wrapper(
      home,
      `echo "$*" >> "${calls}"
for step in lift join; do
  if [ "$1" = "$step" ] && [ ! -e "${home}/killed-$step" ]; then touch "${home}/killed-$step"; kill -9 $$; fi
done`,
    );
    await withEngine({ home, binary }, async (engine) => {
      const jobId = await engine.createJob({
        elfPath: example('loop'),
        input: u32(1500),
        po2: 14,
      });
      const status = await engine.waitFor(jobId);
      expect(status.phase, status.error ?? '').toBe('succeeded');
      expect(status.receiptKind).toBe('succinct');
      const { tasks } = await engine.detail(jobId);
      const of = (kind: string) => tasks.filter((t) => t.kind === kind);
      const segments = of('prove').length;
      expect(segments).toBeGreaterThanOrEqual(2);
      expect(status.segments).toBe(segments);
      // Each lift follows its segment's proof; the shapes task waits on every lift, and every join on it.
      expect(of('lift').map((t) => t.prerequisites)).toEqual(of('prove').map((t) => [t.taskId]));
      expect(of('shapes').map((t) => t.prerequisites)).toEqual([of('lift').map((t) => t.taskId)]);
      // The shapes task hands the joins each shape with its lift's key digest (they compile no lift circuit).
      const shapesFile = readdirSync(home, { recursive: true, encoding: 'utf8' }).find((p) =>
        p.endsWith(join('runs', 'shapes.json')),
      );
      const shapes = JSON.parse(readFileSync(join(home, shapesFile ?? 'no shapes file'), 'utf8')) as unknown[];
      expect(shapes.length).toBeGreaterThan(0);
      for (const s of shapes)
        expect(s).toEqual({ shape: expect.any(Array), key: expect.stringMatching(/^[0-9a-f]{64}$/) });
      expect(of('join').length).toBe(segments - 1);
      for (const j of of('join')) expect(j.prerequisites).toContain('shapes');
      // The killed children were retried; no segment was proved twice.
      const ran = readFileSync(calls, 'utf8').trim().split('\n');
      const count = (step: string) => ran.filter((c) => c.split(' ')[0] === step).length;
      // Segments of a succinct receipt are padded to catalogued shapes.
      expect(ran.filter((c) => c.includes('--own-shapes'))).toEqual([]);
      expect(count('prove-segment')).toBe(segments);
      expect(count('lift')).toBe(segments + 1);
      expect(count('join')).toBe(segments);
      expect(of('lift').reduce((n, t) => n + t.retries, 0)).toBe(1);
      expect(of('join').reduce((n, t) => n + t.retries, 0)).toBe(1);
      expect(of('prove').every((t) => t.retries === 0)).toBe(true);

      const receipt = (await engine.receiptFile(jobId)) as string;
      const id = (await execa(ZKVM, ['image-id', example('loop')])).stdout.trim();
      const verify = await execa(ZKVM, ['verify', receipt, '--image-id', id, '--json'], { reject: false });
      expect(verify.exitCode, verify.stderr).toBe(0);
      const verdict = JSON.parse(verify.stdout) as { receipt: { kind: string; segments: number; cycles: number } };
      expect(verdict.receipt.kind).toBe('succinct');
      expect(verdict.receipt.segments).toBe(segments);
      expect(verdict.receipt.cycles).toBe(status.cycles);
    });
  });

  it('returns the journal of an execute-only job with no proving tasks', async () => {
    const home = tempDir();
    await withEngine({ home }, async (engine) => {
      const jobId = await engine.createJob({
        elfPath: example('sha256'),
        input: Buffer.from('abc'),
        executeOnly: true,
      });
      const status = await engine.waitFor(jobId);
      expect(status.phase).toBe('succeeded');
      expect(status.journalHex).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
      expect((await engine.detail(jobId)).tasks.map((t) => t.kind)).toEqual(['execute']);
      expect(status.hasReceipt).toBe(false);
      expect(await engine.receiptFile(jobId)).toBeNull();
    });
  });
});

describe('faults', () => {
  it('retries a prover child killed mid-task, and the job succeeds', async () => {
    const home = tempDir();
    const marker = join(home, 'killed-once');
    const binary = wrapper(
      home,
      `if [ "$1" = prove-segment ] && [ ! -e "${marker}" ]; then touch "${marker}"; kill -9 $$; fi`,
    );
    await withEngine({ home, binary }, async (engine) => {
      const jobId = await engine.createJob({
        elfPath: example('fib'),
        input: u32(20),
        po2: 14,
        receiptKind: 'composite',
      });
      const status = await engine.waitFor(jobId);
      expect(status.phase).toBe('succeeded');
      expect(existsSync(marker)).toBe(true);
      const prove = (await engine.detail(jobId)).tasks.find((t) => t.kind === 'prove' && t.segment === 0);
      expect(prove?.retries).toBe(1);
    });
  });

  it('reuses the output of a task delivered twice instead of proving again', async () => {
    const home = tempDir();
    const calls = join(home, 'calls');
    const binary = wrapper(home, `echo "$*" >> "${calls}"`);
    const store = new BlobStore(home);
    await store.init();
    writeFileSync(join(home, 'input'), u32(20));
    await execa(ZKVM, [
      'execute',
      example('fib'),
      '--po2',
      '14',
      '--input',
      join(home, 'input'),
      '--segments-dir',
      join(store.workDir('job1'), 'segments'),
    ]);
    const ctx = {
      jobId: 'job1',
      taskId: 'prove-0',
      files: new LocalTaskFiles(store),
      db: undefined as never,
      signal: new AbortController().signal,
      binary,
      timeoutMs: 60_000,
      timeoutOf: () => 60,
      streamOf: () => 'prove',
      maxRetries: 0,
      onProgress: () => {},
      onCycles: () => {},
      onTasksAdded: () => {},
    };
    const def = { kind: 'prove', segment: 0, po2: 14, shapes: 'own' } as const;
    const first = (await runTask(def, ctx)) as Record<string, unknown>;
    const second = (await runTask(def, ctx)) as Record<string, unknown>;
    // A segment of a composite receipt keeps its own shape.
    expect(readFileSync(calls, 'utf8')).toMatch(/^prove-segment \S+ --out \S+ --own-shapes --json\n$/);
    expect(second.reused).toBe(true);
    expect(second.seal_bytes).toBe(first.seal_bytes);
  });

  it('fails the job with the child error after the retries', async () => {
    const home = tempDir();
    const binary = wrapper(home, `if [ "$1" = prove-segment ]; then echo "prover out of luck" >&2; exit 3; fi`);
    await withEngine({ home, binary, maxRetries: 1 }, async (engine) => {
      const jobId = await engine.createJob({
        elfPath: example('fib'),
        input: u32(20),
        po2: 14,
        receiptKind: 'composite',
      });
      const status = await engine.waitFor(jobId);
      expect(status.phase).toBe('failed');
      expect(status.error).toContain('retry max hit');
      expect(status.error).toContain('prover out of luck');
      expect(status.error).toContain('prove-0');
      expect((await engine.detail(jobId)).tasks.find((t) => t.kind === 'prove')?.retries).toBe(2);
      expect(await engine.receiptFile(jobId)).toBeNull();
    });
  });

  it.each([
    [
      'composite',
      'mid-proof',
      '6000',
      (tasks: Task[]) => tasks.filter((t) => t.kind === 'prove' && t.state === 'done').length >= 2,
    ],
    [
      'succinct',
      'during a join',
      '1500',
      (tasks: Task[]) => tasks.some((t) => t.kind === 'join' && t.state === 'running'),
    ],
  ] as const)(
    'finishes a %s job after the engine is SIGKILLed %s, reusing what was done',
    async (kind, when, iterations, killNow) => {
      const home = tempDir();
      const runner = join(ROOT, 'test', 'fixtures', 'engine-runner.mjs');
      const start = (args: string[]): ChildProcess =>
        spawn(process.execPath, [runner, home, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
      const first = start([example('loop'), iterations, '14', kind]);
      const jobId = await new Promise<string>((resolve) =>
        first.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim())),
      );
      // Wait until the job is far enough along, then kill the engine outright.
      const dbPath = join(home, 'taskdb.sqlite');
      const { TaskDb } = await import('../core/taskdb/taskdb.js');
      const db = TaskDb.open(dbPath, { readonly: true });
      const doneBefore = await new Promise<string[]>((resolve) => {
        const poll = setInterval(() => {
          const tasks = db.getTasks(jobId);
          if (killNow(tasks)) {
            clearInterval(poll);
            first.kill('SIGKILL');
            resolve(tasks.filter((t) => t.state === 'done').map((t) => t.taskId));
          }
        }, 50);
      });
      expect(doneBefore.length, when).toBeGreaterThan(0);
      await new Promise((r) => first.once('exit', r));
      const killedAt = Date.now();
      // Its children notice their parent is gone and exit.
      await until(async () => (await childrenNaming(home)).length === 0, 30_000);
      const second = start([]);
      await new Promise((r) => second.once('exit', r));
      expect(second.exitCode).toBe(0);
      const job = db.getJob(jobId);
      expect(job?.state).toBe('done');
      const events = db.getEvents(jobId);
      for (const taskId of doneBefore) {
        const rerun = events.filter((e) => e.taskId === taskId && e.to === 'running' && e.at > killedAt);
        expect(rerun, `${taskId} was done before the kill and must not run again`).toEqual([]);
      }
      // What was running when the engine died was put back by the restarted engine.
      expect(
        events.some((e) => e.at > killedAt && e.to === 'ready' && (e.reason ?? '').includes('worker process died')),
      ).toBe(true);
      db.close();
      const id = (await execa(ZKVM, ['image-id', example('loop')])).stdout.trim();
      const verify = await execa(ZKVM, ['verify', join(home, 'receipts', jobId), '--image-id', id, '--json'], {
        reject: false,
      });
      expect(verify.exitCode, verify.stderr).toBe(0);
      expect((JSON.parse(verify.stdout) as { receipt: { kind: string } }).receipt.kind).toBe(kind);
    },
    240_000,
  );

  it('stops a job: its children are killed and none is left behind', async () => {
    const home = tempDir();
    await withEngine({ home }, async (engine) => {
      const jobId = await engine.createJob({
        elfPath: writeGuest(home, 'spin.elf', [SPIN]),
        input: Buffer.alloc(0),
        po2: 14,
      });
      await new Promise<void>((resolve) => {
        const check = (): void => {
          void engine.detail(jobId).then(({ tasks }) => {
            if (tasks.some((t) => t.kind === 'prove' && t.state === 'running')) {
              engine.off('change', check);
              resolve();
            }
          });
        };
        engine.on('change', check);
      });
      expect((await childrenNaming(jobId)).length).toBeGreaterThan(0);
      expect(await engine.stop(jobId)).toBe(true);
      const status = await engine.waitFor(jobId);
      expect(status.phase).toBe('stopped');
      expect(status.error).toBe('stopped by user');
      await until(async () => (await childrenNaming(jobId)).length === 0, 30_000);
    });
  });

  it('refuses a file that is not an ELF before storing anything, without repeating its content', async () => {
    const home = tempDir();
    const elfPath = join(home, 'guest.txt');
    writeFileSync(elfPath, 'this is not a program\n');
    await withEngine({ home }, async (engine) => {
      const refused = engine.createJob({ elfPath, input: Buffer.alloc(0), po2: 14 });
      await expect(refused).rejects.toThrow(
        /^the ELF guest\.txt is not an ELF file \(it does not start with \\x7fELF\)$/,
      );
      expect(await engine.list()).toEqual([]);
      expect(readdirSync(join(home, 'elfs'))).toEqual([]);
    });
  });

  it.each([
    ['a guest fault', 'fault', null, /guest fault.*(ebreak|EBREAK)/i],
    ['the cycle limit', 'spin', 5000, /cycle limit/i],
  ] as const)('fails the job on %s with a clear message and no receipt', async (_, kind, cycleLimit, message) => {
    const home = tempDir();
    const elfPath = writeGuest(home, `${kind}.elf`, kind === 'fault' ? [EBREAK] : [SPIN]);
    await withEngine({ home }, async (engine) => {
      const jobId = await engine.createJob({ elfPath, input: Buffer.alloc(0), po2: 14, cycleLimit });
      const status = await engine.waitFor(jobId);
      expect(status.phase).toBe('failed');
      expect(status.error).toMatch(message);
      expect(status.error).not.toMatch(/retry max hit|\n\s+at /);
      expect(await engine.receiptFile(jobId)).toBeNull();
      expect((await engine.detail(jobId)).tasks.find((t) => t.kind === 'execute')?.retries).toBe(0);
    });
  });
});

function writeGuest(dir: string, name: string, words: number[]): string {
  const path = join(dir, name);
  writeFileSync(path, tinyElf(words));
  return path;
}

describe('the bento CLI', () => {
  it('proves an example to a succinct receipt by default and verifies the receipt it exported', async () => {
    const home = tempDir();
    const bento = join(ROOT, 'bin', 'bento.js');
    const out = join(home, 'fib.receipt');
    const prove = await execa(
      process.execPath,
      [bento, '--home', home, 'prove', example('fib'), '--input-u32', '30', '--po2', '14', '--out', out],
      { reject: false },
    );
    expect(prove.exitCode, prove.stderr).toBe(0);
    expect(prove.stdout).toMatch(/exit code: 0/);
    expect(prove.stdout).toMatch(/journal: {3}[0-9a-f]+/);
    const verify = await execa(process.execPath, [bento, 'verify', out, '--elf', example('fib')], { reject: false });
    expect(verify.exitCode, verify.stderr).toBe(0);
    expect(verify.stdout).toMatch(/^valid succinct receipt \(\d+ bytes\)/);
    const wrong = await execa(process.execPath, [bento, 'verify', out, '--elf', example('loop')], { reject: false });
    expect(wrong.exitCode).toBe(1);
    expect(wrong.stderr).toMatch(/^error: .*invalid receipt/);
    const list = await execa(process.execPath, [bento, '--home', home, 'jobs', 'list', '--json']);
    expect(JSON.parse(list.stdout)[0].phase).toBe('succeeded');
    expect(readFileSync(out).subarray(0, 8).toString()).toBe('BENTOSCT');
  });

  it('refuses bad input options with a clear error', async () => {
    const home = tempDir();
    const bento = join(ROOT, 'bin', 'bento.js');
    const r = await execa(process.execPath, [bento, '--home', home, 'prove', example('fib'), '--input-u32', 'seven'], {
      reject: false,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toBe('error: --input-u32: seven is not a 32-bit unsigned integer');
    const kind = await execa(process.execPath, [bento, '--home', home, 'prove', example('fib'), '--receipt', 'tiny'], {
      reject: false,
    });
    expect(kind.exitCode).toBe(1);
    expect(kind.stderr).toBe('error: --receipt: tiny is not one of composite, succinct');
  });
});
