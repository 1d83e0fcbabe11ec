#!/usr/bin/env node
// Runs every test suite (vitest for TypeScript, including the browser tests
// in test/browser; cargo test for native-bin) and ends with one summary line over all of them:
// "summary: N passed, N failed, N skipped". Exits non-zero if any suite failed.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const totals = { passed: 0, failed: 0, skipped: 0 };
let broken = false;

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
  for (const m of r.stdout.matchAll(/test result: \w+\. (\d+) passed; (\d+) failed; (\d+) ignored/g)) {
    totals.passed += Number(m[1]);
    totals.failed += Number(m[2]);
    totals.skipped += Number(m[3]);
  }
  if (r.status !== 0) broken = true;
}

vitest();
cargoTest([]);
cargoTest(['-p', 'bento-forge']);
process.stdout.write(`\nsummary: ${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped\n`);
process.exitCode = broken || totals.failed > 0 ? 1 : 0;
