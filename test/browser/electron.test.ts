// The desktop app launched through Playwright's Electron driver: it starts a
// daemon, shows the renderer, exposes only the preload's functions, and stops
// the daemon it started when it quits. Needs Electron's binary, which these
// build machines cannot download, and a display.

import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { _electron as electron } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { daemonFile } from '../../core/daemon/discover.js';
import { ROOT } from '../helpers/guests.js';
import { screenshot } from './chromium.js';

function electronMissing(): string | null {
  const dir = join(ROOT, 'node_modules', 'electron');
  const pathFile = join(dir, 'path.txt');
  if (!existsSync(pathFile) || !existsSync(join(dir, 'dist', readFileSync(pathFile, 'utf8')))) {
    return "Electron's binary is not installed (it is downloaded on first `npm start`, which needs access to GitHub)";
  }
  if (process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY)
    return 'no display (run the tests under xvfb-run)';
  return null;
}

const missing = electronMissing();
if (missing) process.stdout.write(`skipping the Electron launch test: ${missing}\n`);

describe.skipIf(missing !== null)('desktop app', () => {
  it('starts its daemon, opens the UI with only the preload bridge, and stops the daemon on quit', async () => {
    const home = mkdtempSync(join(tmpdir(), 'bento-electron-'));
    try {
      const app = await electron.launch({
        args: [ROOT],
        cwd: ROOT,
        env: { ...process.env, BENTO_HOME: home } as Record<string, string>,
      });
      const win = await app.firstWindow();
      await win.getByRole('heading', { name: 'Prove a guest' }).waitFor({ timeout: 60_000 });
      expect(existsSync(daemonFile(home))).toBe(true);
      const page = await win.evaluate(() => {
        const g = globalThis as unknown as { bento?: Record<string, unknown>; require?: unknown; process?: unknown };
        return { bridge: Object.keys(g.bento ?? {}).sort(), require: typeof g.require, process: typeof g.process };
      });
      expect(page).toEqual({
        bridge: ['connection', 'notify', 'pathForFile', 'saveReceipt'],
        require: 'undefined',
        process: 'undefined',
      });
      await win.screenshot({ path: screenshot('electron') });
      await app.close();
      expect(existsSync(daemonFile(home))).toBe(false);
    } finally {
      rmSync(home, { recursive: true, force: true });
    }
  });
});
