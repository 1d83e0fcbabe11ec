// The watch folder: `name.elf` (with an optional `name.input`) dropped into it
// starts a job; `name.receipt` and `name.journal` appear beside it when the
// proof succeeds, `name.error.txt` when it fails. Files are picked up once
// their size has stopped changing, so half-written files wait.
//
// The folder is hostile ground (see folder.ts): files are read only when they
// are regular files (no symlink is followed, a FIFO never blocks), with a size
// bound; results are written as new files (an exclusive temp file renamed into
// place), never through a link someone planted.

import { basename, extname, join } from 'node:path';
import { type FSWatcher, watch } from 'chokidar';
import { fileExists, writeAtomic } from '../blobs/blobstore.js';
import { DEFAULT_PO2, type ReceiptKind } from '../api/contract.js';
import type { Engine } from '../engine/engine.js';
import { FileRefused, readRegularFile } from '../files/safefile.js';
import { checkWatchFolder } from './folder.js';

export interface WatchOptions {
  /** The po2 of new jobs, read when each one starts (settings may change it). */
  po2?: () => number;
  /** The receipt kind of new jobs, read likewise. */
  receiptKind?: () => ReceiptKind;
  /** How long a file's size must stay the same before it is read. */
  stableMs?: number;
}

export interface FolderWatcher {
  /** Resolves when the folder's existing files have been seen. */
  ready: Promise<void>;
  close(): Promise<void>;
}

/** Watches `dir`; fails with a WatchFolderError when the folder is not safe to watch. */
export async function watchFolder(engine: Engine, dir: string, options: WatchOptions = {}): Promise<FolderWatcher> {
  const { owner } = await checkWatchFolder(dir);
  const started = new Set<string>();
  const watcher: FSWatcher = watch(dir, {
    depth: 0,
    ignoreInitial: false,
    followSymlinks: false,
    awaitWriteFinish: { stabilityThreshold: options.stableMs ?? 500, pollInterval: 100 },
  });
  const read = (path: string): Promise<Buffer> =>
    readRegularFile(path, {
      maxBytes: engine.maxFileBytes,
      name: basename(path),
      ...(owner !== undefined ? { owner } : {}),
    });

  const run = async (elfPath: string): Promise<void> => {
    const name = basename(elfPath, '.elf');
    const out = (suffix: string): string => join(dir, `${name}${suffix}`);
    // Already handled (by an earlier run of the daemon, or just now).
    if (started.has(name) || (await fileExists(out('.receipt'), false)) || (await fileExists(out('.error.txt'), false)))
      return;
    started.add(name);
    try {
      const input = await read(out('.input')).catch((err: unknown) => {
        if (err instanceof FileRefused && err.code === 'not_found') return Buffer.alloc(0);
        throw err;
      });
      const elf = await engine.storeElf(await read(elfPath), basename(elfPath));
      const jobId = await engine.createJob({
        imageBlob: elf,
        input,
        po2: options.po2?.() ?? DEFAULT_PO2,
        ...(options.receiptKind ? { receiptKind: options.receiptKind() } : {}),
      });
      const status = await engine.waitFor(jobId);
      // Only a receipt that verifies is written out (on a cluster it was read from the bucket).
      const verified = status.phase === 'succeeded' && status.hasReceipt ? await engine.verifyReceipt(jobId) : null;
      if (verified?.valid) {
        await writeAtomic(out('.journal'), Buffer.from(status.journalHex ?? '', 'hex'));
        await writeAtomic(out('.receipt'), verified.receipt);
      } else if (verified) {
        await writeAtomic(out('.error.txt'), `job ${jobId}: its receipt does not verify: ${verified.error}\n`);
      } else {
        await writeAtomic(out('.error.txt'), `job ${jobId} ${status.phase}: ${status.error ?? 'unknown error'}\n`);
      }
    } catch (err) {
      const message = `${name}.elf failed: ${err instanceof Error ? err.message : String(err)}\n`;
      await writeAtomic(out('.error.txt'), message).catch((writeErr: unknown) => {
        process.stderr.write(
          `bento watch: ${message.trim()} (and ${name}.error.txt could not be written: ${(writeErr as Error).message})\n`,
        );
      });
    }
  };

  watcher.on('add', (path) => {
    if (extname(path) === '.elf') void run(path);
  });
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return { ready, close: () => watcher.close() };
}
