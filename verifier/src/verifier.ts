// The receipt verifier, platform-neutral: give it the WebAssembly module's
// bytes (Node reads them from disk, a page fetches them) and verify receipts.
// The module exports a C ABI (native-bin/crates/verify-wasm): arguments are
// copied into memory it allocates, and its verdict comes back as JSON.

/** What a valid receipt proves, as `bento-zkvm verify` reports it. */
export interface VerifiedReceipt {
  ok: true;
  /** "composite" (a proof per segment) or "succinct" (one recursion proof). */
  kind: 'composite' | 'succinct';
  /** The image ID (hex) the receipt was checked against. */
  imageId: string;
  exitCode: number;
  /** The bytes the guest committed. */
  journal: Uint8Array;
  /** The journal as text, when it is UTF-8. */
  journalText: string | null;
  cycles: number;
  segments: number;
  /** The segments' size, log2 of their cycles. */
  po2: number;
  /** The receipt's size, and its proof's. */
  bytes: number;
  sealBytes: number;
  /** The proof system's parameters by name. */
  config: string;
  format: number;
}

export interface RefusedReceipt {
  ok: false;
  /** Why the receipt is not a proof of a run of the image. */
  error: string;
}

export type Verdict = VerifiedReceipt | RefusedReceipt;

/**
 * The digest of the lift circuit's key for one segment shape (its tables'
 * heights, log2). Verifying a succinct receipt compiles a lift circuit for
 * each shape it lists that is not catalogued (the prover pads segments to
 * catalogued shapes where that is cheap), which takes tens of seconds in
 * WebAssembly; a host may
 * keep the digests a verifier computed and give them to a later verifier of
 * the same module.
 */
export interface LiftDigest {
  shape: number[];
  digest: string;
}

interface Exports {
  memory: WebAssembly.Memory;
  bento_alloc(len: number): number;
  bento_free(ptr: number, len: number): void;
  bento_verify(receipt: number, receiptLen: number, imageId: number, imageIdLen: number): number;
  bento_image_id(elf: number, elfLen: number): number;
  bento_lift_digests(): number;
  bento_remember_lift_digests(known: number, knownLen: number): number;
  bento_result(): number;
}

interface Summary {
  kind: 'composite' | 'succinct';
  image_id: string;
  exit_code: number;
  journal_hex: string;
  journal_text: string | null;
  cycles: number;
  segments: number;
  po2: number;
  bytes: number;
  seal_bytes: number;
  config: string;
  format: number;
}

type Reply<T> = ({ ok: true } & T) | { ok: false; error: string };

const IMAGE_ID = /^[0-9a-f]{64}$/;

export class Verifier {
  private instance: Exports | undefined;
  /** Digests given back (by shape), for an instance that replaces one a trap ended. */
  private readonly remembered = new Map<string, LiftDigest>();

  private constructor(private readonly module: WebAssembly.Module) {}

  /** Compiles the module (`bento_verify.wasm`'s bytes, or the module compiled already). */
  static async load(wasm: BufferSource | WebAssembly.Module): Promise<Verifier> {
    const module = wasm instanceof WebAssembly.Module ? wasm : await WebAssembly.compile(wasm);
    return new Verifier(module);
  }

  /**
   * Checks that `receipt` proves a run of the program whose image ID (hex)
   * is `imageId`: its exit code and journal are then the run's.
   */
  verify(receipt: Uint8Array, imageId: string): Verdict {
    const id = imageId.trim().toLowerCase();
    if (!IMAGE_ID.test(id)) return { ok: false, error: 'the image ID is not 64 hex digits' };
    const reply = this.call<{ receipt: Summary }>((x) => {
      const r = x.put(receipt);
      const i = x.put(new TextEncoder().encode(id));
      return x.exports.bento_verify(r.ptr, r.len, i.ptr, i.len);
    });
    if (!reply.ok) return reply;
    const s = reply.receipt;
    return {
      ok: true,
      kind: s.kind,
      imageId: s.image_id,
      exitCode: s.exit_code,
      journal: fromHex(s.journal_hex),
      journalText: s.journal_text,
      cycles: s.cycles,
      segments: s.segments,
      po2: s.po2,
      bytes: s.bytes,
      sealBytes: s.seal_bytes,
      config: s.config,
      format: s.format,
    };
  }

  /** The image ID (hex) of a guest program's ELF, or why it is not one. */
  imageId(elf: Uint8Array): { ok: true; imageId: string } | { ok: false; error: string } {
    const reply = this.call<{ image_id: string }>((x) => {
      const e = x.put(elf);
      return x.exports.bento_image_id(e.ptr, e.len);
    });
    return reply.ok ? { ok: true, imageId: reply.image_id } : reply;
  }

  /** The lift key digests this verifier has computed or been given. */
  liftDigests(): LiftDigest[] {
    const reply = this.call<{ lift_digests: LiftDigest[] }>((x) => x.exports.bento_lift_digests());
    if (!reply.ok) throw new Error(reply.error);
    return reply.lift_digests;
  }

  /**
   * Gives back digests that {@link liftDigests} returned, from a verifier of
   * this same module (keep them keyed by the module's bytes, somewhere only
   * you can write). They are trusted as if computed here: never take them
   * from a receipt's sender, or from storage others can write (a browser's
   * origin storage, a shared folder), since a digest of a circuit of their
   * own would make a false receipt verify.
   */
  rememberLiftDigests(known: LiftDigest[]): void {
    this.remember(this.exports(), known);
    for (const d of known) this.remembered.set(JSON.stringify(d.shape), d);
  }

  private remember(exports: Exports, known: LiftDigest[]): void {
    const reply = this.call<{ remembered: number }>((x) => {
      const k = x.put(new TextEncoder().encode(JSON.stringify(known)));
      return x.exports.bento_remember_lift_digests(k.ptr, k.len);
    }, exports);
    if (!reply.ok) throw new Error(reply.error);
  }

  /**
   * Runs one call with its arguments copied in, and reads its reply. A trap
   * (a panic: a bug, never a verdict) is reported as an error, and the
   * instance, whose memory it may have left inconsistent, is dropped.
   */
  private call<T>(run: (x: Call) => number, exports = this.exports()): Reply<T> {
    const call = new Call(exports);
    try {
      const len = run(call);
      const bytes = new Uint8Array(exports.memory.buffer, exports.bento_result(), len);
      return JSON.parse(new TextDecoder().decode(bytes)) as Reply<T>;
    } catch (e) {
      this.instance = undefined;
      // A trap is Plonky3 stopping on malformed data (natively a caught panic) or memory running out.
      return { ok: false, error: `the verifier stopped: ${e instanceof Error ? e.message : String(e)}` };
    } finally {
      if (this.instance) call.free();
    }
  }

  private exports(): Exports {
    if (!this.instance) {
      const exports = new WebAssembly.Instance(this.module, {}).exports as unknown as Exports;
      this.instance = exports;
      if (this.remembered.size > 0) this.remember(exports, [...this.remembered.values()]);
    }
    return this.instance;
  }
}

/** The arguments of one call, in the module's memory. */
class Call {
  private readonly held: { ptr: number; len: number }[] = [];

  constructor(readonly exports: Exports) {}

  put(bytes: Uint8Array): { ptr: number; len: number } {
    const len = bytes.length;
    const ptr = this.exports.bento_alloc(len);
    // Allocating may grow the memory: view it after.
    new Uint8Array(this.exports.memory.buffer, ptr, len).set(bytes);
    this.held.push({ ptr, len });
    return { ptr, len };
  }

  free(): void {
    for (const { ptr, len } of this.held) this.exports.bento_free(ptr, len);
  }
}

function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return bytes;
}
