#!/usr/bin/env node
// Builds the native prover, bento-zkvm, with cargo (run by `npm install`).

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const cargo = process.env.CARGO ?? 'cargo';

const probe = spawnSync(cargo, ['--version'], { encoding: 'utf8' });
if (probe.error || probe.status !== 0) {
  process.stderr.write(
    'error: the Rust toolchain (cargo) was not found, and Local Bento needs it to build its prover, bento-zkvm.\n' +
      'Install Rust from https://rustup.rs (or your package manager), then run `npm install` again.\n',
  );
  process.exit(1);
}

const build = spawnSync(cargo, ['build', '--release', '--locked'], { cwd: join(root, 'native-bin'), stdio: 'inherit' });
process.exit(build.status ?? 1);
