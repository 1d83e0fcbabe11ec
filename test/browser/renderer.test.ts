// The renderer in Chromium against a real daemon on a random port: drop a
// guest and its input, watch the proof, read the journal, export the receipt
// and verify it with the CLI; stop a running job; refuse a file that is not a
// guest. Screenshots of each view go to test-artifacts/screenshots.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningDaemon, serve } from '../../core/daemon/serve.js';
import { rendererDir } from '../../core/daemon/renderer.js';
import { ROOT, SPIN, ZKVM, example, tinyElf } from '../helpers/guests.js';
import { chromiumMissing, launchChromium, screenshot } from './chromium.js';

// Runs in the page (the tests' TypeScript has no DOM types): records every
// state of the job's badge and progress bar as the DOM changes, in window.seen.
const RECORD_PROGRESS = `
  window.seen = [];
  new MutationObserver(() => {
    const phase = document.querySelector('.heading .badge')?.textContent;
    const progress = document.querySelector('.detail [role=progressbar]')?.getAttribute('aria-valuetext');
    const state = phase + '|' + progress;
    if (phase && window.seen.at(-1) !== state) window.seen.push(state);
  }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
`;

const missing = chromiumMissing();
if (missing) process.stdout.write(`skipping the browser tests: ${missing}\n`);

const bento = join(ROOT, 'bin', 'bento.js');
const u32 = (n: number): number[] => [n & 0xff, (n >>> 8) & 0xff, (n >>> 16) & 0xff, n >>> 24];

describe.skipIf(missing !== null)('renderer in Chromium', () => {
  let home: string;
  let daemon: RunningDaemon;
  let browser: Browser;
  let page: Page;
  let base: string;

  beforeAll(async () => {
    if (!existsSync(join(rendererDir(), 'index.html')))
      throw new Error(`the renderer is not built (${rendererDir()}): run npm run build`);
    home = mkdtempSync(join(tmpdir(), 'bento-ui-'));
    daemon = await serve({ home, port: 0, host: '127.0.0.1' });
    base = `http://127.0.0.1:${daemon.port}`;
    browser = await launchChromium();
    const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (err) => process.stderr.write(`page error: ${err.message}\n`));
  });

  afterAll(async () => {
    await browser?.close();
    await daemon?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  /** Drops files on a drop zone the way a file manager does: a DataTransfer holding them. */
  async function drop(files: { name: string; bytes: number[] }[], zone = 'dropzone'): Promise<void> {
    const transfer = await page.evaluateHandle((list) => {
      // Runs in the page; this project's test types have no DOM.
      const page = globalThis as unknown as {
        DataTransfer: new () => { items: { add(file: unknown): void } };
        File: new (parts: Uint8Array[], name: string) => unknown;
      };
      const dt = new page.DataTransfer();
      for (const f of list) dt.items.add(new page.File([new Uint8Array(f.bytes)], f.name));
      return dt;
    }, files);
    await page.dispatchEvent(`[data-testid=${zone}]`, 'drop', { dataTransfer: transfer });
  }

  async function proveView(): Promise<void> {
    await page.getByRole('link', { name: 'Prove' }).click();
    await page.getByRole('heading', { name: 'Prove a guest' }).waitFor();
  }

  it('asks for the token when the page has a wrong one, and takes a pasted one', async () => {
    await page.goto(`${base}/#token=not-the-token`);
    await page.getByRole('alert').filter({ hasText: 'missing or wrong API key' }).waitFor();
    await page.getByLabel('Token').fill(daemon.token);
    await page.getByRole('button', { name: 'Connect' }).click();
    await page.getByRole('heading', { name: 'Prove a guest' }).waitFor();
    await page.evaluate(() => (globalThis as unknown as { sessionStorage: { clear(): void } }).sessionStorage.clear());
    await page.goto('about:blank');
  });

  it('signs in from the link `bento ui` prints and takes the token out of the address bar', async () => {
    const { stdout } = await execa(process.execPath, [bento, '--home', home, 'ui']);
    expect(stdout).toBe(`${base}/#token=${daemon.token}`);
    await page.goto(stdout);
    await page.getByRole('heading', { name: 'Prove a guest' }).waitFor();
    expect(page.url()).toBe(`${base}/#/`);
    expect(page.url()).not.toContain(daemon.token);
    await page.getByRole('status').filter({ hasText: 'live' }).waitFor();
    await page.screenshot({ path: screenshot('prove'), fullPage: true });
  });

  it('proves a dropped ELF and input, shows progress, the journal, and an exported receipt that verifies', async () => {
    await proveView();
    await drop([
      { name: 'loop.elf', bytes: [...readFileSync(example('loop'))] },
      { name: 'loop.input', bytes: u32(3000) },
    ]);
    await expect.poll(() => page.getByTestId('chosen-elf').textContent()).toContain('loop.elf');
    await expect.poll(() => page.getByTestId('chosen-input').textContent()).toContain('loop.input (4 B)');
    await page.getByLabel('Segment size (po2)').fill('14');
    // The form offers the default receipt, a succinct one; this test takes the quicker composite.
    expect(await page.getByLabel('Receipt').inputValue()).toBe('succinct');
    await page.getByLabel('Receipt').selectOption('composite');
    // Every state of the job's badge and progress bar the page renders, recorded as the DOM changes (no sampling).
    await page.evaluate(RECORD_PROGRESS);
    await page.getByRole('button', { name: 'Prove', exact: true }).click();
    await page.getByRole('heading', { name: /^Job / }).waitFor();
    const jobId = (await page.locator('#job-title code').textContent()) as string;

    // Progress as it is shown, until the job ends.
    const badge = page.locator('.heading .badge');
    await page.locator('.heading .badge', { hasText: /^(succeeded|failed)$/ }).waitFor({ timeout: 60_000 });
    expect(await badge.textContent()).toBe('succeeded');
    const shown = ((await page.evaluate('window.seen')) as string[]).join('\n');
    expect(shown).toMatch(/proving\|\d of \d\+? segments proven/);
    expect(shown).toContain('succeeded|4 of 4 segments proven');
    await expect.poll(() => page.locator('[data-stat=cycles]').textContent()).toBe('57,083');
    await expect.poll(() => page.locator('[data-journal=hex]').textContent()).toBe('bfae39ab');
    await expect
      .poll(() => page.locator('[data-stat=receipt-kind]').textContent())
      .toMatch(/^composite, [\d.]+ (KiB|MiB)$/);
    // The planner tree: four segments, three joins, finalize, each drawn done.
    await expect.poll(() => page.locator('g.node.state-done').count()).toBe(1 + 4 + 3 + 1);
    await page.screenshot({ path: screenshot('job-detail'), fullPage: true });

    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export receipt' }).click();
    const saved = join(home, 'exported.receipt');
    await (await download).saveAs(saved);
    const verify = await execa(process.execPath, [bento, '--home', home, 'verify', saved, '--elf', example('loop')], {
      reject: false,
    });
    expect(verify.stderr).toBe('');
    expect(verify.stdout).toContain('valid composite receipt');
    expect(verify.stdout).toContain('journal bfae39ab');

    await page.getByRole('button', { name: 'Verify' }).click();
    await page.getByText(/Receipt valid/).waitFor();

    await page.getByRole('link', { name: 'Receipts' }).click();
    await page.locator(`.receiptrow[data-job="${jobId}"]`).waitFor();
    await page.screenshot({ path: screenshot('receipts'), fullPage: true });
  });

  it('verifies a dropped receipt in the page (WebAssembly) and refuses it for another guest', async () => {
    await page.getByRole('link', { name: 'Verify', exact: true }).click();
    await page.getByRole('heading', { name: 'Verify a receipt' }).waitFor();
    // The receipt the last test exported, and its guest.
    const receipt = [...readFileSync(join(home, 'exported.receipt'))];
    await drop(
      [
        { name: 'loop.receipt', bytes: receipt },
        { name: 'loop.elf', bytes: [...readFileSync(example('loop'))] },
      ],
      'verify-dropzone',
    );
    const verdict = page.getByTestId('verdict');
    await verdict.filter({ hasText: 'Receipt valid' }).waitFor();
    const { stdout: loopId } = await execa(ZKVM, ['image-id', example('loop')]);
    expect(await verdict.textContent()).toContain(`A composite receipt`);
    expect(await verdict.locator('code').textContent()).toBe(loopId.trim());
    expect(await verdict.textContent()).toContain('ran 57,083 cycles in 4 segment(s)');
    expect(await verdict.locator('[data-journal=hex]').textContent()).toBe('bfae39ab');
    await page.screenshot({ path: screenshot('verify'), fullPage: true });

    await drop([{ name: 'fib.elf', bytes: [...readFileSync(example('fib'))] }], 'verify-dropzone');
    await verdict.filter({ hasText: 'Receipt invalid' }).waitFor();
    expect(await verdict.textContent()).toContain('loop.receipt: invalid receipt: the receipt is for image');

    await drop([{ name: 'notes.txt', bytes: [...Buffer.from('not a receipt')] }], 'verify-dropzone');
    await verdict.filter({ hasText: 'not a receipt (bad magic)' }).waitFor();
  });

  it('verifies a succinct receipt in the page, and keeps nothing of it in browser storage', async () => {
    const receiptPath = join(home, 'fib.succinct');
    await execa(ZKVM, ['prove', example('fib'), '--po2', '14', '--succinct', '--out', receiptPath]);
    const receipt = [...readFileSync(receiptPath)];
    const verdict = page.getByTestId('verdict');
    await drop(
      [
        { name: 'fib.receipt', bytes: receipt },
        { name: 'fib.elf', bytes: [...readFileSync(example('fib'))] },
      ],
      'verify-dropzone',
    );
    // The first succinct receipt of a shape compiles its lift circuit: tens of seconds in WebAssembly.
    await verdict.filter({ hasText: 'Receipt valid' }).waitFor({ timeout: 150_000 });
    expect(await verdict.textContent()).toContain('A succinct receipt');
    expect(await verdict.locator('[data-stat=exit-code]').textContent()).toBe('101');
    // A digest kept in the origin's storage would be trusted by the next page: none is kept there.
    const stored = await page.evaluate(() =>
      Object.keys((globalThis as unknown as { localStorage: Record<string, string> }).localStorage),
    );
    expect(stored).toEqual([]);

    // The same receipt for another image: refused.
    await drop([{ name: 'loop.elf', bytes: [...readFileSync(example('loop'))] }], 'verify-dropzone');
    await verdict.filter({ hasText: 'Receipt invalid' }).waitFor();
    expect(await verdict.textContent()).toContain('fib.receipt: invalid receipt: the receipt is for image');
  });

  it('executes a guest on typed UTF-8 input and shows what it printed', async () => {
    await proveView();
    await drop([{ name: 'sha256.elf', bytes: [...readFileSync(example('sha256'))] }]);
    await expect.poll(() => page.getByTestId('chosen-elf').textContent()).toContain('sha256.elf');
    await page.getByRole('radio', { name: 'UTF-8 text' }).check();
    await page.getByLabel('Text', { exact: true }).fill('abc');
    await page.getByText('3 bytes').waitFor();
    await page.getByRole('checkbox', { name: /Execute only/ }).check();
    await page.getByRole('button', { name: 'Execute', exact: true }).click();
    await page.locator('.heading .badge', { hasText: 'succeeded' }).waitFor();
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    await expect.poll(() => page.locator('pre.logs').textContent()).toContain(abc);
    expect(await page.getByRole('heading', { name: 'Receipt' }).count()).toBe(0);
  });

  it('encodes typed values for Rust guests (postcard) and names a value it cannot encode', async () => {
    await proveView();
    await page.getByRole('radio', { name: 'Typed values (Rust guests)' }).check();
    const field = page.getByLabel(/Values as env::read/);
    await field.fill('u32:300 str:hi');
    await page.getByText('5 bytes').waitFor();
    await field.fill('u32:300 u8:256');
    await page.locator('#typed-status', { hasText: '256 does not fit a u8' }).waitFor();
    await page.getByRole('radio', { name: 'File' }).check(); // the next test starts from a file input
  });

  it('stops a running job from its detail view', async () => {
    await proveView();
    await drop([{ name: 'spin.elf', bytes: [...tinyElf([SPIN])] }]);
    await expect.poll(() => page.getByTestId('chosen-elf').textContent()).toContain('spin.elf');
    await page.getByLabel('Segment size (po2)').fill('14');
    await page.getByRole('button', { name: 'Prove', exact: true }).click();
    await page.locator('.heading .badge', { hasText: /executing|proving/ }).waitFor();
    await page.getByRole('button', { name: 'Stop', exact: true }).click();
    await page.getByRole('dialog').getByRole('button', { name: 'Stop job' }).click();
    await page.locator('.heading .badge', { hasText: 'stopped' }).waitFor({ timeout: 20_000 });
    await page.getByText('Stopped by you.').waitFor();

    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.locator('.jobrow[data-phase=stopped]').waitFor();
    await page.locator('.jobrow[data-phase=succeeded]').first().waitFor();
    await page.getByRole('button', { name: 'Stopped' }).click();
    await expect.poll(() => page.locator('.jobrow').count()).toBe(1);
    await page.getByRole('button', { name: 'All' }).click();
    await expect.poll(() => page.locator('.jobrow').count()).toBe(3);
    await page.screenshot({ path: screenshot('jobs'), fullPage: true });
  });

  it('refuses files that are not guests, with their reason, before uploading anything', async () => {
    await proveView();
    await drop([{ name: 'notes.txt', bytes: [...Buffer.from('hello, not a program\n')] }]);
    await expect
      .poll(() => page.getByTestId('file-problem').textContent())
      .toBe('notes.txt is not an ELF file (it does not start with \\x7fELF)');
    const elf64 = tinyElf([SPIN]);
    elf64[4] = 2;
    await drop([{ name: 'guest64.elf', bytes: [...elf64] }]);
    await expect
      .poll(() => page.getByTestId('file-problem').textContent())
      .toContain('guest64.elf is a 64-bit RISC-V ELF');
    expect(await page.getByRole('button', { name: 'Prove', exact: true }).isDisabled()).toBe(true);
    await page.screenshot({ path: screenshot('prove-refused'), fullPage: true });
  });

  it('shows workers and settings, and tests a bucket connection', async () => {
    await page.getByRole('link', { name: 'Workers & settings' }).click();
    await page.getByRole('heading', { name: 'Workers' }).waitFor();
    await page.getByRole('rowheader', { name: 'prove' }).waitFor();
    await page.getByLabel('Endpoint (http://host:port)').fill('http://127.0.0.1:9');
    await page.getByLabel('Bucket', { exact: true }).fill('proofs');
    await page.getByLabel('Access key').fill('key');
    await page.getByLabel('Secret key').fill('secret');
    await page.getByRole('button', { name: 'Test connection' }).click();
    await page.getByText(/cannot reach bucket proofs at http:\/\/127\.0\.0\.1:9/).waitFor({ timeout: 15_000 });
    await page.getByLabel(/Default segment size/).fill('16');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByText('Saved.').waitFor();
    const stored = JSON.parse(readFileSync(join(home, 'settings.json'), 'utf8'));
    expect(stored.defaultPo2).toBe(16);
    expect(stored.s3).toMatchObject({ endpoint: 'http://127.0.0.1:9', bucket: 'proofs', secretKey: 'secret' });
    await page.screenshot({ path: screenshot('settings'), fullPage: true });
  });
});
