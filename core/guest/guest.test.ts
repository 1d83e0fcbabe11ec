import { describe, expect, it } from 'vitest';
import { tinyElf } from '../../test/helpers/guests.js';
import { elfHeaderProblem } from './elfheader.js';
import { InputError, hexInput, splitWords, u32Input } from './input.js';

describe('elf header check', () => {
  const good = tinyElf([0x0010_0073]);
  const patched = (at: number, value: number): Uint8Array => {
    const b = Uint8Array.from(good.subarray(0, 20));
    b[at] = value;
    return b;
  };

  it('accepts an RV32 executable and names what is wrong with anything else', () => {
    expect(elfHeaderProblem(good.subarray(0, 20))).toBeNull();
    expect(elfHeaderProblem(new TextEncoder().encode('#!/bin/sh\necho hi\n'), 'x.sh')).toBe('x.sh is not an ELF file (it does not start with \\x7fELF)');
    expect(elfHeaderProblem(good.subarray(0, 10))).toMatch(/not an ELF file/);
    expect(elfHeaderProblem(patched(4, 2), 'g')).toBe('g is a 64-bit RISC-V ELF: guests are RV32IM (build with -march=rv32im -mabi=ilp32)');
    expect(elfHeaderProblem(patched(5, 2), 'g')).toMatch(/big-endian/);
    expect(elfHeaderProblem(patched(18, 62), 'g')).toBe('g is an ELF for another machine (e_machine 62), not RISC-V');
    expect(elfHeaderProblem(patched(16, 3), 'g')).toMatch(/not a statically linked executable \(ELF type 3\)/);
  });
});

describe('typed input', () => {
  it('reads hex with 0x and spaces, and refuses odd or foreign digits', () => {
    expect([...hexInput('0xDE ad be\nef')]).toEqual([0xde, 0xad, 0xbe, 0xef]);
    expect([...hexInput('')]).toEqual([]);
    expect(() => hexInput('abc')).toThrow(InputError);
    expect(() => hexInput('zz')).toThrow('"zz" is not hex bytes');
  });

  it('writes 32-bit words little-endian and refuses what is not one', () => {
    expect([...u32Input(splitWords('30, 0x01020304\n4294967295'))]).toEqual([30, 0, 0, 0, 4, 3, 2, 1, 255, 255, 255, 255]);
    expect(() => u32Input(['4294967296'])).toThrow('4294967296 is not a 32-bit unsigned integer');
    expect(() => u32Input(['-1'])).toThrow(InputError);
    expect(() => u32Input(['1.5'])).toThrow(InputError);
    expect(splitWords('  ')).toEqual([]);
  });
});
