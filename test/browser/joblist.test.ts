// Thousands of jobs in the UI: the list shows the total, keeps only the rows
// in view in the page, loads further pages as it scrolls, and filters.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { taskDbPath } from '../../core/config/paths.js';
import { type RunningDaemon, serve } from '../../core/daemon/serve.js';
import { TaskDb } from '../../core/taskdb/taskdb.js';
import { chromiumMissing, launchChromium, screenshot } from './chromium.js';

const JOBS = 3000;
const missing = chromiumMissing();

describe.skipIf(missing !== null)('the job list with thousands of jobs', () => {
  let home: string;
  let daemon: RunningDaemon;
  let browser: Browser;
  let page: Page;
  const ids: string[] = [];

  beforeAll(async () => {
    home = mkdtempSync(join(tmpdir(), 'bento-many-'));
    // Ended jobs written straight into the taskdb (a stream no worker serves), half failed, half stopped.
    const db = TaskDb.open(taskDbPath(home), { actor: 'test' });
    const stream = db.createStream('bulk', 1, 1, 'test');
    db.transaction(undefined, () => {
      for (let i = 0; i < JOBS; i++) {
        const id = db.createJob(stream, { kind: 'bulk', n: i }, 0, 60, 'test');
        if (i % 2 === 0) db.failJob(id, `bulk job ${i} failed`);
        else db.stopJob(id);
        ids.push(id);
      }
    });
    db.close();
    daemon = await serve({ home, port: 0, host: '127.0.0.1' });
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    await page.goto(`http://127.0.0.1:${daemon.port}/#token=${daemon.token}`);
  });

  afterAll(async () => {
    await browser?.close();
    await daemon?.stop();
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('renders only the rows in view and reaches the oldest job by scrolling', async () => {
    await page.getByRole('link', { name: 'Jobs' }).click();
    await page.getByText(`${JOBS.toLocaleString('en-US')} jobs`).waitFor();
    const rows = await page.locator('.jobrow').count();
    expect(rows).toBeGreaterThan(5);
    expect(rows).toBeLessThan(40);
    // Assistive technology hears the whole list's size, not the rows drawn.
    await expect.poll(() => page.getByRole('listitem').first().getAttribute('aria-setsize')).toBe(String(JOBS));
    // Scroll to the end, page after page, until the oldest job is drawn.
    const oldest = ids[0] as string;
    for (let i = 0; i < 100 && (await page.locator(`.jobrow[data-job="${oldest}"]`).count()) === 0; i++) {
      await page.locator('.virtual').evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.waitForTimeout(100);
    }
    await page.locator(`.jobrow[data-job="${oldest}"]`).waitFor();
    expect(await page.locator('.jobrow').count()).toBeLessThan(40);
    await page.screenshot({ path: screenshot('jobs-thousands') });

    await page.getByRole('button', { name: 'Stopped' }).click();
    await page.getByText(`${(JOBS / 2).toLocaleString('en-US')} jobs`).waitFor();
    expect(await page.locator('.jobrow[data-phase=failed]').count()).toBe(0);
    await page.getByRole('button', { name: 'Running' }).click();
    await page.getByText('No running jobs.').waitFor();
  });
});
