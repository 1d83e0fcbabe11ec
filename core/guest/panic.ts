// A Rust guest's panic (bento-guest): exit code 101 after a "panicked at …"
// report on stderr, as a Rust program on an OS does. Such a job fails with the
// report instead of proving the panic; the Rust host crate (bento-host) reads
// guest output the same way.

export const PANIC_EXIT_CODE = 101;

/** "the guest panicked: panicked at src/main.rs:7:5: message", or undefined if the run did not panic. */
export function guestPanic(exitCode: number, stderr: string): string | undefined {
  if (exitCode !== PANIC_EXIT_CODE) return undefined;
  const at = Math.max(stderr.lastIndexOf('panicked at '), stderr.lastIndexOf('panicked:'));
  if (at < 0) return undefined;
  return `the guest panicked: ${stderr.slice(at).trimEnd().replace(':\n', ': ')}`;
}
