// Path parameters and bodies as the routes receive them: ids checked so no
// path escapes the blob store, jobs looked up, zod errors made 400s.

import { z } from 'zod';
import { checkId } from '../blobs/blobstore.js';
import type { JobStatus } from '../api/contract.js';
import type { Engine } from '../engine/engine.js';
import { ApiError } from '../api/apierror.js';

/** A blob or job id from a path parameter (400 if it could escape the blob store). */
export function validId(value: string, what: string): string {
  try {
    return checkId(value, what);
  } catch (err) {
    throw new ApiError(400, 'InvalidId', (err as Error).message);
  }
}

/** The status of a job named in a path (400 for a bad id, 404 for an unknown one). */
export async function jobStatus(engine: Engine, jobId: string, what = 'job'): Promise<JobStatus> {
  if (!(await engine.hasJob(validId(jobId, `${what} id`)))) throw new ApiError(404, 'NotFound', `no ${what} ${jobId}`);
  return engine.status(jobId);
}

/** Parses a body or query with `schema`; a mismatch is a 400 naming the fields. */
export function parse<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) throw new ApiError(400, 'InvalidRequest', z.prettifyError(result.error));
  return result.data;
}

/** An answer shaped by its contract schema: only the fields the contract names go out (zod drops the rest). */
export function shape<T extends z.ZodType>(schema: T, value: z.input<T>): z.infer<T> {
  return schema.parse(value);
}
