// The lift key digests a Node verifier computed, kept on disk so that a later
// process verifying a receipt of the same segment shape does not compile its
// lift circuit again (seconds in WebAssembly). A digest is trusted as if
// computed, so only what nobody but this user could have written is read: a
// regular file (no link followed) of the user's that only they can read or
// write, in a folder of the same kind, reached by its real path through
// folders only the user or root can change (sticky ones aside), and named by
// the module's hash (another build's digests are for other circuits).
// Anything else is ignored: the digests are computed again.

import { createHash, randomBytes } from 'node:crypto';
import { constants, type Stats } from 'node:fs';
import { lstat, mkdir, open, realpath, rename, rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join, relative } from 'node:path';
import type { LiftDigest } from './verifier.js';

/** Far more than any run has shapes; a larger file is not read. */
const MAX_FILE_BYTES = 1 << 20;
const DIGEST = /^[0-9a-f]{64}$/;

/** The default folder: `$XDG_CACHE_HOME/local-bento/verifier`, else `~/.cache/local-bento/verifier`. */
export function defaultCacheDir(): string {
  const xdg = process.env.XDG_CACHE_HOME;
  return join(xdg && isAbsolute(xdg) ? xdg : join(homedir(), '.cache'), 'local-bento', 'verifier');
}

/** The name of the file the digests of the module `wasm` are kept in. */
export function cacheFileName(wasm: Uint8Array): string {
  return `lift-digests-${createHash('sha256').update(wasm).digest('hex').slice(0, 32)}.json`;
}

/** Owned by this user, and nobody else may read or write it (what writeDigests makes). */
function ownedAlone(s: Stats): boolean {
  return s.uid === process.getuid?.() && (s.mode & 0o077) === 0;
}

/**
 * Whether nobody but this user or root can change the folder `real` (a real
 * path: no links on it) or any above it: each is theirs, and writable by
 * group or others only where sticky (as /tmp is, so others cannot move what
 * is this user's there).
 */
async function fixedPath(real: string): Promise<boolean> {
  const uid = process.getuid?.();
  for (let p = real; ; p = dirname(p)) {
    const s = await lstat(p);
    const sticky = (s.mode & 0o1000) !== 0;
    if (!s.isDirectory() || (s.uid !== uid && s.uid !== 0) || ((s.mode & 0o022) !== 0 && !sticky)) return false;
    if (p === dirname(p)) return true;
  }
}

/** The real path of `dir` when it is this user's alone and nobody else can change the way to it; else null. */
async function privateDir(dir: string): Promise<string | null> {
  if (process.getuid === undefined || !isAbsolute(dir)) return null;
  const real = await realpath(dir);
  const d = await lstat(real);
  return d.isDirectory() && ownedAlone(d) && (await fixedPath(dirname(real))) ? real : null;
}

function exists(path: string): Promise<boolean> {
  return lstat(path).then(
    () => true,
    () => false,
  );
}

/** The digests kept in the file `name` of the folder `dir`; none when it is missing or not to be trusted. */
export async function readDigests(dir: string, name: string): Promise<LiftDigest[]> {
  try {
    const real = await privateDir(dir);
    if (!real) return [];
    const handle = await open(join(real, name), constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
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

/** The well-formed entries of a list, and only their fields. */
function parse(text: string): LiftDigest[] {
  const list: unknown = JSON.parse(text);
  if (!Array.isArray(list)) return [];
  return list
    .filter(
      (d): d is LiftDigest =>
        typeof d === 'object' &&
        d !== null &&
        Array.isArray((d as LiftDigest).shape) &&
        (d as LiftDigest).shape.every((h) => Number.isInteger(h) && h >= 0 && h < 64) &&
        typeof (d as LiftDigest).digest === 'string' &&
        DIGEST.test((d as LiftDigest).digest),
    )
    .map((d) => ({ shape: [...d.shape], digest: d.digest }));
}

/**
 * Replaces the digests kept in the file `name` of `dir` with `digests`:
 * written to a new 0600 file, then renamed over the old one, in a 0700
 * folder created if missing. Fails (and writes nothing) where the folder, or
 * the way to it, is not this user's alone.
 */
export async function writeDigests(dir: string, name: string, digests: readonly LiftDigest[]): Promise<void> {
  if (process.getuid === undefined || !isAbsolute(dir)) throw new Error('no private cache folder here');
  // Nothing is created below a folder someone else could change.
  let existing = dir;
  while (!(await exists(existing))) existing = dirname(existing);
  const base = await realpath(existing);
  if (!(await fixedPath(base))) throw new Error('the way to the verifier cache folder is not private to this user');
  await mkdir(join(base, relative(existing, dir)), { recursive: true, mode: 0o700 });
  const real = await privateDir(dir);
  if (!real) throw new Error('the verifier cache folder is not private to this user');
  const file = join(real, name);
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
