// The verifier in Node: `verify(receipt, imageId)` with the WebAssembly
// module read from this package, compiled once per process, and the lift key
// digests it computes kept for the next process (digestcache.ts).

import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { cacheFile, defaultCacheDir, readDigests, writeDigests } from './digestcache.js';
import { Verifier, type Verdict } from './verifier.js';

export { Verifier, type LiftDigest, type Verdict, type VerifiedReceipt, type RefusedReceipt } from './verifier.js';

let loaded: Promise<Verifier> | undefined;
/** Where the process's verifier keeps its lift key digests (null: nowhere), and how many it kept. */
let kept: { dir: string; file: string; count: number } | null = null;

/**
 * The folder the process's verifier keeps lift key digests in between runs:
 * `BENTO_VERIFIER_CACHE` when set (`off`: none), else the user's cache folder.
 */
function cacheDir(): string | null {
  const dir = process.env.BENTO_VERIFIER_CACHE;
  if (dir === 'off') return null;
  return dir ? resolve(dir) : defaultCacheDir();
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
        const file = cacheFile(dir, bytes);
        const known = await readDigests(dir, file);
        if (known.length > 0) v.rememberLiftDigests(known);
        kept = { dir, file, count: known.length };
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
      await writeDigests(kept.dir, kept.file, digests).catch(() => undefined);
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
