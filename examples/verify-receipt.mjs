#!/usr/bin/env node
// Verifies a receipt in Node with the WebAssembly verifier: no daemon, no
// prover. Usage: node examples/verify-receipt.mjs <receipt> <guest.elf | image-id>
// A succinct receipt whose segment shapes are catalogued (the prover pads to
// them where that is cheap) takes milliseconds; the first of another shape
// takes seconds (the verifier compiles that shape's lift circuit); the digest it computes is kept in the
// user's cache folder (BENTO_VERIFIER_CACHE: another folder, or `off`), so
// later runs take milliseconds.

import { readFile } from 'node:fs/promises';
import { imageId, verify } from '@local-bento/verifier';

const [receiptPath, guest] = process.argv.slice(2);
if (!receiptPath || !guest) {
  console.error('usage: node examples/verify-receipt.mjs <receipt> <guest.elf | image-id>');
  process.exit(2);
}

try {
  // An image ID as given, or the ELF's.
  const id = /^[0-9a-fA-F]{64}$/.test(guest) ? guest : await imageId(await readFile(guest));
  const started = performance.now();
  const verdict = await verify(await readFile(receiptPath), id);
  const ms = (performance.now() - started).toFixed(1);
  if (!verdict.ok) {
    console.error(`${receiptPath}: ${verdict.error}`);
    process.exit(1);
  }
  const journal = Buffer.from(verdict.journal).toString('hex');
  console.log(`valid ${verdict.kind} receipt (${verdict.bytes} bytes, verified in ${ms} ms)`);
  console.log(`image id:  ${verdict.imageId}`);
  console.log(`exit code: ${verdict.exitCode}`);
  console.log(`cycles:    ${verdict.cycles} in ${verdict.segments} segment(s)`);
  console.log(`journal:   ${journal}${verdict.journalText ? ` (${JSON.stringify(verdict.journalText)})` : ''}`);
} catch (err) {
  console.error(`${receiptPath}: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
}
