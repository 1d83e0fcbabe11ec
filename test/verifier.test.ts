// The WebAssembly verifier (the verifier package) against the native one
// (`bento-zkvm verify`): the same verdict on valid receipts of both kinds,
// with the same claim, and on a corpus of broken ones (byte flips, another
// image, truncation, files that are not receipts); and the Node example,
// which verifies a receipt with no daemon running, and keeps the lift key
// digests it computed for the next run. A succinct receipt is proved twice:
// padded to a catalogued segment shape (whose lift key the verifier holds) and
// with its own shape (whose lift circuit it compiles).

import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LiftDigest, type Verdict, Verifier, imageId, verifier, verify } from '@local-bento/verifier';
import { ROOT, ZKVM, example } from './helpers/guests.js';

// This process's verifier computes every digest; the example's runs keep theirs in a folder of the test's.
process.env.BENTO_VERIFIER_CACHE = 'off';

interface Native {
  ok: boolean;
  receipt?: Record<string, unknown>;
  error?: string;
}

let dir: string;
const LOOP_INPUT = Buffer.from([0xb8, 0x0b, 0, 0]); // 3000 iterations: 4 segments of 2^14

async function prove(elf: string, out: string, ...options: string[]): Promise<void> {
  await execa(ZKVM, ['prove', elf, '--po2', '14', '--out', out, ...options]);
}

async function native(receipt: Uint8Array, id: string): Promise<Native> {
  const path = join(dir, 'case.receipt');
  writeFileSync(path, receipt);
  const r = await execa(ZKVM, ['verify', path, '--image-id', id, '--json'], { reject: false });
  const last = JSON.parse(r.stdout.trim().split('\n').at(-1) ?? '{}') as {
    type: string;
    receipt?: Record<string, unknown>;
    error?: string;
  };
  expect(last.type === 'done').toBe(r.exitCode === 0);
  return last.type === 'done'
    ? { ok: true, receipt: last.receipt }
    : { ok: false, error: (last.error ?? '').replace(`${path}: `, '') };
}

/** The WebAssembly verdict in the words of `bento-zkvm verify --json`. */
function asNative(v: Verdict): Native {
  if (!v.ok) return { ok: false, error: v.error };
  return {
    ok: true,
    receipt: {
      format: v.format,
      kind: v.kind,
      config: v.config,
      image_id: v.imageId,
      exit_code: v.exitCode,
      journal_hex: Buffer.from(v.journal).toString('hex'),
      journal_text: v.journalText,
      segments: v.segments,
      cycles: v.cycles,
      po2: v.po2,
      seal_bytes: v.sealBytes,
      bytes: v.bytes,
    },
  };
}

/** Both verifiers' verdicts on one receipt (`name` says which), which must agree. */
async function agree(receipt: Uint8Array, id: string, name: string): Promise<Native> {
  const [wasm, cli] = await Promise.all([verify(receipt, id), native(receipt, id)]);
  expect(asNative(wasm), name).toEqual(cli);
  return cli;
}

/** The receipt with one byte's bits flipped. */
function flipped(receipt: Uint8Array, at: number): Uint8Array {
  const copy = Uint8Array.from(receipt);
  copy[at] = (copy[at] ?? 0) ^ 0xff;
  return copy;
}

describe('the WebAssembly verifier', () => {
  let composite: Uint8Array;
  let succinct: Uint8Array;
  let ownShape: Uint8Array;
  let loopId: string;
  let fibId: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'bento-verifier-'));
    writeFileSync(join(dir, 'loop.input'), LOOP_INPUT);
    await Promise.all([
      prove(example('loop'), join(dir, 'loop.receipt'), '--input', join(dir, 'loop.input')),
      prove(example('fib'), join(dir, 'fib.receipt'), '--succinct'),
      prove(example('fib'), join(dir, 'fib-own.receipt'), '--succinct', '--own-shapes'),
    ]);
    composite = readFileSync(join(dir, 'loop.receipt'));
    succinct = readFileSync(join(dir, 'fib.receipt'));
    ownShape = readFileSync(join(dir, 'fib-own.receipt'));
    loopId = (await execa(ZKVM, ['image-id', example('loop')])).stdout.trim();
    fibId = (await execa(ZKVM, ['image-id', example('fib')])).stdout.trim();
  });

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('computes the image ID of a guest ELF as bento-zkvm does, and refuses a file that is not one', async () => {
    expect(await imageId(readFileSync(example('loop')))).toBe(loopId);
    await expect(imageId(new TextEncoder().encode('not an elf'))).rejects.toThrow(/not a guest program/);
  });

  it('accepts a valid composite receipt with the claim bento-zkvm reads from it', async () => {
    const v = await agree(composite, loopId, 'composite');
    expect(v.receipt).toMatchObject({ kind: 'composite', segments: 4, cycles: 57083, journal_hex: 'bfae39ab' });
  });

  it('accepts a valid succinct receipt with the claim bento-zkvm reads from it, compiling no lift circuit for a catalogued shape', async () => {
    const v = await agree(succinct, fibId, 'succinct');
    expect(v.receipt).toMatchObject({ kind: 'succinct', segments: 1, exit_code: 101 });
    expect((await verifier()).liftDigests()).toEqual([]);
    const own = await agree(ownShape, fibId, 'succinct of its own shape');
    expect(own.receipt).toMatchObject({ kind: 'succinct', segments: 1, exit_code: 101 });
    expect(own.receipt?.journal_hex).toBe(v.receipt?.journal_hex);
  });

  it('gives out the lift key digests it computed, which a new verifier of the module takes instead of compiling', async () => {
    const known = (await verifier()).liftDigests();
    expect(known).toHaveLength(1); // fib's one segment
    expect(known[0]?.shape).toHaveLength(11);
    const wasm = readFileSync(join(ROOT, 'verifier', 'bento_verify.wasm'));
    const given = await Verifier.load(wasm);
    given.rememberLiftDigests(known);
    expect(given.verify(ownShape, fibId)).toMatchObject({ ok: true, kind: 'succinct' });
    expect(given.liftDigests()).toEqual(known);
    // A digest given is believed: a wrong one makes the valid receipt fail, so it was used and nothing compiled.
    const misled = await Verifier.load(wasm);
    misled.rememberLiftDigests([{ shape: known[0]?.shape ?? [], digest: '00'.repeat(32) }]);
    expect(misled.verify(ownShape, fibId)).toEqual({
      ok: false,
      error: 'invalid receipt: the control tree of the listed shapes is not the one the proof checked',
    });
    expect(() => given.rememberLiftDigests([{ shape: 'x' as never, digest: '' }])).toThrow(
      /^not a list of lift key digests: a shape: /,
    );
  });

  it('refuses, as the native verifier does, receipts for another image, truncated, flipped or not receipts', async () => {
    const cases: [string, Uint8Array, string][] = [
      ['composite for another image', composite, fibId],
      ['succinct for another image', succinct, loopId],
      ['empty', new Uint8Array(0), loopId],
      ['magic only', composite.subarray(0, 8), loopId],
      ['composite cut in half', composite.subarray(0, composite.length >> 1), loopId],
      ['composite less its last byte', composite.subarray(0, composite.length - 1), loopId],
      ['succinct less its last byte', succinct.subarray(0, succinct.length - 1), fibId],
      ['an ELF', readFileSync(example('fib')), fibId],
      ['a JSON summary', readFileSync(join(dir, 'fib.receipt.json')), fibId],
      ['composite with a byte appended', Buffer.concat([composite, Buffer.from([0])]), loopId],
    ];
    // Flips spread over each receipt, seal and header alike.
    for (const [name, receipt, id] of [
      ['composite', composite, loopId],
      ['succinct', succinct, fibId],
    ] as const) {
      for (let k = 0; k < 12; k++) {
        const at = k === 0 ? 9 : Math.floor((receipt.length * k) / 12) + 17;
        cases.push([`${name} flipped at byte ${at}`, flipped(receipt, at), id]);
      }
    }
    for (const [name, receipt, id] of cases) {
      const v = await agree(receipt, id, name);
      expect(v.ok, name).toBe(false);
    }
  });

  it('refuses an image ID that is not one', async () => {
    const v = await verify(composite, 'xyz');
    expect(v).toEqual({ ok: false, error: 'the image ID is not 64 hex digits' });
  });

  it('runs the Node example: a receipt verified with no daemon', async () => {
    const r = await execa(
      process.execPath,
      [join(ROOT, 'examples', 'verify-receipt.mjs'), join(dir, 'loop.receipt'), example('loop')],
      { reject: false },
    );
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toContain('valid composite receipt');
    expect(r.stdout).toMatch(/^journal: +bfae39ab$/m);
    const bad = await execa(
      process.execPath,
      [join(ROOT, 'examples', 'verify-receipt.mjs'), join(dir, 'loop.receipt'), example('fib')],
      { reject: false },
    );
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toContain('invalid receipt: the receipt is for image');
  });

  it('verifies a receipt of catalogued shapes in the Node example with no digest to compute or keep', async () => {
    const cache = join(dir, 'cache-catalogued');
    const run = await execa(
      process.execPath,
      [join(ROOT, 'examples', 'verify-receipt.mjs'), join(dir, 'fib.receipt'), fibId],
      { reject: false, env: { BENTO_VERIFIER_CACHE: cache } },
    );
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('valid succinct receipt');
    expect(existsSync(cache)).toBe(false);
  });

  it('keeps the lift key digests the Node example computed, privately, and the next run uses them', async () => {
    const cache = join(dir, 'cache');
    const run = () =>
      execa(process.execPath, [join(ROOT, 'examples', 'verify-receipt.mjs'), join(dir, 'fib-own.receipt'), fibId], {
        reject: false,
        env: { BENTO_VERIFIER_CACHE: cache },
      });
    const first = await run();
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('valid succinct receipt');
    const [file, ...others] = readdirSync(cache);
    expect(others).toEqual([]);
    const path = join(cache, file as string);
    expect(statSync(cache).mode & 0o777).toBe(0o700);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const kept = JSON.parse(readFileSync(path, 'utf8')) as LiftDigest[];
    expect(kept.map((d) => d.shape.length)).toEqual([11]);
    const given = await Verifier.load(readFileSync(join(ROOT, 'verifier', 'bento_verify.wasm')));
    given.rememberLiftDigests(kept);
    expect(given.verify(ownShape, fibId)).toMatchObject({ ok: true, kind: 'succinct' });
    // A kept digest is trusted as if computed: a wrong one makes the next run refuse the receipt.
    writeFileSync(path, JSON.stringify(kept.map((d) => ({ ...d, digest: '00'.repeat(32) }))));
    const misled = await run();
    expect(misled.exitCode).toBe(1);
    expect(misled.stderr).toContain('the control tree of the listed shapes is not the one the proof checked');
    // Digests the module refuses (words that are not field elements) are computed again and replaced.
    writeFileSync(path, JSON.stringify(kept.map((d) => ({ ...d, digest: 'ff'.repeat(32) }))));
    const recovered = await run();
    expect(recovered.stderr).toBe('');
    expect(recovered.stdout).toContain('valid succinct receipt');
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(kept);
  });
});
