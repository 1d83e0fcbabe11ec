// Verifying receipts in the page, with no daemon: requests to the verifier's
// worker (verify.worker.ts), answered in order. The lift key digests the
// verifier computes (tens of seconds per segment shape) are kept here for the
// page's life and given to every new worker; never in the browser's storage,
// which anything ever served from this origin could have written, since a
// digest is trusted as if computed.

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

let worker: Worker | undefined;
let nextId = 0;
/** The questions sent and not yet answered, by id. */
const waiting = new Map<number, { request: VerifyRequest; answer: (reply: VerifyReply) => void }>();
/** The digests this page's workers computed. */
let known: LiftDigest[] = [];

/** A worker, given the digests known (a reply to that nobody waits for). */
function start(): Worker {
  const started = new Worker(new URL('./verify.worker.ts', import.meta.url), { type: 'module' });
  started.onmessage = (e: MessageEvent<VerifyReply>) => {
    waiting.get(e.data.id)?.answer(e.data);
    waiting.delete(e.data.id);
  };
  started.onerror = (e) => {
    // Its script did not load: every question is answered, and the next starts a fresh worker.
    for (const [id, { answer }] of waiting) answer({ id, type: 'failed', error: e.message || 'the verifier stopped' });
    waiting.clear();
    started.terminate();
    worker = undefined;
  };
  if (known.length > 0) started.postMessage({ type: 'remember', known, id: nextId++ } satisfies VerifyRequest);
  return started;
}

/** Gives up question `id`: its worker is ended, and the questions still waiting go to a fresh one. */
function cancel(id: number): void {
  const cancelled = waiting.get(id);
  if (!cancelled) return;
  waiting.delete(id);
  worker?.terminate();
  worker = start();
  for (const { request } of waiting.values()) worker.postMessage(request);
  cancelled.answer({ id, type: 'failed', error: 'the check was cancelled' });
}

function ask(question: Question, signal?: AbortSignal): Promise<VerifyReply> {
  worker ??= start();
  const sent = worker;
  const id = nextId++;
  const request: VerifyRequest = { ...question, id };
  return new Promise((answer) => {
    waiting.set(id, { request, answer });
    // A check nobody waits for any more (another receipt dropped, the view left) must not hold up the next:
    // a receipt listing many shapes can keep a verifier busy for minutes.
    signal?.addEventListener('abort', () => cancel(id));
    sent.postMessage(request);
  });
}

/** Whether `receipt` proves a run of the image `imageId` (hex). */
export async function verifyReceipt(receipt: Uint8Array, imageId: string, signal?: AbortSignal): Promise<Verdict> {
  const reply = await ask({ type: 'verify', receipt, imageId }, signal);
  if (reply.type === 'verify') {
    known = reply.liftDigests;
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
