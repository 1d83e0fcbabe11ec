// Whether Rust guests can be built here: cargo and the riscv32im target.
// Under CI (.ci/run installs both) their absence is a failure, not a skip.

import { existsSync } from 'node:fs';
import { execaSync } from 'execa';
import { GUEST_TARGET } from '../../core/guest/scaffold.js';

/** Why Rust guests cannot be built here, or undefined when they can. */
export function rustGuestsMissing(): string | undefined {
  const libdir = execaSync('rustc', ['--print', 'target-libdir', '--target', GUEST_TARGET], { reject: false });
  const missing =
    libdir.exitCode !== 0
      ? 'rustc is not installed'
      : existsSync(libdir.stdout.trim())
        ? undefined
        : `the Rust target ${GUEST_TARGET} is not installed (rustup target add ${GUEST_TARGET})`;
  if (missing && process.env.CI === 'true') throw new Error(`under CI ${missing}: .ci/run installs it`);
  if (missing) console.warn(`skipped: ${missing}`);
  return missing;
}
