// A quick look at an ELF header, to refuse a file that cannot be a guest
// before it is uploaded or proved (the executor checks it fully). Pure, so the
// renderer runs the same check in the browser.

const EM_RISCV = 243;
const ET_EXEC = 2;

/** Why these first bytes cannot start a 32-bit RISC-V executable, or null when they can. */
export function elfHeaderProblem(head: Uint8Array, name = 'the file'): string | null {
  if (head.length < 20 || head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) {
    return `${name} is not an ELF file (it does not start with \\x7fELF)`;
  }
  const machine = (head[18] ?? 0) | ((head[19] ?? 0) << 8);
  if (head[4] !== 1) {
    return machine === EM_RISCV
      ? `${name} is a 64-bit RISC-V ELF: guests are RV32IM (build with -march=rv32im -mabi=ilp32)`
      : `${name} is a 64-bit ELF, not an RV32IM guest`;
  }
  if (head[5] !== 1) return `${name} is a big-endian ELF: RISC-V guests are little-endian`;
  if (machine !== EM_RISCV) return `${name} is an ELF for another machine (e_machine ${machine}), not RISC-V`;
  const type = (head[16] ?? 0) | ((head[17] ?? 0) << 8);
  if (type !== ET_EXEC) return `${name} is not a statically linked executable (ELF type ${type}): link the guest with -static`;
  return null;
}
