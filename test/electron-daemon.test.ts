// How the desktop app finds its daemon: it starts one for a data directory
// that has none, attaches to one already running, and stops only its own.

import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { daemonFile, discoverDaemon } from '../core/daemon/discover.js';
import { attachOrStart } from '../electron/daemon.js';
import { tempDir } from './helpers/tmp.js';

describe('the desktop app daemon', () => {
  it('starts a daemon, attaches to it a second time, and stops only the one it started', async () => {
    const home = tempDir();
    const started = await attachOrStart(home);
    expect(await discoverDaemon(home)).toMatchObject({ port: started.port, token: started.token, pid: started.pid });
    const res = await fetch(`${started.base}/api/jobs`, { headers: { 'x-api-key': started.token } });
    expect(res.status).toBe(200);

    const attached = await attachOrStart(home);
    expect(attached.pid).toBe(started.pid);
    await attached.stop(); // not its daemon: it keeps running
    expect(await discoverDaemon(home)).toBeDefined();

    await started.stop();
    expect(existsSync(daemonFile(home))).toBe(false);
    expect(() => process.kill(started.pid, 0)).toThrow();
  });
});
