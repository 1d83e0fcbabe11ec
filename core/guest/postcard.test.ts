import { describe, expect, it } from 'vitest';
import { InputError } from './input.js';
import { postcardInput, postcardText } from './postcard.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('postcard typed input', () => {
  it('encodes integers as postcard does: u8/i8 raw, wider ones as varints, signed ones zigzagged', () => {
    expect(hex(postcardInput(['u8:255', 'u32:300', 'u16:0', 'u64:0xffffffffffffffff']))).toBe('ffac0200ffffffffffffffffff01');
    expect(hex(postcardInput(['i8:-1', 'i32:-1', 'i32:1', 'i64:-2', 'i128:63']))).toBe('ff0102037e');
  });

  it('encodes strings and byte vectors with a length, arrays without, and options and enums by tag', () => {
    expect(hex(postcardInput(['str:hi', 'bytes:0a0b', 'raw:0a0b', 'bool:true', 'none', 'some', 'u8:7', 'variant:2', 'len:3']))).toBe('026869020a0b0a0b0100010702' + '03');
    expect(hex(postcardText('u32:1, str:x\nbool:false'))).toBe('01017800');
  });

  it('refuses what it cannot encode, naming the token', () => {
    expect(() => postcardInput(['u8:256'])).toThrow('256 does not fit a u8');
    expect(() => postcardInput(['i8:-129'])).toThrow(InputError);
    expect(() => postcardInput(['u32:-1'])).toThrow('does not fit a u32');
    expect(() => postcardInput(['u32:1.5'])).toThrow('"1.5" is not an integer');
    expect(() => postcardInput(['f32:1'])).toThrow('unknown type "f32"');
    expect(() => postcardInput(['30'])).toThrow('is not type:value');
    expect(() => postcardInput(['bool:yes'])).toThrow('a bool is true or false');
    expect(() => postcardInput(['bytes:abc'])).toThrow('not hex bytes');
  });
});
