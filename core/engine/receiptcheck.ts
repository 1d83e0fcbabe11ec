// A receipt checked as the job it belongs to says it should be: bento-zkvm
// verify against the image ID its ELF was stored under, and the journal and
// exit code it proves against those the job's executor reported. The bytes
// checked are copied first, so the bytes returned are the bytes verified.

import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NativeError, runNative } from './native.js';

/** What a job says its receipt proves. */
export interface ReceiptClaim {
  imageId: string;
  journalHex: string | null;
  exitCode: number | null;
}

export type ReceiptCheck = { valid: true; verifyMs: number; receipt: Buffer } | { valid: false; error: string };

export async function checkReceipt(receipt: Buffer, claim: ReceiptClaim, binary?: string): Promise<ReceiptCheck> {
  const dir = await mkdtemp(join(tmpdir(), 'bento-verify-'));
  try {
    const copy = join(dir, 'receipt');
    await writeFile(copy, receipt, { mode: 0o600 });
    const { result } = await runNative(['verify', copy, '--image-id', claim.imageId], binary ? { binary } : {});
    const proved = (result.receipt ?? {}) as { journal_hex?: unknown; exit_code?: unknown };
    if (claim.journalHex === null || proved.journal_hex !== claim.journalHex)
      return { valid: false, error: "its journal is not the one the job's executor reported" };
    if (claim.exitCode === null || proved.exit_code !== claim.exitCode)
      return { valid: false, error: "its exit code is not the one the job's executor reported" };
    return { valid: true, verifyMs: Number(result.verify_ms), receipt };
  } catch (err) {
    // bento-zkvm's own refusal is a verdict; anything else (it could not run) is an error.
    if (err instanceof NativeError && err.reported) return { valid: false, error: err.message };
    throw err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
