// Rust guests from the CLI, as the README's "Write a guest in Rust" walks
// through: bento new, bento build, bento prove --input-postcard, bento verify;
// and a panicking guest failing its job with the guest's message.

import { join } from 'node:path';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { Engine } from '../core/engine/engine.js';
import { postcardInput } from '../core/guest/postcard.js';
import { GUEST_TARGET } from '../core/guest/scaffold.js';
import { ROOT, ZKVM } from './helpers/guests.js';
import { rustGuestsMissing } from './helpers/rust.js';
import { tempDir } from './helpers/tmp.js';

const missing = rustGuestsMissing();
const bento = (args: string[], env: Record<string, string>) =>
  execa(process.execPath, [join(ROOT, 'bin', 'bento.js'), ...args], { env, reject: false });

describe.skipIf(missing !== undefined)('Rust guests', () => {
  it('bento new scaffolds a crate that bento build builds and bento prove proves on typed input', async () => {
    const dir = tempDir();
    const env = { BENTO_HOME: join(dir, 'home') };
    const crate = join(dir, 'my-guest');
    const created = await bento(['new', crate], env);
    expect(created.exitCode, created.stderr).toBe(0);
    expect((await bento(['new', crate], env)).stderr).toMatch(/is not empty/);

    const built = await bento(['build', crate, '--json'], env);
    expect(built.exitCode, built.stderr).toBe(0);
    const [guest] = JSON.parse(built.stdout) as { elf: string; imageId: string }[];
    expect(guest?.elf).toBe(join(crate, 'target', GUEST_TARGET, 'release', 'my-guest'));
    expect(guest?.imageId).toBe((await execa(ZKVM, ['image-id', guest?.elf as string])).stdout.trim());

    const receipt = join(dir, 'fib.receipt');
    const proved = await bento(
      [
        'prove',
        guest?.elf as string,
        '--input-postcard',
        'u32:50',
        '--po2',
        '14',
        '--receipt',
        'composite',
        '--out',
        receipt,
        '--json',
      ],
      env,
    );
    expect(proved.exitCode, proved.stderr).toBe(0);
    const done = JSON.parse(proved.stdout.trim().split('\n').pop() as string) as {
      journalHex: string;
      exitCode: number;
    };
    // The guest commits (n, fib(n)) in postcard: the same bytes as these typed tokens.
    expect(done.journalHex).toBe(Buffer.from(postcardInput(['u32:50', 'u64:12586269025'])).toString('hex'));
    const verified = await bento(['verify', receipt, '--elf', guest?.elf as string], env);
    expect(verified.exitCode, verified.stderr).toBe(0);
  }, 300_000);

  it('a guest that panics, runs out of heap or reads past its input fails its job with its message', async () => {
    const cargo = await execa('cargo', ['build', '--release', '--locked'], { cwd: join(ROOT, 'guest'), reject: false });
    expect(cargo.exitCode, cargo.stderr).toBe(0);
    const elfPath = join(ROOT, 'guest', 'target', GUEST_TARGET, 'release', 'faults');
    const engine = await Engine.open({ home: tempDir(), slots: { prove: 1 } });
    engine.start();
    try {
      const run = async (mode: number, executeOnly: boolean) => {
        const jobId = await engine.createJob({
          elfPath,
          input: Buffer.from(postcardInput([`u32:${mode}`])),
          po2: 14,
          executeOnly,
        });
        return engine.waitFor(jobId);
      };
      const panicked = await run(0, false);
      expect(panicked.phase).toBe('failed');
      expect(panicked.error).toBe(
        'the guest panicked: panicked at tests/faults/src/main.rs:27:14: the guest gave up on mode 0',
      );
      expect((await run(1, true)).error).toMatch(/^the guest panicked: .*memory allocation of 536870912 bytes failed$/);
      expect((await run(2, true)).error).toMatch(
        /^the guest panicked: .*env::read: the input ended before a whole u64$/,
      );
      expect((await run(3, true)).error).toMatch(/outside guest memory/);
      const fine = await run(7, false);
      expect([fine.phase, fine.exitCode, fine.journalHex]).toEqual(['succeeded', 0, '07']);
    } finally {
      await engine.close();
    }
  }, 300_000);
});
