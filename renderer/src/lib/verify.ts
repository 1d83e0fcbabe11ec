// Verifying receipts in the page, with no daemon: requests to the verifier's
// worker (verify.worker.ts), one at a time, answered in order. The lift key
// digests the verifier computes (tens of seconds per segment shape) are kept
// in this browser's storage for the module that computed them, and given to
// every new worker.

import wasmUrl from '@local-bento/verifier/bento_verify.wasm?url';
import type { LiftDigest, Verdict } from '@local-bento/verifier/verifier';

type Question =
  | { type: 'verify'; receipt: Uint8Array; imageId: string }
  | { type: 'imageId'; elf: Uint8Array }
  | { type: 'remember'; known: LiftDigest[] };

export type VerifyRequest = Question & { id: number };

export type VerifyReply =
  | { id: number; type: 'verify'; verdict: Verdict; liftDigests: LiftDigest[] }
  | { id: number; type: 'remembered' }
  | { id: number; type: 'imageId'; reply: { ok: true; imageId: string } | { ok: false; error: string } }
  | { id: number; type: 'failed'; error: string };

/** The module's URL is named by its content's hash: digests are kept per build. */
const KEPT = 'bento.liftDigests ';

function keptDigests(): LiftDigest[] {
  try {
    return JSON.parse(localStorage.getItem(KEPT + wasmUrl) ?? '[]') as LiftDigest[];
  } catch {
    return [];
  }
}

function keepDigests(digests: LiftDigest[]): void {
  try {
    for (const key of Object.keys(localStorage)) if (key.startsWith(KEPT)) localStorage.removeItem(key);
    localStorage.setItem(KEPT + wasmUrl, JSON.stringify(digests));
  } catch {
    // Storage full or refused: the next page computes them again.
  }
}

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, (reply: VerifyReply) => void>();

/** A worker, given the digests this browser kept (a reply to that nobody waits for). */
function start(): Worker {
  const started = new Worker(new URL('./verify.worker.ts', import.meta.url), { type: 'module' });
  started.onmessage = (e: MessageEvent<VerifyReply>) => {
    waiting.get(e.data.id)?.(e.data);
    waiting.delete(e.data.id);
  };
  started.onerror = (e) => {
    // The worker itself failed (its script did not load): every question is answered, and the next starts a fresh one.
    for (const [id, answer] of waiting) answer({ id, type: 'failed', error: e.message || 'the verifier stopped' });
    waiting.clear();
    started.terminate();
    worker = undefined;
  };
  const kept = keptDigests();
  if (kept.length > 0) started.postMessage({ type: 'remember', known: kept, id: nextId++ } satisfies VerifyRequest);
  return started;
}

function ask(question: Question): Promise<VerifyReply> {
  worker ??= start();
  const sent = worker;
  const id = nextId++;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    const request: VerifyRequest = { ...question, id };
    sent.postMessage(request);
  });
}

/** Whether `receipt` proves a run of the image `imageId` (hex). */
export async function verifyReceipt(receipt: Uint8Array, imageId: string): Promise<Verdict> {
  const reply = await ask({ type: 'verify', receipt, imageId });
  if (reply.type === 'verify') {
    if (reply.liftDigests.length > keptDigests().length) keepDigests(reply.liftDigests);
    return reply.verdict;
  }
  return { ok: false, error: reply.type === 'failed' ? reply.error : 'the verifier gave no verdict' };
}

/** The image ID (hex) of a guest ELF. */
export async function imageIdOf(elf: Uint8Array): Promise<string> {
  const reply = await ask({ type: 'imageId', elf });
  if (reply.type === 'failed') throw new Error(reply.error);
  if (reply.type !== 'imageId') throw new Error('the verifier gave no image ID');
  if (!reply.reply.ok) throw new Error(reply.reply.error);
  return reply.reply.imageId;
}
