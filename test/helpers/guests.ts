// Tiny guest programs for the engine's tests, and paths to the examples.

import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');
export const example = (name: string): string => join(ROOT, 'examples', `${name}.elf`);
export const ZKVM = join(ROOT, 'native-bin', 'target', 'release', 'bento-zkvm');

export const EBREAK = 0x0010_0073;
/** `j .`: loops forever. */
export const SPIN = 0x0000_006f;

/** A statically linked RV32 executable whose code is `words`, loaded at 0x10000. */
export function tinyElf(words: readonly number[]): Buffer {
  const vaddr = 0x1_0000;
  const offset = 0x1000;
  const code = Buffer.alloc(4 * words.length);
  words.forEach((w, i) => code.writeUInt32LE(w >>> 0, 4 * i));
  const head = Buffer.alloc(offset);
  head.write('\x7fELF', 0, 'latin1');
  head[4] = 1; // 32-bit
  head[5] = 1; // little-endian
  head[6] = 1;
  head.writeUInt16LE(2, 16); // ET_EXEC
  head.writeUInt16LE(243, 18); // RISC-V
  head.writeUInt32LE(1, 20);
  head.writeUInt32LE(vaddr, 24); // entry
  head.writeUInt32LE(52, 28); // program headers
  head.writeUInt16LE(52, 40);
  head.writeUInt16LE(32, 42);
  head.writeUInt16LE(1, 44);
  head.writeUInt16LE(40, 46);
  const ph = 52;
  head.writeUInt32LE(1, ph); // PT_LOAD
  head.writeUInt32LE(offset, ph + 4);
  head.writeUInt32LE(vaddr, ph + 8);
  head.writeUInt32LE(vaddr, ph + 12);
  head.writeUInt32LE(code.length, ph + 16);
  head.writeUInt32LE(0x1000, ph + 20);
  head.writeUInt32LE(7, ph + 24);
  head.writeUInt32LE(0x1000, ph + 28);
  return Buffer.concat([head, code]);
}
