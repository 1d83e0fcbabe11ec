#!/usr/bin/env node
// Builds the WebAssembly verifier (native-bin/crates/verify-wasm) into the
// npm package verifier/ as bento_verify.wasm (run by `npm install`).

import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..');
const cargo = process.env.CARGO ?? 'cargo';
const target = 'wasm32-unknown-unknown';

// The target's standard library comes from rustup: added here when missing.
const sysroot = spawnSync('rustc', ['--print', 'sysroot'], { encoding: 'utf8' }).stdout?.trim();
if (sysroot && !existsSync(join(sysroot, 'lib', 'rustlib', target))) {
  process.stdout.write(`adding the Rust target ${target} (rustup target add ${target})\n`);
  spawnSync('rustup', ['target', 'add', target], { stdio: 'inherit' });
}

const args = ['build', '--locked', '--profile', 'wasm', '--target', target, '-p', 'bento-verify-wasm'];
const build = spawnSync(cargo, args, { cwd: join(root, 'native-bin'), stdio: 'inherit' });
if (build.status !== 0) {
  process.stderr.write(
    `error: the WebAssembly verifier did not build. If the Rust target is missing, add it with \`rustup target add ${target}\`, then run \`npm install\` again.\n`,
  );
  process.exit(build.status ?? 1);
}
const built = join(root, 'native-bin', 'target', target, 'wasm', 'bento_verify_wasm.wasm');
const dest = join(root, 'verifier', 'bento_verify.wasm');
copyFileSync(built, dest);
process.stdout.write(`verifier/bento_verify.wasm: ${statSync(dest).size} bytes\n`);
