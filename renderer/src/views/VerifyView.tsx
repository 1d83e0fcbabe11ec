// Verify: drop a receipt and the guest's ELF (or type its image ID) and the
// page checks the receipt itself, with the WebAssembly verifier: no daemon,
// no upload. Shows valid or invalid, and what a valid receipt proves.

import { useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import type { Verdict } from '@local-bento/verifier/verifier';
import { DropZone } from '../components/DropZone';
import { Journal } from '../components/Journal';
import { ImageId } from '../../../core/api/contract';
import { useNow } from '../components/useNow';
import { meantAsElf } from '../lib/files';
import { bytes, count, duration, hexOf } from '../lib/format';
import { imageIdOf, verifyReceipt } from '../lib/verify';

/** Larger files are refused unread: no receipt is this large. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

interface Chosen {
  name: string;
  bytes: Uint8Array;
  /** Tells apart two drops of the same file. */
  serial: number;
}

interface Check {
  verdict: Verdict;
  ms: number;
  receipt: string;
}

let drops = 0;

const isImageId = (text: string): boolean => ImageId.safeParse(text).success;

async function timedCheck(receipt: Chosen, imageId: string, signal: AbortSignal): Promise<Check> {
  const since = performance.now();
  const verdict = await verifyReceipt(receipt.bytes, imageId, signal);
  return { verdict, ms: performance.now() - since, receipt: receipt.name };
}

async function read(file: File): Promise<Uint8Array> {
  if (file.size > MAX_FILE_BYTES) throw new Error(`${file.name} is too large (${bytes(file.size)})`);
  return new Uint8Array(await file.arrayBuffer());
}

export function VerifyView() {
  const [receipt, setReceipt] = useState<Chosen | null>(null);
  const [imageId, setImageId] = useState('');
  const [elfName, setElfName] = useState<string | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const picker = useRef<HTMLInputElement>(null);

  const id = imageId.trim().toLowerCase();
  const check = useQuery({
    queryKey: ['verify', receipt?.serial, id],
    enabled: receipt !== null && isImageId(id),
    queryFn: ({ signal }) =>
      receipt ? timedCheck(receipt, id, signal) : Promise.reject(new Error('no receipt chosen')),
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
  });

  const take = async (files: File[]): Promise<void> => {
    setProblem(null);
    try {
      const meant = await Promise.all(files.map(meantAsElf));
      const elves = files.filter((_, i) => meant[i]);
      const others = files.filter((_, i) => !meant[i]);
      if (elves.length > 1 || others.length > 1) throw new Error('Drop one receipt and, if you like, one guest ELF.');
      const [elf] = elves;
      if (elf) {
        setImageId(await imageIdOf(await read(elf)));
        setElfName(elf.name);
      }
      const [file] = others;
      if (file) setReceipt({ name: file.name, bytes: await read(file), serial: drops++ });
    } catch (err) {
      setProblem(err instanceof Error ? err.message : String(err));
    }
  };

  return (
    <section aria-labelledby="verify-title" className="verify">
      <h1 id="verify-title">Verify a receipt</h1>
      <p className="muted">
        Checked in this page by the WebAssembly verifier: nothing is uploaded, and the daemon takes no part.
      </p>
      <DropZone
        testId="verify-dropzone"
        helpId="verify-drop-help"
        onFiles={(files) => void take(files)}
        onPick={() => picker.current?.click()}
      >
        <p>Drop a receipt and its guest ELF here</p>
        <p id="verify-drop-help" className="muted">
          or press Enter to choose them. The ELF gives the image ID the receipt must prove; you may type the ID instead.
        </p>
      </DropZone>
      {problem && (
        <p role="alert" className="error" data-testid="verify-problem">
          {problem}
        </p>
      )}
      <div className="fields">
        <label>
          Receipt and ELF
          <input ref={picker} type="file" multiple onChange={(e) => void take([...(e.target.files ?? [])])} />
        </label>
        <p data-testid="chosen-receipt">
          {receipt ? `${receipt.name} (${bytes(receipt.bytes.length)})` : 'No receipt chosen.'}
        </p>
        <label>
          Image ID
          <input
            type="text"
            spellCheck={false}
            placeholder="64 hex digits"
            value={imageId}
            onChange={(e) => {
              setImageId(e.target.value);
              setElfName(null);
            }}
          />
        </label>
        {elfName && <p className="muted">The image ID of {elfName}.</p>}
        {id !== '' && !isImageId(id) && <p className="error">An image ID is 64 hex digits.</p>}
      </div>
      {check.isFetching ? <Verifying /> : check.data && <VerdictPanel check={check.data} />}
    </section>
  );
}

function Verifying() {
  const [since] = useState(() => Date.now());
  const now = useNow(true);
  return (
    <p role="status" data-testid="verdict">
      Verifying ({duration(now - since)})… A succinct receipt of a segment shape this page has not checked before takes
      longer: the verifier first compiles that shape&apos;s lift circuit.
    </p>
  );
}

function VerdictPanel({ check }: { check: Check }) {
  const { verdict } = check;
  if (!verdict.ok)
    return (
      <div role="alert" className="verdict invalid" data-testid="verdict">
        <h2>Receipt invalid</h2>
        <p>
          {check.receipt}: {verdict.error}
        </p>
      </div>
    );
  return (
    <div role="status" className="verdict valid" data-testid="verdict">
      <h2>Receipt valid</h2>
      <p>
        A {verdict.kind} receipt ({bytes(verdict.bytes)}, checked in {duration(check.ms)}): image{' '}
        <code>{verdict.imageId}</code> ran {count(verdict.cycles)} cycles in {verdict.segments} segment(s) and exited
        with code <span data-stat="exit-code">{verdict.exitCode}</span>.
      </p>
      <h3>Journal</h3>
      <Journal hex={hexOf(verdict.journal)} />
    </div>
  );
}
