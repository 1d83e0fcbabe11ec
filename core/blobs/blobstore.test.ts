import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, utimesSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/tmp.js';
import { BlobError, BlobStore, checkId } from './blobstore.js';
import { memo } from './memo.js';
import { LocalTaskFiles } from './taskfiles.js';
import { markTerminal, markerName, sweepWorkDirs } from './retention.js';

async function store(): Promise<BlobStore> {
  const s = new BlobStore(tempDir());
  await s.init();
  return s;
}

describe('BlobStore', () => {
  it('creates the folder layout', async () => {
    const s = await store();
    expect(readdirSync(s.root).sort()).toEqual(['elfs', 'inputs', 'journals', 'logs', 'receipts', 'terminals', 'work']);
  });

  it('writes atomically and answers "exists" distinctly from an error', async () => {
    const s = await store();
    const first = await s.put('inputs', 'in1', 'hello', { ifAbsent: true });
    expect(first.status).toBe('created');
    expect(first.sha256).toBe(createHash('sha256').update('hello').digest('hex'));
    const again = await s.put('inputs', 'in1', 'other', { ifAbsent: true });
    expect(again.status).toBe('exists');
    expect((await s.get('inputs', 'in1')).toString()).toBe('hello');
    // No temp files are left behind.
    expect(readdirSync(join(s.root, 'inputs'))).toEqual(['in1']);
    await s.put('inputs', 'in1', 'replaced');
    expect((await s.get('inputs', 'in1')).toString()).toBe('replaced');
  });

  it('stores content under its SHA-256', async () => {
    const s = await store();
    const a = await s.putContentAddressed('elfs', Buffer.from([1, 2, 3]));
    const b = await s.putContentAddressed('elfs', Buffer.from([1, 2, 3]));
    expect(a.status).toBe('created');
    expect(b.status).toBe('exists');
    expect(await s.list('elfs')).toEqual([a.sha256]);
  });

  it('checks content against its declared digest before it becomes visible', async () => {
    const s = await store();
    await expect(s.put('elfs', 'x', 'data', { expectSha256: '00'.repeat(32) })).rejects.toMatchObject({
      code: 'digest_mismatch',
    });
    expect(await s.exists('elfs', 'x')).toBe(false);
    expect(readdirSync(join(s.root, 'elfs'))).toEqual([]);
  });

  it('streams large content in and out and enforces a size limit', async () => {
    const s = await store();
    const chunk = Buffer.alloc(1 << 20, 7);
    async function* source() {
      for (let i = 0; i < 8; i++) yield chunk;
    }
    const r = await s.put('receipts', 'big', source());
    expect(r.bytes).toBe(8 << 20);
    let total = 0;
    for await (const c of await s.read('receipts', 'big')) total += (c as Buffer).length;
    expect(total).toBe(8 << 20);
    await expect(s.put('inputs', 'huge', Readable.from([chunk, chunk]), { maxBytes: 1 << 20 })).rejects.toMatchObject({
      code: 'too_large',
    });
    expect(await s.exists('inputs', 'huge')).toBe(false);
  });

  it('refuses ids that could escape their folder', async () => {
    const s = await store();
    for (const bad of ['../x', 'a/b', '.hidden', '', 'a\0b', '..', 'x'.repeat(300), 'a..b/..']) {
      expect(() => checkId(bad)).toThrow(BlobError);
      await expect(s.put('inputs', bad, 'x')).rejects.toMatchObject({ code: 'invalid_id' });
    }
    expect(() => s.workDir('../../etc')).toThrow(/invalid job id/);
  });

  it('reports missing blobs as not_found', async () => {
    const s = await store();
    await expect(s.get('journals', 'nope')).rejects.toMatchObject({ code: 'not_found' });
    await expect(s.read('journals', 'nope')).rejects.toMatchObject({ code: 'not_found' });
    expect(await s.delete('journals', 'nope')).toBe(false);
  });
});

describe('memo', () => {
  it('lets a task delivered twice find its earlier output', async () => {
    const s = new LocalTaskFiles(await store());
    const m = memo(s, 'job1', 'prove-3');
    expect(await m.get('receipt')).toBeUndefined();
    await m.put('receipt', 'R');
    expect((await memo(s, 'job1', 'prove-3').get('receipt'))?.toString()).toBe('R');
    expect(await memo(s, 'job1', 'prove-4').get('receipt')).toBeUndefined();
    expect(m.path('../../../etc/passwd')).toMatch(/^memo\/[0-9a-f]{2}\/[0-9a-f]{62}$/);
  });
});

describe('retention', () => {
  it('sweeps work dirs of jobs ended before the window, stopping at the first younger marker', async () => {
    const s = await store();
    const now = 1_000_000_000_000;
    for (const [job, endedAgo] of [
      ['old1', 5000],
      ['old2', 4000],
      ['young', 100],
    ] as const) {
      await mkdir(s.workDir(job), { recursive: true });
      await writeFile(join(s.workDir(job), 'seg'), 'x');
      await markTerminal(s.root, job, now - endedAgo);
    }
    await mkdir(s.workDir('live'), { recursive: true });
    expect(markerName(now, 'old1')).toBe('00000001000000000000_old1');
    expect(await sweepWorkDirs(s.root, 1000, now)).toEqual(['old1', 'old2']);
    expect(existsSync(s.workDir('old1'))).toBe(false);
    expect(existsSync(s.workDir('young'))).toBe(true);
    expect(existsSync(s.workDir('live'))).toBe(true);
    expect(readdirSync(join(s.root, 'terminals'))).toEqual([markerName(now - 100, 'young')]);
    expect(readFileSync(join(s.root, 'terminals', markerName(now - 100, 'young'))).length).toBe(0);
    expect(await sweepWorkDirs(s.root, 1000, now)).toEqual([]);
    // mtime plays no part: only the name's time counts.
    utimesSync(join(s.root, 'terminals', markerName(now - 100, 'young')), 0, 0);
    expect(await sweepWorkDirs(s.root, 1000, now)).toEqual([]);
  });
});
