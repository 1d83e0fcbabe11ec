// Verifying receipts in the page, with no daemon: requests to the verifier's
// worker (verify.worker.ts), one at a time, answered in order.

import type { Verdict } from '@local-bento/verifier/verifier';

type Question = { type: 'verify'; receipt: Uint8Array; imageId: string } | { type: 'imageId'; elf: Uint8Array };

export type VerifyRequest = Question & { id: number };

export type VerifyReply =
  | { id: number; type: 'verify'; verdict: Verdict }
  | { id: number; type: 'imageId'; reply: { ok: true; imageId: string } | { ok: false; error: string } }
  | { id: number; type: 'failed'; error: string };

let worker: Worker | undefined;
let nextId = 0;
const waiting = new Map<number, (reply: VerifyReply) => void>();

function ask(question: Question): Promise<VerifyReply> {
  if (!worker) {
    worker = new Worker(new URL('./verify.worker.ts', import.meta.url), { type: 'module' });
    worker.onmessage = (e: MessageEvent<VerifyReply>) => {
      waiting.get(e.data.id)?.(e.data);
      waiting.delete(e.data.id);
    };
    worker.onerror = (e) => {
      // The worker itself failed (a trap, or its script did not load): every question is answered, and the next starts a fresh one.
      for (const [id, answer] of waiting) answer({ id, type: 'failed', error: e.message || 'the verifier stopped' });
      waiting.clear();
      worker?.terminate();
      worker = undefined;
    };
  }
  const id = nextId++;
  const sent = worker;
  return new Promise((resolve) => {
    waiting.set(id, resolve);
    const request: VerifyRequest = { ...question, id };
    sent.postMessage(request);
  });
}

/** Whether `receipt` proves a run of the image `imageId` (hex). */
export async function verifyReceipt(receipt: Uint8Array, imageId: string): Promise<Verdict> {
  const reply = await ask({ type: 'verify', receipt, imageId });
  if (reply.type === 'verify') return reply.verdict;
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
