// A guest's input typed as text: hex bytes, or 32-bit words (little-endian,
// as the guest reads them). Pure, so the CLI and the renderer parse alike.

export class InputError extends Error {
  override name = 'InputError';
}

/** Hex bytes, with an optional 0x and any whitespace between bytes. */
export function hexInput(text: string): Uint8Array {
  const hex = text.trim().replace(/^0x/i, '').replace(/\s+/g, '');
  if (!/^([0-9a-fA-F]{2})*$/.test(hex)) throw new InputError(`${JSON.stringify(text)} is not hex bytes (two hex digits per byte)`);
  return Uint8Array.from(hex.match(/../g) ?? [], (b) => parseInt(b, 16));
}

/** Unsigned 32-bit words (decimal or 0x hex), each four little-endian bytes. */
export function u32Input(words: readonly string[]): Uint8Array {
  const out = new Uint8Array(4 * words.length);
  const view = new DataView(out.buffer);
  words.forEach((w, i) => {
    const n = Number(w);
    if (w.trim() === '' || !Number.isInteger(n) || n < 0 || n > 0xffff_ffff) throw new InputError(`${w} is not a 32-bit unsigned integer`);
    view.setUint32(4 * i, n, true);
  });
  return out;
}

/** Words from free text: separated by commas, spaces or new lines. */
export function splitWords(text: string): string[] {
  return text.split(/[\s,]+/).filter((w) => w !== '');
}
