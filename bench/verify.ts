// The WebAssembly verifier (the verifier package) in Node: the module's size
// and compile time, and verification times of a composite receipt (4
// segments of 2^14 cycles) and of a succinct one: padded to a catalogued
// segment shape (a fresh verifier's first, and after), and of its own shape
// (the first time a verifier sees it, compiling that shape's lift circuit,
// and the first time with the digests of an earlier verifier).
// `--runs N` (default 10) for the medians, `--json` for one JSON object.

import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { Verifier } from '@local-bento/verifier';
import { packageRoot } from '../core/config/paths.js';
import { nativeBinary } from '../core/engine/native.js';

const args = process.argv.slice(2);
const runsArg = args.indexOf('--runs');
const runs = runsArg >= 0 ? Number(args[runsArg + 1]) : 10;
const json = args.includes('--json');

const zkvm = nativeBinary();
const example = (name: string): string => join(packageRoot(), 'examples', `${name}.elf`);
const wasmPath = fileURLToPath(import.meta.resolve('@local-bento/verifier/bento_verify.wasm'));
const dir = mkdtempSync(join(tmpdir(), 'bento-bench-verify-'));

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function timed<T>(fn: () => T): [T, number] {
  const start = performance.now();
  const value = fn();
  return [value, performance.now() - start];
}

try {
  writeFileSync(join(dir, 'loop.input'), Buffer.from([0xb8, 0x0b, 0, 0]));
  const prove = (name: string, out: string, ...more: string[]) =>
    execa(zkvm, ['prove', example(name), '--po2', '14', '--out', join(dir, `${out}.receipt`), ...more]);
  await Promise.all([
    prove('loop', 'loop', '--input', join(dir, 'loop.input')),
    prove('fib', 'fib', '--succinct'),
    prove('fib', 'own', '--succinct', '--own-shapes'),
  ]);
  const composite = readFileSync(join(dir, 'loop.receipt'));
  const succinct = readFileSync(join(dir, 'fib.receipt'));
  const ownShape = readFileSync(join(dir, 'own.receipt'));

  const wasm = readFileSync(wasmPath);
  const compileStart = performance.now();
  const verifier = await Verifier.load(wasm);
  const compileMs = performance.now() - compileStart;
  const id = (name: string): string => {
    const reply = verifier.imageId(readFileSync(example(name)));
    if (!reply.ok) throw new Error(reply.error);
    return reply.imageId;
  };
  const [loopId, imageIdMs] = timed(() => id('loop'));
  const fibId = id('fib');
  const check = (v: Verifier, receipt: Uint8Array, imageId: string): number => {
    const [verdict, ms] = timed(() => v.verify(receipt, imageId));
    if (!verdict.ok) throw new Error(verdict.error);
    return ms;
  };
  const compositeMs = median(Array.from({ length: runs }, () => check(verifier, composite, loopId)));
  const succinctFirstMs = check(await Verifier.load(wasm), succinct, fibId);
  // A fresh verifier has compiled no lift circuit; one given the digests another computed needs none.
  const first = await Verifier.load(wasm);
  const ownFirstMs = check(first, ownShape, fibId);
  const given = await Verifier.load(wasm);
  given.rememberLiftDigests(first.liftDigests());
  const ownGivenMs = check(given, ownShape, fibId);
  check(verifier, succinct, fibId);
  const succinctMs = median(Array.from({ length: runs }, () => check(verifier, succinct, fibId)));

  const figures = {
    module_bytes: statSync(wasmPath).size,
    compile_ms: compileMs,
    image_id_ms: imageIdMs,
    composite: { bytes: composite.length, segments: 4, verify_ms: compositeMs },
    succinct: { bytes: succinct.length, fresh_verifier_ms: succinctFirstMs, verify_ms: succinctMs },
    own_shape: {
      bytes: ownShape.length,
      first_shape_verify_ms: ownFirstMs,
      fresh_verifier_given_digests_ms: ownGivenMs,
    },
  };
  if (json) process.stdout.write(`${JSON.stringify(figures)}\n`);
  else {
    const f = (ms: number): string => `${ms.toFixed(1)} ms`;
    process.stdout.write(
      [
        `module:     ${figures.module_bytes} bytes, compiled in ${f(compileMs)}`,
        `image id:   ${f(imageIdMs)} (loop.elf)`,
        `composite:  ${f(compositeMs)} (${composite.length} bytes, 4 segments; median of ${runs})`,
        `succinct:   ${f(succinctMs)} (${succinct.length} bytes, a catalogued shape; median of ${runs}), ${f(succinctFirstMs)} for a fresh verifier`,
        `own shape:  ${f(ownFirstMs)} the first time (its lift circuit compiled), ${f(ownGivenMs)} for a fresh verifier given the lift key digests (${ownShape.length} bytes)`,
      ].join('\n') + '\n',
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
