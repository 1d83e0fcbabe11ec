// A job for the cluster without a daemon: the guest and its input go to the
// bucket (under the image ID and the input's SHA-256, as the cluster's layout
// has them), the job with its execute task into the shared taskdb; workers
// do the rest. Its receipt is then read back from the bucket.

import { createHash, randomUUID } from 'node:crypto';
import { readFile, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DEFAULT_PO2, DEFAULT_RECEIPT_KIND, PO2_MAX, PO2_MIN, type ReceiptKind } from '../api/contract.js';
import { writeAtomic } from '../blobs/blobstore.js';
import type { TaskFiles } from '../blobs/taskfiles.js';
import { EngineError, USER } from '../engine/engine.js';
import { elfHeaderProblem } from '../guest/elfheader.js';
import { imageIdOf } from '../engine/native.js';
import { checkReceipt } from '../engine/receiptcheck.js';
import { type ExecuteDef, STREAMS, TaskDef, timeoutSecs } from '../engine/taskdefs.js';
import type { TaskStore } from '../taskdb/store.js';
import type { Json } from '../taskdb/types.js';

export interface ClusterJob {
  elf: Buffer;
  input: Uint8Array;
  po2?: number;
  receiptKind?: ReceiptKind;
  maxRetries?: number;
  binary?: string;
  /** A folder for the ELF while its image ID is computed. */
  scratch: string;
}

export async function submitJob(tdb: TaskStore, files: TaskFiles, job: ClusterJob): Promise<string> {
  const po2 = job.po2 ?? DEFAULT_PO2;
  if (!Number.isInteger(po2) || po2 < PO2_MIN || po2 > PO2_MAX)
    throw new EngineError(`po2 ${po2} is out of range (${PO2_MIN}..=${PO2_MAX})`);
  const problem = elfHeaderProblem(job.elf.subarray(0, 20), 'the ELF');
  if (problem) throw new EngineError(problem);
  const staged = join(job.scratch, `elf-${randomUUID()}`);
  await writeAtomic(staged, job.elf);
  let imageId: string;
  try {
    imageId = await imageIdOf(staged, job.binary);
    await rename(staged, await files.local({ kind: 'elfs', id: imageId }));
  } finally {
    await rm(staged, { force: true });
  }
  await files.publish({ kind: 'elfs', id: imageId });
  const input = createHash('sha256').update(job.input).digest('hex');
  await writeAtomic(await files.local({ kind: 'inputs', id: input }), job.input);
  await files.publish({ kind: 'inputs', id: input });
  const streams = await tdb.ensureStreams(STREAMS, USER);
  const def: ExecuteDef = {
    kind: 'execute',
    elf: imageId,
    input,
    po2,
    cycleLimit: null,
    executeOnly: false,
    receiptKind: job.receiptKind ?? DEFAULT_RECEIPT_KIND,
  };
  return tdb.createJob(
    streams.exec as string,
    def as unknown as Json,
    job.maxRetries ?? 2,
    timeoutSecs('execute', po2),
    USER,
    { actor: 'submit' },
  );
}

/** Waits until the job has ended (polling the taskdb); its state then. */
export async function waitForJob(tdb: TaskStore, jobId: string, pollMs = 500): Promise<string> {
  for (;;) {
    const state = await tdb.getJobState(jobId);
    if (state === undefined) throw new EngineError(`no job ${jobId}`);
    if (state !== 'running') return state;
    await new Promise((r) => setTimeout(r, pollMs));
  }
}

/** The job's receipt, read from the bucket. */
export async function fetchReceipt(files: TaskFiles, jobId: string): Promise<Buffer> {
  return readFile(await files.fetch({ kind: 'receipts', id: jobId }));
}

/**
 * The job's receipt from the bucket, once it verifies as the job says it
 * should (its ELF's image ID, the journal and exit code its executor
 * reported): any host writing the bucket could have put it there.
 */
export async function fetchVerifiedReceipt(
  tdb: TaskStore,
  files: TaskFiles,
  jobId: string,
  binary?: string,
): Promise<Buffer> {
  const init = await tdb.getTask(jobId, 'init');
  const def = TaskDef.safeParse(init?.taskDef);
  if (!def.success || def.data.kind !== 'execute')
    throw new EngineError(`job ${jobId} has no executor to check against`);
  const out = (init?.output ?? {}) as { journal?: unknown; exitCode?: unknown };
  const checked = await checkReceipt(
    await fetchReceipt(files, jobId),
    {
      imageId: def.data.elf,
      journalHex: typeof out.journal === 'string' ? out.journal : null,
      exitCode: typeof out.exitCode === 'number' ? out.exitCode : null,
    },
    binary,
  );
  if (!checked.valid)
    throw new EngineError(`the receipt of job ${jobId} in the bucket does not verify: ${checked.error}`);
  return checked.receipt;
}
