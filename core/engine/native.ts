// Runs bento-zkvm as a child process: JSON lines on stdout are progress and
// results, stderr is kept (its last lines) for error messages. A run can be
// cancelled (stop, timeout) and then leaves no child behind.

import { existsSync } from 'node:fs';
import { basename, isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { execa } from 'execa';
import { packageRoot } from '../config/paths.js';

const STDERR_LINES = 8;

/** The bento-zkvm binary: $BENTO_ZKVM, else the one `npm install` built. */
export function nativeBinary(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BENTO_ZKVM) return resolve(env.BENTO_ZKVM);
  const candidate = join(packageRoot(), 'native-bin', 'target', 'release', 'bento-zkvm');
  if (existsSync(candidate)) return candidate;
  throw new NativeError('bento-zkvm is not built: run `npm install` (it builds native-bin with cargo)', [], []);
}

export class NativeError extends Error {
  override name = 'NativeError';
  constructor(
    message: string,
    readonly args: readonly string[],
    readonly stderrTail: readonly string[],
    /** The tool reported the error itself (deterministic: a rerun repeats it). */
    readonly reported = false,
  ) {
    super(message);
  }
}

export interface NativeRun {
  /** The child's last JSON line (its result). */
  result: Record<string, unknown>;
  durationMs: number;
}

export interface NativeOptions {
  onLine?: (line: Record<string, unknown>) => void;
  signal?: AbortSignal;
  timeoutMs?: number;
  binary?: string;
}

/** Runs `bento-zkvm <args> --json`; resolves with the final line or rejects with context. */
export async function runNative(args: readonly string[], options: NativeOptions = {}): Promise<NativeRun> {
  const binary = options.binary ?? nativeBinary();
  const command = withoutPaths(['bento-zkvm', ...args].join(' '), args);
  const started = performance.now();
  const stderrTail: string[] = [];
  let last: Record<string, unknown> | undefined;
  let errorLine: string | undefined;
  const child = execa(binary, [...args, '--json'], {
    reject: false,
    stdin: 'ignore',
    env: { BENTO_EXIT_WITH_PARENT: '1' },
    cancelSignal: options.signal,
    forceKillAfterDelay: 2000,
    ...(options.timeoutMs ? { timeout: options.timeoutMs } : {}),
    lines: false,
    buffer: false,
  });
  const readLines = async (stream: NodeJS.ReadableStream | null, onLine: (l: string) => void): Promise<void> => {
    if (!stream) return;
    for await (const line of createInterface({ input: stream, crlfDelay: Infinity })) onLine(line);
  };
  const out = readLines(child.stdout, (text) => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return; // not a protocol line
    }
    if (line.type === 'error') errorLine = String(line.error);
    else last = line;
    options.onLine?.(line);
  });
  const err = readLines(child.stderr, (text) => {
    if (!text.trim()) return;
    stderrTail.push(text);
    if (stderrTail.length > STDERR_LINES) stderrTail.shift();
  });
  const [outcome] = await Promise.all([child, out, err]);
  const durationMs = performance.now() - started;
  if (outcome.isCanceled) throw new NativeError(`${command}: cancelled`, args, stderrTail);
  if (outcome.timedOut)
    throw new NativeError(
      `${command}: timed out after ${Math.round((options.timeoutMs ?? 0) / 1000)}s`,
      args,
      stderrTail,
    );
  if (outcome.exitCode !== 0 || !last) {
    const reason =
      errorLine ??
      (outcome.signal
        ? `killed by ${outcome.signal}`
        : (stderrTail[stderrTail.length - 1] ?? `exit status ${outcome.exitCode}`));
    throw new NativeError(
      withoutPaths(reason, args),
      args,
      stderrTail.map((l) => withoutPaths(l, args)),
      errorLine !== undefined,
    );
  }
  return { result: last, durationMs };
}

/** The image ID of a guest ELF (bento-zkvm image-id); a bad ELF is a NativeError naming the problem (as "the ELF", never its path). */
export async function imageIdOf(elf: string, binary = nativeBinary()): Promise<string> {
  const out = await execa(binary, ['image-id', elf], { reject: false });
  if (out.exitCode !== 0) {
    const message = out.stderr
      .replace(/^error: /, '')
      .trim()
      .split(elf)
      .join('the ELF');
    throw new NativeError(message, ['image-id', elf], [message], true);
  }
  return out.stdout.trim();
}

/**
 * The tool names the files it was given; messages reach clients (job errors,
 * API answers), which must not learn the daemon's paths: each path argument
 * is shown by its file name only (a blob id, a segment file).
 */
function withoutPaths(text: string, args: readonly string[]): string {
  return args.filter(isAbsolute).reduce((t, path) => t.split(path).join(basename(path)), text);
}
