// The files a task reads and writes, wherever they live. On the desktop they
// are the blob store's own files (LocalTaskFiles); in a cluster they live in
// the bucket, and a worker on any host fetches what its task reads into a
// local cache and publishes what it writes (S3TaskFiles), so no host needs a
// filesystem another shares.

import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type * as Minio from 'minio';
import type { S3Config } from '../api/contract.js';
import { PREFIX, isMissingObject, s3Client } from '../sync/s3sync.js';
import { type BlobKind, type BlobStore, checkId, fileExists } from './blobstore.js';

/** A file a task uses: a stored blob, or one of a job's intermediate files (`work`: a path the engine names). */
export type FileRef = { kind: BlobKind; id: string } | { job: string; work: string };

export interface TaskFiles {
  /** A local path holding the file, fetched first where it lives elsewhere. */
  fetch(ref: FileRef): Promise<string>;
  /** A local path to write the file at (its folder exists). */
  local(ref: FileRef): Promise<string>;
  /** Makes the file written at `local(ref)` visible to every host. */
  publish(ref: FileRef): Promise<void>;
  /** Whether the file exists where every host sees it. */
  exists(ref: FileRef): Promise<boolean>;
  /** Removes the file everywhere. */
  remove(ref: FileRef): Promise<void>;
}

/** A work path: the engine's own names (segments/…, receipts/…, memo/…), never a way out of the job's folder. */
function workPath(ref: { job: string; work: string }): string[] {
  const parts = ref.work.split('/');
  if (parts.some((p) => p === '' || p === '.' || p === '..')) throw new Error(`bad work path ${ref.work}`);
  return [checkId(ref.job, 'job id'), ...parts];
}

/** The desktop's: the blob store's files, where the tasks read and write them directly. */
export class LocalTaskFiles implements TaskFiles {
  constructor(private readonly store: BlobStore) {}

  private path(ref: FileRef): string {
    return 'kind' in ref ? this.store.path(ref.kind, ref.id) : join(this.store.root, 'work', ...workPath(ref));
  }

  async fetch(ref: FileRef): Promise<string> {
    return this.path(ref);
  }

  async local(ref: FileRef): Promise<string> {
    const path = this.path(ref);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    return path;
  }

  async publish(): Promise<void> {
    // Written in place: every slot of this machine sees it already.
  }

  exists(ref: FileRef): Promise<boolean> {
    return fileExists(this.path(ref));
  }

  async remove(ref: FileRef): Promise<void> {
    await rm(this.path(ref), { force: true });
  }
}

/** A cluster's: the bucket, in the cluster's layout, with a local cache of what this host fetched or wrote. */
export class S3TaskFiles implements TaskFiles {
  private readonly client: Minio.Client;

  constructor(
    private readonly config: S3Config,
    private readonly cache: string,
  ) {
    this.client = s3Client(config);
  }

  /** The object key of a file: the cluster's prefixes for blobs, work/<job>/… for intermediate files. */
  static key(ref: FileRef): string {
    if ('kind' in ref) return `${PREFIX[ref.kind] ?? `${ref.kind}/`}${checkId(ref.id)}`;
    return ['work', ...workPath(ref)].join('/');
  }

  private path(ref: FileRef): string {
    return join(this.cache, ...S3TaskFiles.key(ref).split('/'));
  }

  async fetch(ref: FileRef): Promise<string> {
    const path = this.path(ref);
    // Files are written once under their names (a rerun writes the same content): a cached copy is current.
    if (await fileExists(path, false)) return path;
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const partial = `${path}.part-${process.pid}`;
    try {
      await this.client.fGetObject(this.config.bucket, S3TaskFiles.key(ref), partial);
      await rename(partial, path);
    } catch (err) {
      await rm(partial, { force: true });
      if (isMissingObject(err))
        throw new Error(`${S3TaskFiles.key(ref)} is not in bucket ${this.config.bucket}`, { cause: err });
      throw err;
    }
    return path;
  }

  async local(ref: FileRef): Promise<string> {
    const path = this.path(ref);
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    return path;
  }

  async publish(ref: FileRef): Promise<void> {
    const path = this.path(ref);
    const { size } = await stat(path);
    await this.client.putObject(this.config.bucket, S3TaskFiles.key(ref), createReadStream(path), size);
  }

  async exists(ref: FileRef): Promise<boolean> {
    try {
      await this.client.statObject(this.config.bucket, S3TaskFiles.key(ref));
      return true;
    } catch (err) {
      if (isMissingObject(err)) return false;
      throw err;
    }
  }

  async remove(ref: FileRef): Promise<void> {
    await this.client.removeObject(this.config.bucket, S3TaskFiles.key(ref));
    await rm(this.path(ref), { force: true });
  }
}
