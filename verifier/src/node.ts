// The verifier in Node: `verify(receipt, imageId)` with the WebAssembly
// module read from this package, compiled once per process, and the lift key
// digests it computes kept for the next process (digestcache.ts).

import { readFile } from 'node:fs/promises';
import { isAbsolute } from 'node:path';
import { cacheFileName, defaultCacheDir, readDigests, writeDigests } from './digestcache.js';
import { Verifier, type Verdict } from './verifier.js';

export { Verifier, type LiftDigest, type Verdict, type VerifiedReceipt, type RefusedReceipt } from './verifier.js';

let loaded: Promise<Verifier> | undefined;
/** Where the process's verifier keeps its lift key digests (null: nowhere), and how many it kept. */
let kept: { dir: string; name: string; count: number } | null = null;

/**
 * The folder the process's verifier keeps lift key digests in between runs:
 * `BENTO_VERIFIER_CACHE` when set (`off`, or a relative path: none), else the
 * user's cache folder.
 */
function cacheDir(): string | null {
  const dir = process.env.BENTO_VERIFIER_CACHE;
  if (dir !== undefined && dir !== '') return isAbsolute(dir) ? dir : null;
  try {
    return defaultCacheDir();
  } catch {
    // No home folder: nothing kept.
    return null;
  }
}

/**
 * The process's verifier (the module is compiled on first use), given the lift
 * key digests an earlier process kept (see {@link verify}).
 */
export function verifier(): Promise<Verifier> {
  loaded ??= readFile(new URL('../bento_verify.wasm', import.meta.url)).then(
    async (bytes) => {
      const v = await Verifier.load(bytes);
      const dir = cacheDir();
      if (dir) {
        const name = cacheFileName(bytes);
        let known = await readDigests(dir, name);
        try {
          if (known.length > 0) v.rememberLiftDigests(known);
        } catch {
          // Not digests this module takes: computed again, and the file replaced.
          known = [];
        }
        kept = { dir, name, count: known.length };
      }
      return v;
    },
    (e: NodeJS.ErrnoException) => {
      loaded = undefined;
      throw new Error(
        e.code === 'ENOENT'
          ? 'bento_verify.wasm is missing: build it with `npm run build:wasm`'
          : `bento_verify.wasm could not be read: ${e.message}`,
      );
    },
  );
  return loaded;
}

/**
 * Checks that `receipt` proves a run of the image `imageId` (hex); see
 * {@link Verifier.verify}. The lift key digests it computed (for a succinct
 * receipt of a segment shape not seen before) are kept in the user's cache
 * folder, so that the next process verifies such a receipt in milliseconds;
 * a cache that cannot be written costs only that time.
 */
export async function verify(receipt: Uint8Array, imageId: string): Promise<Verdict> {
  const v = await verifier();
  const verdict = v.verify(receipt, imageId);
  if (kept) {
    const digests = v.liftDigests();
    if (digests.length > kept.count) {
      kept.count = digests.length;
      await writeDigests(kept.dir, kept.name, digests).catch(() => undefined);
    }
  }
  return verdict;
}

/** The image ID (hex) of a guest ELF; see {@link Verifier.imageId}. */
export async function imageId(elf: Uint8Array): Promise<string> {
  const reply = (await verifier()).imageId(elf);
  if (!reply.ok) throw new Error(reply.error);
  return reply.imageId;
}
