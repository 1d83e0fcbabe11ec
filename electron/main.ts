// The desktop app: attaches to (or starts) the daemon, opens the renderer it
// serves, and answers the preload's few calls. The page is an ordinary web
// page of the daemon's origin: no Node, sandboxed, isolated, CSP from the daemon.

import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  BrowserWindow,
  Notification,
  app,
  dialog,
  ipcMain,
  session,
  type IpcMainEvent,
  type IpcMainInvokeEvent,
} from 'electron';
import { APP_SECRET_HEADER } from '../core/api/apierror.js';
import { ApiClient } from '../core/api/client.js';
import { isValidId } from '../core/ids.js';
import { type AppDaemon, attachOrStart } from './daemon.js';

let daemon: AppDaemon | undefined;
let window: BrowserWindow | undefined;

/** Only our window, showing the daemon's page, may call. */
function trusted(event: IpcMainEvent | IpcMainInvokeEvent): boolean {
  const url = event.senderFrame?.url ?? '';
  return (
    daemon !== undefined &&
    event.sender === window?.webContents &&
    (url === `${daemon.base}/` || url.startsWith(`${daemon.base}/#`))
  );
}

function handle(): void {
  ipcMain.handle('bento:connection', (event) => {
    if (!trusted(event) || !daemon) throw new Error('refused: not the Local Bento window');
    return { token: daemon.token };
  });
  ipcMain.handle('bento:save-receipt', async (event, jobId: unknown) => {
    if (!trusted(event) || !daemon || !window) throw new Error('refused: not the Local Bento window');
    if (typeof jobId !== 'string' || !isValidId(jobId)) return { saved: false, error: 'invalid job id' };
    const choice = await dialog.showSaveDialog(window, {
      title: 'Export receipt',
      defaultPath: join(app.getPath('downloads'), `${jobId}.receipt`),
    });
    if (choice.canceled || !choice.filePath) return { saved: false };
    const { token } = daemon;
    const client = new ApiClient({ baseUrl: daemon.base, token: () => token });
    const receipt = await client.receipt(jobId).catch((err: unknown) => err as Error);
    if (receipt instanceof Error)
      return { saved: false, error: `the daemon has no receipt for job ${jobId} (${receipt.message})` };
    await writeFile(choice.filePath, receipt);
    return { saved: true, path: choice.filePath };
  });
  ipcMain.on('bento:notify', (event, title: unknown, body: unknown) => {
    if (!trusted(event) || typeof title !== 'string' || typeof body !== 'string' || !Notification.isSupported()) return;
    new Notification({ title: title.slice(0, 100), body: body.slice(0, 300) }).show();
  });
}

function lockDown(base: string): void {
  // No permissions (camera, geolocation…), asked or checked: the app needs none.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  const away = (event: { preventDefault(): void }, url: string): void => {
    if (!url.startsWith(`${base}/`)) event.preventDefault();
  };
  app.on('web-contents-created', (_event, contents) => {
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
    contents.on('will-navigate', away);
    contents.on('will-redirect', away);
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
}

/** Vouches for our window's job requests (they may name a dropped file); the page itself never sees the secret. */
function vouch(base: string, appSecret: string): void {
  session.defaultSession.webRequest.onBeforeSendHeaders({ urls: [`${base}/api/jobs`] }, (details, callback) => {
    callback({ requestHeaders: { ...details.requestHeaders, [APP_SECRET_HEADER]: appSecret } });
  });
}

async function open(): Promise<void> {
  try {
    daemon = await attachOrStart();
  } catch (err) {
    dialog.showErrorBox('Local Bento could not start', err instanceof Error ? err.message : String(err));
    app.exit(1);
    return;
  }
  lockDown(daemon.base);
  if (daemon.appSecret) vouch(daemon.base, daemon.appSecret);
  handle();
  window = new BrowserWindow({
    width: 1280,
    height: 860,
    title: 'Local Bento',
    webPreferences: {
      preload: join(import.meta.dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  await window.loadURL(`${daemon.base}/`);
}

// One app per user: a second start brings the first window forward instead of starting another daemon.
if (!app.requestSingleInstanceLock()) app.quit();
else {
  app.on('second-instance', () => {
    if (window?.isMinimized()) window.restore();
    window?.focus();
  });
  void app.whenReady().then(open);
}

app.on('window-all-closed', () => app.quit());
let quitting = false;
app.on('before-quit', (event) => {
  if (quitting || !daemon) return;
  // Stop the daemon this app started before the process goes.
  event.preventDefault();
  quitting = true;
  void daemon.stop().finally(() => app.quit());
});
