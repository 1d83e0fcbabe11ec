// Prove: a drop zone (and file pickers) for the guest ELF and its input, the
// input typed by hand instead if wanted, options, and the Prove button. Files
// that cannot be a guest are refused at once, before any upload.

import { useMutation, useQuery } from '@tanstack/react-query';
import { useRef, useState } from 'react';
import { useLocation } from 'wouter';
import { api } from '../api/client';
import { desktop } from '../api/connection';
import { DEFAULT_PO2, DEFAULT_RECEIPT_KIND, PO2_MAX, PO2_MIN, type ReceiptKind } from '../../../core/api/contract';
import { DropZone } from '../components/DropZone';
import { ReceiptKindSelect } from '../components/ReceiptKindSelect';
import { type Chosen, elfProblem, inputProblem, meantAsElf } from '../lib/files';
import { bytes } from '../lib/format';
import { InputError, hexInput, splitWords, u32Input } from '../../../core/guest/input.js';
import { ApiError, LOCAL_PATH_REFUSED } from '../../../core/api/apierror.js';
import { postcardText } from '../../../core/guest/postcard.js';

type InputMode = 'file' | 'hex' | 'utf8' | 'u32' | 'postcard';

function typedInput(mode: Exclude<InputMode, 'file'>, text: string): Uint8Array {
  if (mode === 'utf8') return new TextEncoder().encode(text);
  if (mode === 'hex') return hexInput(text);
  if (mode === 'postcard') return postcardText(text);
  return u32Input(splitWords(text));
}

const INPUT_MODE_LABELS: Record<InputMode, string> = {
  file: 'File',
  hex: 'Hex',
  utf8: 'UTF-8 text',
  u32: '32-bit words',
  postcard: 'Typed values (Rust guests)',
};
const TYPED_INPUT_HINTS: Record<Exclude<InputMode, 'file'>, string> = {
  hex: 'Bytes in hex',
  utf8: 'Text',
  u32: 'Words (decimal or 0x hex, separated by spaces or commas)',
  postcard: 'Values as env::read::<T>() reads them (postcard), e.g. u32:30 str:hello bytes:0a0b bool:true',
};

export function ProveView() {
  const settings = useQuery({ queryKey: ['settings'], queryFn: () => api.settings() });
  const maxBytes = settings.data?.maxUploadBytes ?? 256 * 1024 * 1024;
  const [elf, setElf] = useState<Chosen | null>(null);
  const [inputFile, setInputFile] = useState<Chosen | null>(null);
  const [mode, setMode] = useState<InputMode>('file');
  const [text, setText] = useState('');
  const [po2, setPo2] = useState<number | null>(null);
  const [executeOnly, setExecuteOnly] = useState(false);
  const [receiptKind, setReceiptKind] = useState<ReceiptKind | null>(null);
  const [cycleLimit, setCycleLimit] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const elfPicker = useRef<HTMLInputElement>(null);
  const [, navigate] = useLocation();

  const chosen = (file: File): Chosen => ({ file, path: desktop()?.pathForFile(file) || undefined });

  const takeElf = async (file: File): Promise<boolean> => {
    const why = await elfProblem(file, maxBytes);
    if (why) setProblem(why);
    else setElf(chosen(file));
    return why === null;
  };
  const takeInput = (file: File): boolean => {
    const why = inputProblem(file, maxBytes);
    if (why) setProblem(why);
    else {
      setInputFile(chosen(file));
      setMode('file');
    }
    return why === null;
  };
  /** Dropped files: the one meant as the guest, and the input; a lone file with no guest chosen yet is taken as the guest. */
  const takeDropped = async (files: File[]): Promise<void> => {
    setProblem(null);
    const meant = await Promise.all(files.map(meantAsElf));
    const guest = files.find((_, i) => meant[i]) ?? (elf === null && files.length === 1 ? files[0] : undefined);
    if (guest && !(await takeElf(guest))) return;
    for (const file of files) if (file !== guest && !takeInput(file)) return;
  };

  let typed: Uint8Array | null = null;
  let typedProblem: string | null = null;
  if (mode !== 'file') {
    try {
      typed = typedInput(mode, text);
    } catch (err) {
      typedProblem = err instanceof InputError ? err.message : String(err);
    }
  }
  const limit = cycleLimit.trim() === '' ? null : Number(cycleLimit);
  const limitProblem =
    limit !== null && (!Number.isInteger(limit) || limit <= 0)
      ? 'The cycle limit must be a positive whole number.'
      : null;
  const effectivePo2 = po2 ?? settings.data?.defaultPo2 ?? DEFAULT_PO2;
  const effectiveReceiptKind = receiptKind ?? settings.data?.defaultReceiptKind ?? DEFAULT_RECEIPT_KIND;

  const prove = useMutation({
    mutationFn: async () => {
      if (!elf) throw new Error('Choose a guest ELF first.');
      const inputBytes = mode === 'file' ? inputFile?.file : typed;
      const input = inputBytes ? (await api.uploadInput(inputBytes)).input : undefined;
      const create = (source: { elfPath: string } | { elf: string }) =>
        api.createJob({
          ...source,
          input,
          po2: effectivePo2,
          executeOnly,
          receiptKind: effectiveReceiptKind,
          cycleLimit: limit,
        });
      const uploaded = async () => create({ elf: (await api.uploadElf(elf.file)).elf });
      if (!elf.path) return uploaded();
      // A path is honoured only for the desktop app that started the daemon; anywhere else the file is uploaded.
      return create({ elfPath: elf.path }).catch((err: unknown) => {
        if (err instanceof ApiError && err.type === LOCAL_PATH_REFUSED) return uploaded();
        throw err;
      });
    },
    onSuccess: ({ jobId }) => navigate(`/jobs/${jobId}`),
  });

  const blocked = !elf || (mode !== 'file' && typedProblem !== null) || limitProblem !== null || prove.isPending;

  return (
    <section aria-labelledby="prove-title" className="prove">
      <h1 id="prove-title">Prove a guest</h1>
      <DropZone
        testId="dropzone"
        helpId="drop-help"
        onFiles={(files) => void takeDropped(files)}
        onPick={() => elfPicker.current?.click()}
      >
        <p>Drop a guest ELF and its input here</p>
        <p id="drop-help" className="muted">
          or press Enter to choose the ELF. An RV32IM executable (built with -march=rv32im -mabi=ilp32); any other file
          is taken as the input.
        </p>
      </DropZone>
      {problem && (
        <p role="alert" className="error" data-testid="file-problem">
          {problem}
        </p>
      )}
      <div className="fields">
        <label>
          Guest ELF
          <input
            ref={elfPicker}
            type="file"
            onChange={(e) => {
              setProblem(null);
              const file = e.target.files?.[0];
              if (file) void takeElf(file);
            }}
          />
        </label>
        <p data-testid="chosen-elf">
          {elf ? `${elf.path ?? elf.file.name} (${bytes(elf.file.size)})` : 'No ELF chosen.'}
        </p>

        <fieldset>
          <legend>Input</legend>
          {(['file', 'hex', 'utf8', 'u32', 'postcard'] as const).map((m) => (
            <label key={m} className="inline">
              <input type="radio" name="input-mode" value={m} checked={mode === m} onChange={() => setMode(m)} />
              {INPUT_MODE_LABELS[m]}
            </label>
          ))}
          {mode === 'file' ? (
            <>
              <label>
                Input file
                <input
                  type="file"
                  onChange={(e) => {
                    setProblem(null);
                    const file = e.target.files?.[0];
                    if (file) takeInput(file);
                  }}
                />
              </label>
              <p data-testid="chosen-input">
                {inputFile
                  ? `${inputFile.path ?? inputFile.file.name} (${bytes(inputFile.file.size)})`
                  : 'No input file: the guest reads an empty input.'}
              </p>
            </>
          ) : (
            <>
              <label>
                {TYPED_INPUT_HINTS[mode]}
                <textarea
                  value={text}
                  onChange={(e) => setText(e.target.value)}
                  rows={3}
                  aria-invalid={typedProblem !== null}
                  aria-describedby="typed-status"
                  spellCheck={false}
                />
              </label>
              <span id="typed-status" role="status" className={typedProblem ? 'error' : 'muted'}>
                {typedProblem ?? (typed ? `${typed.length} bytes` : '')}
              </span>
            </>
          )}
        </fieldset>

        <fieldset>
          <legend>Options</legend>
          <label>
            Segment size (po2)
            <input
              type="number"
              min={PO2_MIN}
              max={PO2_MAX}
              value={effectivePo2}
              onChange={(e) => setPo2(Number(e.target.value))}
            />
          </label>
          <label className="inline">
            <input type="checkbox" checked={executeOnly} onChange={(e) => setExecuteOnly(e.target.checked)} />
            Execute only (journal, no proof)
          </label>
          <label>
            Receipt
            <ReceiptKindSelect value={effectiveReceiptKind} disabled={executeOnly} onChange={setReceiptKind} />
          </label>
          <label>
            Cycle limit
            <input
              type="number"
              min={1}
              placeholder="none"
              value={cycleLimit}
              onChange={(e) => setCycleLimit(e.target.value)}
              aria-invalid={limitProblem !== null}
            />
          </label>
          {limitProblem && <span className="error">{limitProblem}</span>}
        </fieldset>
      </div>
      <button type="button" className="primary" disabled={blocked} onClick={() => prove.mutate()}>
        {prove.isPending ? 'Starting…' : executeOnly ? 'Execute' : 'Prove'}
      </button>
      {prove.error && (
        <p role="alert" className="error">
          {prove.error.message}
        </p>
      )}
    </section>
  );
}
