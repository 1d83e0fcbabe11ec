// The files a task reads and writes, wherever they live. On the desktop they
// are the blob store's own files (LocalTaskFiles); in a cluster they live in
// the bucket, and a worker on any host fetches what its task reads into a
// local cache and publishes what it writes (S3TaskFiles), so no host needs a
// filesystem another shares.

import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type * as Minio from 'minio';
import type { S3Config } from '../api/contract.js';
import { PREFIX, isMissingObject, s3Client } from '../sync/s3sync.js';
import { isValidId } from '../ids.js';
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
  /** The file's size where every host sees it; null when there is none. */
  size(ref: FileRef): Promise<number | null>;
  /** Removes the file everywhere. */
  remove(ref: FileRef): Promise<void>;
  /** The ids of the stored blobs of a kind. */
  list(kind: BlobKind): Promise<string[]>;
  /** Removes what a job left: its receipt, journal, logs and intermediate files. */
  removeJob(jobId: string): Promise<void>;
  /** Makes a blob this host's blob store holds (an upload) visible to every host. */
  share(store: BlobStore, kind: BlobKind, id: string): Promise<void>;
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

  async size(ref: FileRef): Promise<number | null> {
    return (await stat(this.path(ref)).catch(() => undefined))?.size ?? null;
  }

  async remove(ref: FileRef): Promise<void> {
    await rm(this.path(ref), { force: true });
  }

  list(kind: BlobKind): Promise<string[]> {
    return this.store.list(kind);
  }

  removeJob(jobId: string): Promise<void> {
    return this.store.removeJob(jobId);
  }

  async share(): Promise<void> {
    // The tasks read the blob store itself.
  }
}

/** A cluster's: the bucket, in the cluster's layout, with a local cache of what this host fetched or wrote. */
export class S3TaskFiles implements TaskFiles {
  private readonly client: Minio.Client;
  private readonly downloads = new Map<string, Promise<string>>();

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
    // One download of a file at a time; those who ask meanwhile wait for it.
    const key = S3TaskFiles.key(ref);
    let download = this.downloads.get(key);
    if (!download) {
      download = this.download(key, path).finally(() => this.downloads.delete(key));
      this.downloads.set(key, download);
    }
    return download;
  }

  private async download(key: string, path: string): Promise<string> {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    const partial = `${path}.part-${randomUUID()}`;
    try {
      await pipeline(
        await this.client.getObject(this.config.bucket, key),
        createWriteStream(partial, { mode: 0o600, flags: 'wx' }),
      );
      await rename(partial, path);
    } catch (err) {
      await rm(partial, { force: true });
      if (isMissingObject(err)) throw new Error(`${key} is not in bucket ${this.config.bucket}`, { cause: err });
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
    return (await this.size(ref)) !== null;
  }

  async size(ref: FileRef): Promise<number | null> {
    try {
      return (await this.client.statObject(this.config.bucket, S3TaskFiles.key(ref))).size;
    } catch (err) {
      if (isMissingObject(err)) return null;
      throw err;
    }
  }

  async remove(ref: FileRef): Promise<void> {
    await this.client.removeObject(this.config.bucket, S3TaskFiles.key(ref));
    await rm(this.path(ref), { force: true });
  }

  /** The names of the bucket's objects under a prefix (and in its subfolders when `recursive`). */
  private async objectNames(prefix: string, recursive: boolean): Promise<string[]> {
    const names: string[] = [];
    const items = this.client.listObjectsV2(this.config.bucket, prefix, recursive) as AsyncIterable<{ name?: string }>;
    for await (const item of items) if (item.name) names.push(item.name);
    return names;
  }

  async list(kind: BlobKind): Promise<string[]> {
    const prefix = S3TaskFiles.key({ kind, id: 'x' }).slice(0, -1);
    const ids = (await this.objectNames(prefix, false)).map((name) => name.slice(prefix.length));
    return ids.filter(isValidId).sort();
  }

  async removeJob(jobId: string): Promise<void> {
    const work = `work/${checkId(jobId, 'job id')}/`;
    const blobs = (['receipts', 'journals', 'logs'] as const).map((kind) => ({ kind, id: jobId }));
    // One request for all of them (a missing key is no error).
    const names = [...blobs.map((ref) => S3TaskFiles.key(ref)), ...(await this.objectNames(work, true))];
    await this.client.removeObjects(this.config.bucket, names);
    await Promise.all(blobs.map((ref) => rm(this.path(ref), { force: true })));
    await rm(join(this.cache, 'work', jobId), { recursive: true, force: true });
  }

  async share(store: BlobStore, kind: BlobKind, id: string): Promise<void> {
    const ref = { kind, id };
    if (await this.exists(ref)) return;
    const path = store.path(kind, id);
    const { size } = await stat(path);
    await this.client.putObject(this.config.bucket, S3TaskFiles.key(ref), createReadStream(path), size);
  }
}
