// The watch folder: `name.elf` (with an optional `name.input`) dropped into it
// starts a job; `name.receipt` and `name.journal` appear beside it when the
// proof succeeds, `name.error.txt` when it fails. Files are picked up once
// their size has stopped changing, so half-written files wait.

import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { fileExists } from '../blobs/blobstore.js';
import type { Engine } from '../engine/engine.js';

export interface WatchOptions {
  /** The po2 of new jobs, read when each one starts (settings may change it). */
  po2?: () => number;
  /** How long a file's size must stay the same before it is read. */
  stableMs?: number;
}

export interface FolderWatcher {
  /** Resolves when the folder's existing files have been seen. */
  ready: Promise<void>;
  close(): Promise<void>;
}

export function watchFolder(engine: Engine, dir: string, options: WatchOptions = {}): FolderWatcher {
  const started = new Set<string>();
  const watcher: FSWatcher = watch(dir, {
    depth: 0,
    ignoreInitial: false,
    awaitWriteFinish: { stabilityThreshold: options.stableMs ?? 500, pollInterval: 100 },
  });

  const run = async (elfPath: string): Promise<void> => {
    const name = basename(elfPath, '.elf');
    const out = (suffix: string): string => join(dir, `${name}${suffix}`);
    // Already handled (by an earlier run of the daemon, or just now).
    if (started.has(name) || (await fileExists(out('.receipt'))) || (await fileExists(out('.error.txt')))) return;
    started.add(name);
    try {
      const inputPath = out('.input');
      const input = (await fileExists(inputPath)) ? await readFile(inputPath) : Buffer.alloc(0);
      const jobId = await engine.createSession({ elfPath, input, po2: options.po2?.() ?? 20 });
      const status = await engine.waitFor(jobId);
      if (status.phase === 'succeeded' && status.receiptPath) {
        await writeFile(out('.journal'), Buffer.from(status.journalHex ?? '', 'hex'));
        await copyFile(status.receiptPath, out('.receipt'));
      } else {
        await writeFile(out('.error.txt'), `job ${jobId} ${status.phase}: ${status.error ?? 'unknown error'}\n`);
      }
    } catch (err) {
      await writeFile(out('.error.txt'), `${err instanceof Error ? err.message : String(err)}\n`);
    }
  };

  watcher.on('add', (path) => {
    if (extname(path) === '.elf') void run(path);
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { ready, close: () => watcher.close() };
}
