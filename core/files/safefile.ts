// Reading files the daemon is pointed at (a watch folder, a dropped file's
// path) as hostile: never through a symlink, never a FIFO or a device (which
// would block a thread or stream forever), never more than a bound.

import { constants } from 'node:fs';
import { type FileHandle, open } from 'node:fs/promises';

export type FileRefusal = 'not_found' | 'symlink' | 'not_regular' | 'too_large' | 'not_owner' | 'unreadable';

export class FileRefused extends Error {
  override name = 'FileRefused';
  constructor(
    readonly code: FileRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface ReadRegularOptions {
  /** Refuse a file larger than this. */
  maxBytes: number;
  /** The file must belong to this uid (a folder others write to, see core/watch). */
  owner?: number;
  /** The file's name in messages (never its content). */
  name?: string;
}

const CHUNK = 1 << 16;

/**
 * The bytes of a regular file: opened without following a final symlink and
 * without blocking (a FIFO opens at once and is then refused by its type),
 * checked by fstat on the open descriptor (so it cannot be swapped between
 * check and read), and read with a bound even where stat lies (procfs).
 */
export async function readRegularFile(path: string, options: ReadRegularOptions): Promise<Buffer> {
  const name = options.name ?? 'the file';
  let fh: FileHandle;
  try {
    fh = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    throw refusalOf(err, name);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new FileRefused('not_regular', `${name} is not a regular file`);
    if (options.owner !== undefined && st.uid !== options.owner) {
      throw new FileRefused(
        'not_owner',
        `${name} belongs to another user (uid ${st.uid}): only files of uid ${options.owner} are read from here`,
      );
    }
    if (st.size > options.maxBytes) throw tooLarge(name, options.maxBytes);
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const chunk = Buffer.alloc(Math.min(CHUNK, options.maxBytes + 1 - total));
      const { bytesRead } = await fh.read(chunk, 0, chunk.length, null);
      if (bytesRead === 0) break;
      chunks.push(chunk.subarray(0, bytesRead));
      total += bytesRead;
      if (total > options.maxBytes) throw tooLarge(name, options.maxBytes);
    }
    return Buffer.concat(chunks, total);
  } finally {
    await fh.close();
  }
}

function tooLarge(name: string, maxBytes: number): FileRefused {
  return new FileRefused('too_large', `${name} is larger than the limit of ${maxBytes} bytes`);
}

function refusalOf(err: unknown, name: string): FileRefused {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new FileRefused('not_found', `${name} does not exist`);
  // O_NOFOLLOW on a symlink fails with ELOOP.
  if (code === 'ELOOP') return new FileRefused('symlink', `${name} is a symbolic link: only regular files are read`);
  return new FileRefused('unreadable', `${name} cannot be read (${code ?? 'error'})`);
}
