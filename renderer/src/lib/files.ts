// Sorting dropped files into the guest ELF and its input, and refusing a file
// that cannot be a guest before anything is uploaded.

import { elfHeaderProblem } from '../../../core/guest/elfheader.js';

export interface Chosen {
  file: File;
  /** Its real path, where the desktop app can tell it. */
  path?: string | undefined;
}

export async function headOf(file: File): Promise<Uint8Array> {
  return new Uint8Array(await file.slice(0, 20).arrayBuffer());
}

/** Looks like it is meant as the guest: named .elf or starting with the ELF magic. */
export async function meantAsElf(file: File): Promise<boolean> {
  if (/\.elf$/i.test(file.name)) return true;
  const head = await headOf(file);
  return head[0] === 0x7f && head[1] === 0x45 && head[2] === 0x4c && head[3] === 0x46;
}

/** Why a file cannot be the guest ELF, or null. */
export async function elfProblem(file: File, maxBytes: number): Promise<string | null> {
  if (file.size === 0) return `${file.name} is empty`;
  if (file.size > maxBytes)
    return `${file.name} is too large (${file.size} bytes; the daemon accepts up to ${maxBytes})`;
  return elfHeaderProblem(await headOf(file), file.name);
}

export function inputProblem(file: File, maxBytes: number): string | null {
  return file.size > maxBytes
    ? `${file.name} is too large for an input (${file.size} bytes; the daemon accepts up to ${maxBytes})`
    : null;
}
