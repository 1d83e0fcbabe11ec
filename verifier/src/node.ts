// The verifier in Node: `verify(receipt, imageId)` with the WebAssembly
// module read from this package, compiled once per process.

import { readFile } from 'node:fs/promises';
import { Verifier, type Verdict } from './verifier.js';

export { Verifier, type LiftDigest, type Verdict, type VerifiedReceipt, type RefusedReceipt } from './verifier.js';

let loaded: Promise<Verifier> | undefined;

/** The process's verifier (the module is compiled on first use). */
export function verifier(): Promise<Verifier> {
  loaded ??= readFile(new URL('../bento_verify.wasm', import.meta.url)).then(
    (bytes) => Verifier.load(bytes),
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

/** Checks that `receipt` proves a run of the image `imageId` (hex); see {@link Verifier.verify}. */
export async function verify(receipt: Uint8Array, imageId: string): Promise<Verdict> {
  return (await verifier()).verify(receipt, imageId);
}

/** The image ID (hex) of a guest ELF; see {@link Verifier.imageId}. */
export async function imageId(elf: Uint8Array): Promise<string> {
  const reply = (await verifier()).imageId(elf);
  if (!reply.ok) throw new Error(reply.error);
  return reply.imageId;
}
