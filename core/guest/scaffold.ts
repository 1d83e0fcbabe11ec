// The files of a new Rust guest crate (`bento new`): it depends on the guest
// SDK at `sdkPath` (guest/sdk of this Local Bento checkout) and builds as is
// with `cargo build --release`.

import { InputError } from './input.js';

export const GUEST_TARGET = 'riscv32im-unknown-none-elf';

/** A Cargo package name from a folder name, or an InputError saying why not. */
export function crateName(name: string): string {
  const crate = name.toLowerCase().replace(/[^a-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '');
  if (!/^[a-z][a-z0-9_-]*$/.test(crate)) throw new InputError(`${JSON.stringify(name)} cannot be a crate name (give --name)`);
  return crate;
}

const toml = (s: string): string => JSON.stringify(s); // a TOML basic string escapes as JSON does

export function guestFiles(crate: string, sdkPath: string): Record<string, string> {
  return {
    'Cargo.toml': `[package]
name = ${toml(crate)}
version = "0.1.0"
edition = "2021"

[dependencies]
bento-guest = { path = ${toml(sdkPath)} }

# Every instruction is a cycle to prove: optimise fully. The SDK's panic
# handler reports a panic and exits, so no unwinding.
[profile.release]
opt-level = 3
lto = true
codegen-units = 1
panic = "abort"

[profile.dev]
panic = "abort"

# A workspace of its own, wherever the folder lies.
[workspace]
`,
    '.cargo/config.toml': `# A Local Bento guest is an RV32IM program: build for that target and link
# with the SDK's linker script (bento-guest puts it on the link path).
[build]
target = "${GUEST_TARGET}"

[target.${GUEST_TARGET}]
rustflags = ["-C", "link-arg=-Tbento-guest.ld"]
`,
    '.gitignore': 'target/\n',
    'src/main.rs': `//! A Local Bento guest. Input (postcard): a u32 n. Journal (postcard): (n, fib(n) mod 2^64).

#![no_std]
#![no_main]

use bento_guest::env;

bento_guest::entry!(main);

fn main() {
    let n: u32 = env::read();
    let (mut a, mut b) = (0u64, 1u64);
    for _ in 0..n {
        (a, b) = (b, a.wrapping_add(b));
    }
    env::log("computed fib(n)");
    env::commit(&(n, a));
}
`,
    'README.md': `# ${crate}

A guest program for Local Bento, written in Rust with the \`bento-guest\` SDK.

\`\`\`sh
bento build                                   # cargo build --release; prints the ELF and its image ID
bento prove target/${GUEST_TARGET}/release/${crate} --input-postcard u32:50 --out ${crate}.receipt
bento verify ${crate}.receipt --elf target/${GUEST_TARGET}/release/${crate}
\`\`\`

\`env::read::<T>()\` reads the next value of the input and \`env::commit(&T)\`
appends one to the journal, both in postcard 1.x. The journal of this guest is
\`(u32, u64)\`: \`bento prove\` prints it as hex (\`32\` then the varint of
fib(50)); a Rust host decodes it with \`bento_host\`:
\`receipt.journal.decode::<(u32, u64)>()\`.

Guest output (\`env::log\`, \`bento_guest::println!\`) is shown, not proven.
A panic ends the guest with exit code 101 and its message; the job fails with
that message.
`,
  };
}
