// The Node verifier's kept lift key digests (verifier/src/digestcache.ts): a
// digest is trusted as if computed, so only a private regular file in a
// private folder is read back; anything else is ignored, never believed.

import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  chownSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { rename } from 'node:fs/promises';
import { cacheFileName, readDigests, writeDigests } from '@local-bento/verifier/digestcache';

const DIGESTS = [
  { shape: [14, 4, 4, 4, 16, 16, 4, 4, 4, 4, 4], digest: 'ab'.repeat(32) },
  { shape: [20, 12, 9, 15, 16, 16, 13, 10, 14, 4, 4], digest: '01'.repeat(32) },
];

let root: string;
let dir: string;
const name = cacheFileName(new Uint8Array([1, 2, 3]));
let file: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'bento-verifier-cache-'));
  dir = join(root, 'cache');
  file = join(dir, name);
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

it('writes the digests to a 0600 file in a 0700 folder, named by the module, and reads them back', async () => {
  await writeDigests(dir, name, DIGESTS);
  expect(statSync(dir).mode & 0o777).toBe(0o700);
  expect(statSync(file).mode & 0o777).toBe(0o600);
  expect(await readDigests(dir, name)).toEqual(DIGESTS);
  // Another module's digests are for other circuits: another file.
  const other = cacheFileName(new Uint8Array([1, 2, 4]));
  expect(other).not.toBe(name);
  expect(await readDigests(dir, other)).toEqual([]);
});

it('ignores a file it did not make private: open to group or others, or a link', async () => {
  await writeDigests(dir, name, DIGESTS);
  for (const mode of [0o620, 0o602, 0o640, 0o604]) {
    chmodSync(file, mode);
    expect(await readDigests(dir, name), mode.toString(8)).toEqual([]);
  }
  chmodSync(file, 0o600);
  symlinkSync(file, join(dir, 'linked.json'));
  expect(await readDigests(dir, 'linked.json')).toEqual([]);
});

it('ignores and does not write a folder others can use, or one below a folder others can change', async () => {
  await writeDigests(dir, name, DIGESTS);
  chmodSync(dir, 0o777);
  expect(await readDigests(dir, name)).toEqual([]);
  await expect(writeDigests(dir, name, DIGESTS)).rejects.toThrow('not private to this user');
  chmodSync(dir, 0o750);
  expect(await readDigests(dir, name)).toEqual([]);
  chmodSync(dir, 0o700);
  expect(await readDigests(dir, name)).toEqual(DIGESTS);
  // Whoever can write a folder above could swap what lies below it between a check and a read.
  chmodSync(root, 0o777);
  expect(await readDigests(dir, name)).toEqual([]);
  await expect(writeDigests(join(root, 'new', 'cache'), name, DIGESTS)).rejects.toThrow('not private');
  expect(readdirSync(root)).toEqual(['cache']);
  // Sticky (as /tmp is), others cannot move what is this user's.
  chmodSync(root, 0o1777);
  expect(await readDigests(dir, name)).toEqual(DIGESTS);
  chmodSync(root, 0o700);
});

it('follows a link to the folder, and checks the folders on the way to where it leads', async () => {
  await writeDigests(dir, name, DIGESTS);
  const shared = join(root, 'shared');
  mkdirSync(shared);
  chmodSync(shared, 0o777);
  symlinkSync(dir, join(shared, 'cache'));
  expect(await readDigests(join(shared, 'cache'), name)).toEqual(DIGESTS);
  // Where it leads into a folder others can change, nothing is read.
  mkdirSync(join(shared, 'inner'), { mode: 0o700 });
  await rename(file, join(shared, 'inner', name));
  symlinkSync(join(shared, 'inner'), join(root, 'linked'));
  expect(await readDigests(join(root, 'linked'), name)).toEqual([]);
  // A relative folder means whatever the working directory holds: never used.
  expect(await readDigests(relative(process.cwd(), dir), name)).toEqual([]);
  await expect(writeDigests('cache', name, DIGESTS)).rejects.toThrow();
});

it('ignores what is not a bounded list of digests: a FIFO, a huge file, other JSON, malformed entries', async () => {
  await writeDigests(dir, name, DIGESTS);
  rmSync(file);
  execFileSync('mkfifo', ['-m', '600', file]);
  expect(await readDigests(dir, name)).toEqual([]);
  rmSync(file);
  writeFileSync(file, `[${'0,'.repeat(600_000)}0]`, { mode: 0o600 });
  expect(await readDigests(dir, name)).toEqual([]);
  writeFileSync(file, '{"shape":[1],"digest":"00"}');
  expect(await readDigests(dir, name)).toEqual([]);
  writeFileSync(file, 'not json');
  expect(await readDigests(dir, name)).toEqual([]);
  writeFileSync(
    file,
    JSON.stringify([
      DIGESTS[0],
      { shape: [1.5], digest: 'ab'.repeat(32) },
      { shape: [14], digest: 'AB'.repeat(32) },
      { shape: '14', digest: 'ab'.repeat(32) },
      null,
      { ...DIGESTS[1], extra: { deep: [1] } },
    ]),
  );
  expect(await readDigests(dir, name)).toEqual(DIGESTS);
});

const asRoot = process.getuid?.() === 0;
if (!asRoot) console.log('verifier-cache: skipping the test of a file another user owns: making one needs root');

it.skipIf(!asRoot)('ignores a file another user owns (needs root to make one)', async () => {
  await writeDigests(dir, name, DIGESTS);
  chownSync(file, 65534, 65534);
  expect(await readDigests(dir, name)).toEqual([]);
  chownSync(file, 0, 0);
  chownSync(dir, 65534, 65534);
  expect(await readDigests(dir, name)).toEqual([]);
});
