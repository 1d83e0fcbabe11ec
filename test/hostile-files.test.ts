// Files the daemon is pointed at, as a hostile local user would plant them:
// symlinks, FIFOs, devices, secrets, folders others can write to, and a data
// directory left readable by the usual umask. Each case reproduces an attack
// from issue 14 and checks the safe outcome.

import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { Engine } from '../core/engine/engine.js';
import { type RunningDaemon, serve } from '../core/daemon/serve.js';
import { watchFolder } from '../core/watch/watcher.js';
import { WatchFolderError } from '../core/watch/folder.js';
import { example } from './helpers/guests.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

const SECRET = 'TOP-SECRET-VALUE-42';
const isRoot = process.getuid?.() === 0;

/** Every blob the data directory holds, as text. */
function storedBlobs(home: string): string[] {
  return ['elfs', 'inputs'].flatMap((kind) =>
    readdirSync(join(home, kind)).map((name) => readFileSync(join(home, kind, name), 'latin1')),
  );
}

function secretFile(): string {
  const path = join(tempDir('bento-secret-'), 'secret.txt');
  writeFileSync(path, `${SECRET}\n`, { mode: 0o600 });
  return path;
}

async function withWatcher(
  fn: (ctx: { home: string; folder: string; engine: Engine }) => Promise<void>,
  folder = tempDir('bento-watch-'),
): Promise<void> {
  const home = tempDir();
  const engine = await Engine.open({ home, slots: { prove: 1 } });
  engine.start();
  // Composite receipts: these tests are about the files, and a succinct receipt costs a shrink each.
  const watcher = await watchFolder(engine, folder, { po2: () => 14, receiptKind: () => 'composite', stableMs: 100 });
  try {
    await watcher.ready;
    await fn({ home, folder, engine });
  } finally {
    await watcher.close();
    await engine.close();
  }
}

describe('the watch folder', () => {
  it('follows no symlink: linked ELFs and inputs are refused, linked results are replaced, never written through', async () => {
    const secret = secretFile();
    const victim = join(tempDir('bento-victim-'), 'victim.txt');
    writeFileSync(victim, 'VICTIM\n');
    await withWatcher(async ({ home, folder }) => {
      symlinkSync(secret, join(folder, 'a.elf'));
      copyFileSync(example('fib'), join(folder, 's.elf'));
      symlinkSync(secret, join(folder, 's.input'));
      const input = Buffer.alloc(4);
      input.writeUInt32LE(30);
      writeFileSync(join(folder, 'z.input'), input);
      symlinkSync(victim, join(folder, 'z.journal'));
      copyFileSync(example('fib'), join(folder, 'z.elf'));
      await until(
        () =>
          existsSync(join(folder, 'a.error.txt')) &&
          existsSync(join(folder, 's.error.txt')) &&
          existsSync(join(folder, 'z.receipt')),
      );
      expect(readFileSync(join(folder, 'a.error.txt'), 'utf8')).toMatch(/a\.elf is a symbolic link/);
      expect(readFileSync(join(folder, 's.error.txt'), 'utf8')).toMatch(/s\.input is a symbolic link/);
      expect(existsSync(join(folder, 's.journal'))).toBe(false);
      // The planted link was replaced by a new private file; its target is untouched.
      expect(readFileSync(victim, 'utf8')).toBe('VICTIM\n');
      expect(lstatSync(join(folder, 'z.journal')).isFile()).toBe(true);
      expect(readFileSync(join(folder, 'z.journal')).toString('hex')).toBe('28b20c00');
      expect(statSync(join(folder, 'z.receipt')).mode & 0o777).toBe(0o600);
      for (const blob of storedBlobs(home)) expect(blob).not.toContain(SECRET);
    });
  });

  it('refuses FIFOs and devices at once, and keeps working', async () => {
    await withWatcher(async ({ folder, engine }) => {
      for (const n of [1, 2, 3, 4]) await execa('mkfifo', [join(folder, `f${n}.elf`)]);
      await until(() => [1, 2, 3, 4].every((n) => existsSync(join(folder, `f${n}.error.txt`))), 60_000);
      expect(readFileSync(join(folder, 'f1.error.txt'), 'utf8')).toMatch(/f1\.elf is not a regular file/);
      // Nothing is stuck: a real guest dropped next is proved.
      copyFileSync(example('fib'), join(folder, 'ok.elf'));
      await until(() => existsSync(join(folder, 'ok.receipt')));
      expect((await engine.list()).length).toBe(1);
    });
  });

  it('refuses a folder other users can write to, unless it is sticky, and then reads only our files', async () => {
    const home = tempDir();
    const engine = await Engine.open({ home });
    try {
      const open = tempDir('bento-shared-');
      chmodSync(open, 0o777);
      await expect(watchFolder(engine, open)).rejects.toThrow(WatchFolderError);
      await expect(watchFolder(engine, open)).rejects.toThrow(
        /can be written by other users \(mode 777\).*chmod 700.*chmod \+t/,
      );
      // `bento serve --watch` on such a folder does not start (and takes nothing).
      await expect(serve({ home: tempDir(), port: 0, host: '127.0.0.1', watch: open })).rejects.toThrow(
        WatchFolderError,
      );
    } finally {
      await engine.close();
    }
    if (!isRoot) {
      console.log('skipped the sticky-folder case: it needs root to give a file to another user');
      return;
    }
    const sticky = tempDir('bento-sticky-');
    chmodSync(sticky, 0o1777);
    await withWatcher(async ({ folder }) => {
      copyFileSync(example('fib'), join(folder, 'theirs.elf'));
      chownSync(join(folder, 'theirs.elf'), 65534, 65534);
      await until(() => existsSync(join(folder, 'theirs.error.txt')));
      expect(readFileSync(join(folder, 'theirs.error.txt'), 'utf8')).toMatch(/belongs to another user \(uid 65534\)/);
    }, sticky);
  });
});

describe('elfPath', () => {
  async function withDaemon(
    fn: (d: RunningDaemon, home: string, post: (body: unknown, app?: boolean) => Promise<Response>) => Promise<void>,
  ): Promise<void> {
    const home = tempDir();
    const daemon = await serve({ home, port: 0, host: '127.0.0.1', appSecret: 'app-secret' });
    const post = (body: unknown, app = true): Promise<Response> =>
      fetch(`http://127.0.0.1:${daemon.port}/api/jobs`, {
        method: 'POST',
        headers: {
          'x-api-key': daemon.token,
          'content-type': 'application/json',
          ...(app ? { 'x-bento-app': 'app-secret' } : {}),
        },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(10_000),
      });
    try {
      await fn(daemon, home, post);
    } finally {
      await daemon.stop();
    }
  }

  it('is for the desktop app only, reads only bounded regular ELF files, and never echoes a file', async () => {
    const secret = secretFile();
    const fifo = join(tempDir(), 'pipe.elf');
    await execa('mkfifo', [fifo]);
    await withDaemon(async (daemon, home, post) => {
      // Without the desktop app's secret a path is refused: the caller must upload.
      const refused = await post({ elfPath: example('fib') }, false);
      expect(refused.status).toBe(403);
      expect(await refused.json()).toMatchObject({ type: 'LocalPathRefused' });
      // Five FIFOs at once neither hang nor block the daemon.
      const fifos = await Promise.all([1, 2, 3, 4, 5].map(() => post({ elfPath: fifo })));
      for (const res of fifos) {
        expect(res.status).toBe(400);
        expect(((await res.json()) as { msg: string }).msg).toMatch(/not a regular file/);
      }
      const zero = await post({ elfPath: '/dev/zero' });
      expect(zero.status).toBe(400);
      expect(((await zero.json()) as { msg: string }).msg).toMatch(/not a regular file/);
      // A readable secret and the daemon's own environment: refused as not ELF, content never repeated, nothing stored.
      for (const path of [secret, '/proc/self/environ']) {
        const res = await post({ elfPath: path });
        expect(res.status).toBe(400);
        const text = await res.text();
        expect(text).toMatch(/is not an ELF file/);
        expect(text).not.toContain(SECRET);
        expect(text).not.toMatch(/PATH=|HOME=/);
      }
      expect(readdirSync(join(home, 'elfs'))).toEqual([]);
      // A real guest still works, and the daemon answers throughout.
      const ok = await post({ elfPath: example('fib'), executeOnly: true });
      expect(ok.status).toBe(200);
      expect(
        (await fetch(`http://127.0.0.1:${daemon.port}/api/jobs`, { headers: { 'x-api-key': daemon.token } })).status,
      ).toBe(200);
    });
  });

  it('refuses a file larger than the upload limit before reading it', async () => {
    const big = join(tempDir(), 'big.elf');
    writeFileSync(big, Buffer.concat([readFileSync(example('fib')), Buffer.alloc(2 << 20)]));
    const home = tempDir();
    const daemon = await serve({ home, port: 0, host: '127.0.0.1', appSecret: 's', maxUploadBytes: 1 << 20 });
    try {
      const res = await fetch(`http://127.0.0.1:${daemon.port}/api/jobs`, {
        method: 'POST',
        headers: { 'x-api-key': daemon.token, 'content-type': 'application/json', 'x-bento-app': 's' },
        body: JSON.stringify({ elfPath: big }),
      });
      expect(res.status).toBe(400);
      expect(((await res.json()) as { msg: string }).msg).toMatch(/larger than the limit of 1048576 bytes/);
    } finally {
      await daemon.stop();
    }
  });
});

describe('the data directory', () => {
  it('is 0700 with 0600 files under umask 022, and tightens what an older run left open', async () => {
    const previous = process.umask(0o022);
    try {
      const home = join(tempDir(), 'home');
      mkdirSync(home, { mode: 0o755 });
      writeFileSync(join(home, 'daemon.json'), '{}', { mode: 0o644 });
      const daemon = await serve({ home, port: 0, host: '127.0.0.1' });
      try {
        const api = (path: string, init: RequestInit = {}) =>
          fetch(`http://127.0.0.1:${daemon.port}${path}`, {
            ...init,
            headers: { 'x-api-key': daemon.token, ...(init.headers as Record<string, string>) },
          });
        await api('/api/elfs', { method: 'POST', body: readFileSync(example('fib')) });
        await api('/api/inputs', { method: 'POST', body: 'private input' });
        expect(statSync(home).mode & 0o777).toBe(0o700);
        for (const name of ['taskdb.sqlite', 'taskdb.sqlite-wal', 'taskdb.sqlite-shm', 'daemon.json', 'datadir.lock']) {
          expect({ name, mode: statSync(join(home, name)).mode & 0o777 }).toEqual({ name, mode: 0o600 });
        }
        for (const kind of ['elfs', 'inputs']) {
          expect(statSync(join(home, kind)).mode & 0o777).toBe(0o700);
          for (const blob of readdirSync(join(home, kind)))
            expect(statSync(join(home, kind, blob)).mode & 0o777).toBe(0o600);
        }
      } finally {
        await daemon.stop();
      }
    } finally {
      process.umask(previous);
    }
  });

  it('refuses a data directory owned by another user', async () => {
    if (!isRoot) {
      console.log('skipped: giving a folder to another user needs root');
      return;
    }
    const home = join(tempDir(), 'theirs');
    mkdirSync(home, { mode: 0o700 });
    chownSync(home, 65534, 65534);
    await expect(Engine.open({ home })).rejects.toThrow(/belongs to uid 65534, not to you/);
  });
});
