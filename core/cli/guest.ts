// `bento new` (a Rust guest crate) and `bento build` (cargo build, then the
// ELF's path and image ID).

import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { execa } from 'execa';
import { packageRoot } from '../config/paths.js';
import { EngineError } from '../engine/engine.js';
import { imageIdOf } from '../engine/native.js';
import { InputError } from '../guest/input.js';
import { GUEST_TARGET, crateName, guestFiles } from '../guest/scaffold.js';
import { printJson } from './output.js';

async function scaffold(dir: string, opts: { name?: string }): Promise<void> {
  const root = resolve(dir);
  const existing = await readdir(root).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return [];
    throw new EngineError(`cannot use ${dir}: ${err.code ?? err.message}`);
  });
  if (existing.length > 0) throw new EngineError(`${dir} is not empty`);
  let crate: string;
  try {
    crate = crateName(opts.name ?? basename(root));
  } catch (err) {
    throw err instanceof InputError ? new EngineError(err.message) : err;
  }
  for (const [path, text] of Object.entries(guestFiles(crate, join(packageRoot(), 'guest', 'sdk')))) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  process.stdout.write(`created guest crate ${crate} in ${dir}\nnext: cd ${dir} && bento build\n`);
}

interface Metadata {
  target_directory: string;
  packages: { name: string; targets: { name: string; kind: string[] }[] }[];
}

/** The guest binaries a crate (or workspace) builds, from cargo metadata. */
async function guestElfs(dir: string): Promise<string[]> {
  const out = await execa('cargo', ['metadata', '--no-deps', '--format-version', '1'], { cwd: dir, reject: false });
  if (out.exitCode !== 0)
    throw new EngineError(`cargo metadata failed in ${dir}: ${out.stderr.trim().split('\n').pop() ?? ''}`);
  const meta = JSON.parse(out.stdout) as Metadata;
  const bins = meta.packages.flatMap((p) => p.targets.filter((t) => t.kind.includes('bin')).map((t) => t.name));
  return bins.map((bin) => join(meta.target_directory, GUEST_TARGET, 'release', bin));
}

async function build(dir: string, opts: { json?: boolean }): Promise<void> {
  // cargo's progress and errors go to stderr as they come.
  const cargo = await execa('cargo', ['build', '--release'], {
    cwd: dir,
    reject: false,
    stdout: 'inherit',
    stderr: 'inherit',
  });
  if (cargo.failed) {
    throw new EngineError(
      cargo.exitCode === undefined
        ? `cannot run cargo: ${cargo.shortMessage}`
        : `cargo build failed in ${dir} (a missing target is installed with: rustup target add ${GUEST_TARGET})`,
    );
  }
  const guests = await Promise.all((await guestElfs(dir)).map(async (elf) => ({ elf, imageId: await imageIdOf(elf) })));
  if (opts.json) return printJson(guests);
  for (const g of guests) process.stdout.write(`elf:      ${g.elf}\nimage id: ${g.imageId}\n`);
}

export function registerGuest(program: Command): void {
  program
    .command('new')
    .description('create a Rust guest crate (uses the bento-guest SDK of this Local Bento)')
    .argument('<dir>', 'the new crate folder (absent or empty)')
    .option('--name <crate>', 'the crate name (default: from the folder name)')
    .action(scaffold);
  program
    .command('build')
    .description('build a Rust guest (cargo build --release) and print each ELF and its image ID')
    .argument('[dir]', 'the guest crate', '.')
    .option('--json', 'print [{ elf, imageId }] as JSON')
    .action(build);
}
