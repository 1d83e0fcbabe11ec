// The watch folder: dropped guests are proved, results land beside them.

import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { execa } from 'execa';
import { expect, it } from 'vitest';
import { Engine } from '../core/engine/engine.js';
import { watchFolder } from '../core/watch/watcher.js';
import { ZKVM, example } from './helpers/guests.js';
import { tempDir } from './helpers/tmp.js';
import { until } from './helpers/until.js';

it('proves an ELF dropped with its input, and reports a bad one beside it', async () => {
  const home = tempDir();
  const folder = tempDir();
  const engine = await Engine.open({ home, slots: { prove: 1 } });
  engine.start();
  const watcher = await watchFolder(engine, folder, { po2: () => 14, receiptKind: () => 'composite', stableMs: 200 });
  try {
    await watcher.ready;
    const input = Buffer.alloc(4);
    input.writeUInt32LE(30);
    writeFileSync(join(folder, 'fib.input'), input);
    copyFileSync(example('fib'), join(folder, 'fib.elf'));
    writeFileSync(join(folder, 'broken.elf'), 'not an elf');
    await until(() => existsSync(join(folder, 'fib.receipt')) && existsSync(join(folder, 'broken.error.txt')));
    const id = (await execa(ZKVM, ['image-id', example('fib')])).stdout.trim();
    const verified = await execa(ZKVM, ['verify', join(folder, 'fib.receipt'), '--image-id', id], { reject: false });
    expect(verified.exitCode).toBe(0);
    expect(readFileSync(join(folder, 'fib.journal')).toString('hex')).toBe('28b20c00');
    expect(readFileSync(join(folder, 'broken.error.txt'), 'utf8')).toMatch(/failed: .*(ELF|magic)/i);
  } finally {
    await watcher.close();
    await engine.close();
  }
});
