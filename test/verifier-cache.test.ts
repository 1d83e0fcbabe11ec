// The Node verifier's kept lift key digests (verifier/src/digestcache.ts): a
// digest is trusted as if computed, so only a private regular file in a
// private folder is read back; anything else is ignored, never believed.

import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { cacheFile, readDigests, writeDigests } from '../verifier/src/digestcache.js';

const DIGESTS = [
  { shape: [14, 4, 4, 4, 16, 16, 4, 4, 4, 4, 4], digest: 'ab'.repeat(32) },
  { shape: [20, 12, 9, 15, 16, 16, 13, 10, 14, 4, 4], digest: '01'.repeat(32) },
];

let root: string;
let dir: string;
let file: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bento-verifier-cache-'));
  dir = join(root, 'cache');
  file = cacheFile(dir, new Uint8Array([1, 2, 3]));
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

it('writes the digests to a 0600 file in a 0700 folder, named by the module, and reads them back', async () => {
  await writeDigests(dir, file, DIGESTS);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(await readDigests(dir, file)).toEqual(DIGESTS);
  // Another module's digests are for other circuits: another file.
  expect(cacheFile(dir, new Uint8Array([1, 2, 4]))).not.toBe(file);
  expect(await readDigests(dir, cacheFile(dir, new Uint8Array([1, 2, 4])))).toEqual([]);
});

it('ignores a file others could have written: writable by group or others, or a link', async () => {
  await writeDigests(dir, file, DIGESTS);
  chmodSync(file, 0o620);
  expect(await readDigests(dir, file)).toEqual([]);
  chmodSync(file, 0o602);
  expect(await readDigests(dir, file)).toEqual([]);
  chmodSync(file, 0o600);
  const link = join(dir, 'linked.json');
  symlinkSync(file, link);
  expect(await readDigests(dir, link)).toEqual([]);
});

it('ignores and does not write a folder others can write', async () => {
  await writeDigests(dir, file, DIGESTS);
  chmodSync(dir, 0o777);
  expect(await readDigests(dir, file)).toEqual([]);
  await expect(writeDigests(dir, file, DIGESTS)).rejects.toThrow('not private to this user');
  const linked = join(root, 'linked-cache');
  chmodSync(dir, 0o700);
  symlinkSync(dir, linked);
  expect(await readDigests(linked, join(linked, 'x.json'))).toEqual([]);
});

it('ignores what is not a bounded list of digests: a FIFO, a huge file, other JSON, malformed entries', async () => {
  await writeDigests(dir, file, DIGESTS);
  rmSync(file);
  execFileSync('mkfifo', ['-m', '600', file]);
  expect(await readDigests(dir, file)).toEqual([]);
  rmSync(file);
  writeFileSync(file, `[${'0,'.repeat(600_000)}0]`, { mode: 0o600 });
  expect(await readDigests(dir, file)).toEqual([]);
  writeFileSync(file, '{"shape":[1],"digest":"00"}');
  expect(await readDigests(dir, file)).toEqual([]);
  writeFileSync(file, 'not json');
  expect(await readDigests(dir, file)).toEqual([]);
  writeFileSync(
    file,
    JSON.stringify([
      DIGESTS[0],
      { shape: [1.5], digest: 'ab'.repeat(32) },
      { shape: [14], digest: 'AB'.repeat(32) },
      { shape: '14', digest: 'ab'.repeat(32) },
      null,
    ]),
  );
  expect(await readDigests(dir, file)).toEqual([DIGESTS[0]]);
});

it.skipIf(process.getuid?.() !== 0)('ignores a file another user owns (needs root to make one)', async () => {
  await writeDigests(dir, file, DIGESTS);
  chownSync(file, 65534, 65534);
  expect(await readDigests(dir, file)).toEqual([]);
  chownSync(file, 0, 0);
  chownSync(dir, 65534, 65534);
  expect(await readDigests(dir, file)).toEqual([]);
});
