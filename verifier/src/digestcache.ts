// The lift key digests a Node verifier computed, kept on disk so that a later
// process verifying a receipt of the same segment shape does not compile its
// lift circuit again (seconds in WebAssembly). A digest is trusted as if
// computed, so only a file that nobody but this user could have written is
// read: a regular file (no link followed), owned by the user and writable by
// nobody else, in a directory of the same kind, named by the module's hash
// (another build's digests are for other circuits). Anything else is ignored:
// the digests are computed again.

import { createHash, randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { LiftDigest } from './verifier.js';

/** Far more than any run has shapes; a larger file is not read. */
const MAX_FILE_BYTES = 1 << 20;
const DIGEST = /^[0-9a-f]{64}$/;

/** The default folder: `$XDG_CACHE_HOME/local-bento/verifier`, else `~/.cache/local-bento/verifier`. */
export function defaultCacheDir(): string {
  const base = process.env.XDG_CACHE_HOME?.startsWith('/') ? process.env.XDG_CACHE_HOME : join(homedir(), '.cache');
  return join(base, 'local-bento', 'verifier');
}

/** Where the digests of the module `wasm` are kept in `dir`. */
export function cacheFile(dir: string, wasm: Uint8Array): string {
  const id = createHash('sha256').update(wasm).digest('hex').slice(0, 32);
  return join(dir, `lift-digests-${id}.json`);
}

/** Owned by this user and writable by nobody else. */
function ownedAlone(s: Stats): boolean {
  const uid = process.getuid?.();
  return uid !== undefined && s.uid === uid && (s.mode & 0o022) === 0;
}

/** The digests kept in `file`; none when it is missing or not to be trusted. */
export async function readDigests(dir: string, file: string): Promise<LiftDigest[]> {
  try {
    const d = await lstat(dir);
    if (!d.isDirectory() || !ownedAlone(d)) return [];
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const s = await handle.stat();
      if (!s.isFile() || !ownedAlone(s) || s.size > MAX_FILE_BYTES) return [];
      return parse(await handle.readFile({ encoding: 'utf8' }));
    } finally {
      await handle.close();
    }
  } catch {
    return [];
  }
}

function parse(text: string): LiftDigest[] {
  const list: unknown = JSON.parse(text);
  if (!Array.isArray(list)) return [];
  return list.filter(
    (d): d is LiftDigest =>
      typeof d === 'object' &&
      d !== null &&
      Array.isArray((d as LiftDigest).shape) &&
      (d as LiftDigest).shape.every((h) => Number.isInteger(h) && h >= 0 && h < 64) &&
      typeof (d as LiftDigest).digest === 'string' &&
      DIGEST.test((d as LiftDigest).digest),
  );
}

/**
 * Replaces the digests kept in `file` with `digests`: written to a new 0600
 * file, then renamed over the old one, in a 0700 folder created if missing.
 * Fails (and writes nothing) where the folder is not this user's alone.
 */
export async function writeDigests(dir: string, file: string, digests: readonly LiftDigest[]): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const d = await lstat(dir);
  if (!d.isDirectory() || !ownedAlone(d)) throw new Error('the verifier cache folder is not private to this user');
  const temp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    const handle = await open(
      temp,
      constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      await handle.writeFile(`${JSON.stringify(digests)}\n`);
    } finally {
      await handle.close();
    }
    await rename(temp, file);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
}
