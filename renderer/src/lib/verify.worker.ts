// The receipt verifier (WebAssembly) off the page's thread: a succinct
// receipt of a segment shape this page has not seen takes seconds to check.

import wasmUrl from '@local-bento/verifier/bento_verify.wasm?url';
import { Verifier } from '@local-bento/verifier/verifier';
import type { VerifyReply, VerifyRequest } from './verify';

let loaded: Promise<Verifier> | undefined;

function verifier(): Promise<Verifier> {
  loaded ??= fetch(wasmUrl)
    .then((r) => {
      if (!r.ok) throw new Error(`the verifier module could not be loaded (HTTP ${r.status})`);
      return r.arrayBuffer();
    })
    .then((bytes) => Verifier.load(bytes));
  loaded.catch(() => (loaded = undefined));
  return loaded;
}

self.onmessage = async (e: MessageEvent<VerifyRequest>) => {
  const request = e.data;
  let reply: VerifyReply;
  try {
    const v = await verifier();
    if (request.type === 'verify') {
      const verdict = v.verify(request.receipt, request.imageId);
      reply = { id: request.id, type: 'verify', verdict, liftDigests: v.liftDigests() };
    } else if (request.type === 'imageId') reply = { id: request.id, type: 'imageId', reply: v.imageId(request.elf) };
    else {
      v.rememberLiftDigests(request.known);
      reply = { id: request.id, type: 'remembered' };
    }
  } catch (err) {
    reply = { id: request.id, type: 'failed', error: err instanceof Error ? err.message : String(err) };
  }
  self.postMessage(reply);
};
