// The blob store: a directory tree under the data directory that stands in for
// the cluster's S3 buckets and Redis. Every write is atomic (temp file, fsync,
// rename, fsync of the directory), so a reader never sees half a blob and a
// crash never leaves one. Files are 0600 and folders 0700 whatever the umask:
// inputs and journals are private. The temp file is created exclusively
// (O_EXCL), and the rename replaces a name, never writes through a link.

import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, type ReadStream } from 'node:fs';
import { lstat, mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ID_RULE, isValidId } from '../ids.js';

export const BLOB_KINDS = ['elfs', 'inputs', 'receipts', 'journals', 'logs'] as const;
export type BlobKind = (typeof BLOB_KINDS)[number];

export class BlobError extends Error {
  override name = 'BlobError';
  constructor(
    readonly code: 'invalid_id' | 'not_found' | 'digest_mismatch' | 'too_large',
    message: string,
  ) {
    super(message);
  }
}

/** Refuses ids that could name anything but a plain file in its folder. */
export function checkId(id: string, what = 'id'): string {
  if (!isValidId(id)) {
    throw new BlobError('invalid_id', `invalid ${what} ${JSON.stringify(id.slice(0, 80))}: ${ID_RULE}`);
  }
  return id;
}

export type PutStatus = 'created' | 'exists';

export interface PutResult {
  status: PutStatus;
  path: string;
  bytes: number;
  sha256: string;
}

export type BlobSource = Uint8Array | string | Readable | AsyncIterable<Uint8Array>;

export interface PutOptions {
  /** Keep an existing blob rather than replacing it (the answer is then "exists"). */
  ifAbsent?: boolean;
  /** The SHA-256 (hex) the content must have; checked before the blob becomes visible. */
  expectSha256?: string;
  /** Refuse content larger than this many bytes. */
  maxBytes?: number;
  /** Looks at the staged content (its temp file and first bytes) before it becomes visible; a throw discards it. */
  accept?: (staged: { path: string; head: Buffer }) => Promise<void> | void;
}

export class BlobStore {
  constructor(readonly root: string) {}

  /** Creates the folder tree (idempotent). */
  async init(): Promise<void> {
    await Promise.all(
      [...BLOB_KINDS, 'work', 'terminals'].map((d) => mkdir(join(this.root, d), { recursive: true, mode: 0o700 })),
    );
  }

  path(kind: BlobKind, id: string): string {
    return join(this.root, kind, checkId(id));
  }

  /** The job's folder for intermediate artifacts. */
  workDir(jobId: string): string {
    return join(this.root, 'work', checkId(jobId, 'job id'));
  }

  async exists(kind: BlobKind, id: string): Promise<boolean> {
    return fileExists(this.path(kind, id));
  }

  async put(kind: BlobKind, id: string, data: BlobSource, options: PutOptions = {}): Promise<PutResult> {
    return writeAtomic(this.path(kind, id), data, options);
  }

  /** Stores content under its SHA-256; storing the same bytes twice answers "exists". */
  async putContentAddressed(
    kind: BlobKind,
    data: BlobSource,
    options: Omit<PutOptions, 'ifAbsent'> = {},
  ): Promise<PutResult> {
    await mkdir(join(this.root, kind), { recursive: true, mode: 0o700 });
    const staged = await stage(join(this.root, kind), data, options);
    return staged.commit(this.path(kind, staged.sha256), true);
  }

  /**
   * Stores content under a key computed from it (from the staged file, before
   * it becomes visible; a throw discards it); the same key twice answers "exists".
   */
  async putKeyed(
    kind: BlobKind,
    data: BlobSource,
    keyOf: (staged: { path: string; head: Buffer }) => Promise<string>,
    options: Omit<PutOptions, 'ifAbsent' | 'accept'> = {},
  ): Promise<PutResult & { id: string }> {
    await mkdir(join(this.root, kind), { recursive: true, mode: 0o700 });
    let id = '';
    const staged = await stage(join(this.root, kind), data, {
      ...options,
      accept: async (s) => {
        id = checkId(await keyOf(s));
      },
    });
    return { ...(await staged.commit(this.path(kind, id), true)), id };
  }

  async get(kind: BlobKind, id: string): Promise<Buffer> {
    try {
      return await readFile(this.path(kind, id));
    } catch (err) {
      throw notFoundOr(err, kind, id);
    }
  }

  /** A stream of the blob; fails with not_found before any byte when it is missing. */
  async read(kind: BlobKind, id: string): Promise<ReadStream> {
    const path = this.path(kind, id);
    if (!(await fileExists(path))) throw new BlobError('not_found', `${kind}/${id} does not exist`);
    return createReadStream(path);
  }

  async delete(kind: BlobKind, id: string): Promise<boolean> {
    const path = this.path(kind, id);
    const existed = await fileExists(path);
    await rm(path, { force: true });
    return existed;
  }

  /** Removes a job's receipt, journal, logs and work directory. */
  async removeJob(jobId: string): Promise<void> {
    await Promise.all([
      this.delete('receipts', jobId),
      this.delete('journals', jobId),
      this.delete('logs', jobId),
      rm(this.workDir(jobId), { recursive: true, force: true }),
    ]);
  }

  async list(kind: BlobKind): Promise<string[]> {
    try {
      const names = await readdir(join(this.root, kind));
      return names.filter(isValidId).sort();
    } catch (err) {
      if (isNotFound(err)) return [];
      throw err;
    }
  }
}

/** Writes `data` to `path` atomically. */
export async function writeAtomic(path: string, data: BlobSource, options: PutOptions = {}): Promise<PutResult> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const staged = await stage(dir, data, options);
  return staged.commit(path, options.ifAbsent ?? false);
}

interface Staged {
  sha256: string;
  bytes: number;
  commit(path: string, ifAbsent: boolean): Promise<PutResult>;
}

/** How much of the start of a blob `accept` sees (an ELF header needs 20). */
const HEAD_BYTES = 64;

/** Streams data into a hidden temp file in `dir`, hashing and fsyncing it. */
async function stage(dir: string, data: BlobSource, options: PutOptions): Promise<Staged> {
  const tmp = join(dir, `.tmp-${randomBytes(8).toString('hex')}`);
  const hash = createHash('sha256');
  let bytes = 0;
  let head = Buffer.alloc(0);
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      if (head.length < HEAD_BYTES) head = Buffer.concat([head, chunk.subarray(0, HEAD_BYTES - head.length)]);
      bytes += chunk.length;
      if (options.maxBytes !== undefined && bytes > options.maxBytes) {
        done(new BlobError('too_large', `content exceeds the limit of ${options.maxBytes} bytes`));
        return;
      }
      hash.update(chunk);
      done(null, chunk);
    },
  });
  try {
    await pipeline(toReadable(data), meter, createWriteStream(tmp, { flags: 'wx', mode: 0o600 }));
    const fh = await open(tmp, 'r');
    try {
      await fh.sync();
    } finally {
      await fh.close();
    }
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  const sha256 = hash.digest('hex');
  if (options.expectSha256 !== undefined && options.expectSha256.toLowerCase() !== sha256) {
    await rm(tmp, { force: true });
    throw new BlobError('digest_mismatch', `content has SHA-256 ${sha256}, expected ${options.expectSha256}`);
  }
  try {
    await options.accept?.({ path: tmp, head });
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
  return {
    sha256,
    bytes,
    async commit(path: string, ifAbsent: boolean): Promise<PutResult> {
      if (ifAbsent && (await fileExists(path))) {
        await rm(tmp, { force: true });
        return { status: 'exists', path, bytes, sha256 };
      }
      await rename(tmp, path);
      await syncDir(dirname(path));
      return { status: 'created', path, bytes, sha256 };
    },
  };
}

function toReadable(data: BlobSource): Readable {
  if (typeof data === 'string' || data instanceof Uint8Array) return Readable.from([Buffer.from(data)]);
  if (data instanceof Readable) return data;
  return Readable.from(data);
}

/** Makes a rename durable: fsync of the directory that holds the new name. */
export async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

/** Whether `path` names something; with `followLinks` false a link counts as present and is not followed. */
export async function fileExists(path: string, followLinks = true): Promise<boolean> {
  try {
    await (followLinks ? stat(path) : lstat(path));
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

export function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

function notFoundOr(err: unknown, kind: BlobKind, id: string): unknown {
  return isNotFound(err) ? new BlobError('not_found', `${kind}/${id} does not exist`) : err;
}
