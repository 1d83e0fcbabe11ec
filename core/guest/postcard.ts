// Typed guest input without a schema: a list of "type:value" tokens, each
// encoded as postcard 1.x encodes that Rust type, concatenated (postcard
// encodes a struct or tuple as its fields in order). So
// `u32:30 str:hello` is what `env::read::<(u32, String)>()` reads.
// Pure, so the CLI and the renderer encode alike.

import { InputError, hexInput, splitWords } from './input.js';

const UNSIGNED_BITS = { u8: 8, u16: 16, u32: 32, u64: 64, u128: 128, usize: 32 } as const;
const SIGNED_BITS = { i8: 8, i16: 16, i32: 32, i64: 64, i128: 128, isize: 32 } as const;

/** The forms a token may take, for help texts. */
export const POSTCARD_TOKENS =
  'u8|u16|u32|u64|u128|usize|i8…i128|isize:N, bool:true|false, str:TEXT (no spaces), bytes:HEX (a Vec<u8>), raw:HEX (an array: no length), len:N (a sequence length), some, none, variant:N';

/** LEB128, as postcard writes integers wider than a byte (and lengths). */
function varint(n: bigint): number[] {
  const out: number[] = [];
  do {
    let byte = Number(n & 0x7fn);
    n >>= 7n;
    if (n > 0n) byte |= 0x80;
    out.push(byte);
  } while (n > 0n);
  return out;
}

function integer(text: string, min: bigint, max: bigint, what: string): bigint {
  let n: bigint;
  try {
    if (!/^-?(0x[0-9a-f]+|\d+)$/i.test(text)) throw new Error();
    n = text.startsWith('-') ? -BigInt(text.slice(1)) : BigInt(text);
  } catch {
    throw new InputError(`${JSON.stringify(text)} is not an integer`);
  }
  if (n < min || n > max) throw new InputError(`${text} does not fit a ${what}`);
  return n;
}

function token(tok: string): number[] {
  const colon = tok.indexOf(':');
  const type = colon < 0 ? tok : tok.slice(0, colon);
  const value = colon < 0 ? '' : tok.slice(colon + 1);
  if (type === 'some') return [1];
  if (type === 'none') return [0];
  if (colon < 0) throw new InputError(`${JSON.stringify(tok)} is not type:value (types: ${POSTCARD_TOKENS})`);
  if (type in UNSIGNED_BITS) {
    const bits = BigInt(UNSIGNED_BITS[type as keyof typeof UNSIGNED_BITS]);
    const n = integer(value, 0n, (1n << bits) - 1n, type);
    return bits === 8n ? [Number(n)] : varint(n);
  }
  if (type in SIGNED_BITS) {
    const bits = BigInt(SIGNED_BITS[type as keyof typeof SIGNED_BITS]);
    const n = integer(value, -(1n << (bits - 1n)), (1n << (bits - 1n)) - 1n, type);
    if (bits === 8n) return [Number(BigInt.asUintN(8, n))];
    return varint(n >= 0n ? n << 1n : (-n << 1n) - 1n); // zigzag
  }
  switch (type) {
    case 'bool':
      if (value !== 'true' && value !== 'false') throw new InputError(`bool:${value}: a bool is true or false`);
      return [value === 'true' ? 1 : 0];
    case 'str': {
      const utf8 = new TextEncoder().encode(value);
      return [...varint(BigInt(utf8.length)), ...utf8];
    }
    case 'bytes': {
      const raw = hexInput(value);
      return [...varint(BigInt(raw.length)), ...raw];
    }
    case 'raw':
      return [...hexInput(value)];
    case 'len':
    case 'variant':
      return varint(integer(value, 0n, 0xffff_ffffn, type));
    default:
      throw new InputError(`unknown type ${JSON.stringify(type)} (types: ${POSTCARD_TOKENS})`);
  }
}

/** The tokens' postcard bytes, concatenated. */
export function postcardInput(tokens: readonly string[]): Uint8Array {
  return Uint8Array.from(tokens.flatMap(token));
}

/** Tokens from free text (separated by spaces, commas or new lines). */
export function postcardText(text: string): Uint8Array {
  return postcardInput(splitWords(text));
}
