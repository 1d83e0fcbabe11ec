#!/usr/bin/env node
// Runs the lint and format gates (eslint and prettier for TypeScript, rustfmt and clippy for Rust) and every
// test suite (vitest for TypeScript, including the browser tests in test/browser; cargo test for native-bin),
// and ends with one summary line over the tests: "summary: N passed, N failed, N skipped".
// Exits non-zero if any gate or suite failed.

import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const totals = { passed: 0, failed: 0, skipped: 0 };
// The names of failed tests, printed again at the end: CI keeps only the tail of a long run.
const failures = [];
let broken = false;

function firstLine(text) {
  return (text ?? '').split('\n', 1)[0].slice(0, 300);
}

function vitest() {
  const dir = mkdtempSync(join(tmpdir(), 'bento-vitest-'));
  const report = join(dir, 'report.json');
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'node_modules', 'vitest', 'vitest.mjs'),
      'run',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
    ],
    { cwd: root, stdio: 'inherit' },
  );
  try {
    const json = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += json.numPassedTests;
    totals.failed += json.numFailedTests;
    totals.skipped += json.numPendingTests + json.numTodoTests;
    if (json.numFailedTestSuites > 0 && json.numFailedTests === 0) totals.failed += json.numFailedTestSuites;
    for (const file of json.testResults) {
      const name = relative(root, file.name);
      if (file.status === 'failed' && file.assertionResults.every((t) => t.status !== 'failed')) {
        failures.push(`vitest ${name}: ${firstLine(file.message)}`);
      }
      for (const t of file.assertionResults) {
        if (t.status === 'failed') failures.push(`vitest ${name} > ${t.fullName}: ${firstLine(t.failureMessages[0])}`);
      }
    }
  } catch {
    broken = true;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (r.status !== 0) broken = true;
}

// cargo prints one "test result:" line per test binary; they are summed.
// The fault-injection crate bento-forge builds the executor in its forging
// mode, so it runs in a cargo invocation of its own (no other build links it).
function cargoTest(args) {
  const r = spawnSync('cargo', ['test', '--release', '--locked', ...args], {
    cwd: join(root, 'native-bin'),
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.error) {
    process.stderr.write(`cargo test could not run: ${r.error.message}\n`);
    broken = true;
    return;
  }
  process.stdout.write(r.stdout);
  for (const m of r.stdout.matchAll(/^test (\S+) \.\.\. FAILED$/gm)) failures.push(`cargo ${m[1]}`);
  for (const m of r.stdout.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g)) {
    totals.passed += Number(m[1]);
    totals.failed += Number(m[2]);
    totals.skipped += Number(m[3]);
  }
  if (r.status !== 0) broken = true;
}

// A gate passes or fails as a whole; a failed one makes the run fail.
const gates = [];
function gate(name, command, args, cwd) {
  const r = spawnSync(command, args, { cwd: join(root, cwd), stdio: 'inherit' });
  const ok = !r.error && r.status === 0;
  if (r.error) process.stderr.write(`${name} could not run: ${r.error.message}\n`);
  gates.push(`${name}: ${ok ? 'ok' : 'FAILED'}`);
  if (!ok) broken = true;
}

const clippy = ['clippy', '--release', '--locked', '--all-targets'];
const denyWarnings = ['--', '-D', 'warnings'];
gate(
  'eslint',
  process.execPath,
  [join(root, 'node_modules', 'eslint', 'bin', 'eslint.js'), '--max-warnings', '0', '.'],
  '.',
);
gate(
  'prettier',
  process.execPath,
  [join(root, 'node_modules', 'prettier', 'bin', 'prettier.cjs'), '--check', '.'],
  '.',
);
gate('rustfmt native-bin', 'cargo', ['fmt', '--all', '--check'], 'native-bin');
gate('rustfmt guest', 'cargo', ['fmt', '--all', '--check'], 'guest');
// bento-forge is checked on its own, like its tests: its forging feature must not unify into the default members.
gate('clippy native-bin', 'cargo', [...clippy, ...denyWarnings], 'native-bin');
gate('clippy bento-forge', 'cargo', [...clippy, '-p', 'bento-forge', ...denyWarnings], 'native-bin');
gate('clippy bento-verify-wasm', 'cargo', [...clippy, '-p', 'bento-verify-wasm', ...denyWarnings], 'native-bin');

// The Rust test binaries take minutes of both cores to compile, and vitest
// leaves part of the machine idle (its tests wait on child processes and the
// browser): they compile beside it at the lowest priority, so that vitest's
// tests lose nothing to them, and run after it. A failed build is reported by
// the cargo test runs below, which build whatever is missing.
const prebuild = spawn(
  'nice',
  [
    '-n',
    '19',
    'sh',
    '-c',
    'cargo test --release --locked --no-run && cargo test --release --locked -p bento-forge --no-run',
  ],
  { cwd: join(root, 'native-bin'), stdio: 'ignore' },
);
const prebuilt = new Promise((resolve) => {
  prebuild.once('error', resolve);
  prebuild.once('exit', resolve);
});
vitest();
await prebuilt;
cargoTest([]);
cargoTest(['-p', 'bento-forge']);
process.stdout.write(`\n${gates.join('\n')}\n`);
for (const f of failures) process.stdout.write(`failed: ${f}\n`);
process.stdout.write(`summary: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exitCode = broken || totals.failed > 0 ? 1 : 0;
