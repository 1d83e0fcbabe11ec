// The desktop app's main process with Electron's modules stood in for (its
// binary cannot be downloaded here): the window's security settings, who may
// call the preload's functions, navigation and pop-ups, and quitting.

import { beforeAll, describe, expect, it, vi } from 'vitest';

const fake = vi.hoisted(() => {
  type Listener = (...args: unknown[]) => unknown;
  const on = () => {
    const listeners = new Map<string, Listener[]>();
    return {
      listeners,
      on(name: string, fn: Listener) {
        listeners.set(name, [...(listeners.get(name) ?? []), fn]);
      },
      emit(name: string, ...args: unknown[]) {
        for (const fn of listeners.get(name) ?? []) fn(...args);
      },
    };
  };
  const app = Object.assign(on(), {
    whenReady: () => Promise.resolve(),
    quit: () => app.emit('quit-called'),
    exit: (code: number) => app.emit('exit-called', code),
    getPath: () => '/downloads',
    requestSingleInstanceLock: vi.fn(() => true),
  });
  const windows: { options: Record<string, unknown>; webContents: object; loaded: string[] }[] = [];
  class BrowserWindow {
    webContents = { id: windows.length };
    loaded: string[] = [];
    focus = vi.fn();
    restore = vi.fn();
    isMinimized = () => true;
    constructor(readonly options: Record<string, unknown>) {
      windows.push(this);
    }
    async loadURL(url: string) {
      this.loaded.push(url);
    }
  }
  const handlers = new Map<string, Listener>();
  const ipcMain = {
    handle: (channel: string, fn: Listener) => handlers.set(channel, fn),
    on: (channel: string, fn: Listener) => handlers.set(channel, fn),
  };
  const dialog = { showSaveDialog: vi.fn(async () => ({ canceled: true })), showErrorBox: vi.fn() };
  const notifications: { title: string; body: string }[] = [];
  class Notification {
    static isSupported = () => true;
    constructor(readonly options: { title: string; body: string }) {}
    show() {
      notifications.push(this.options);
    }
  }
  const session = {
    defaultSession: {
      setPermissionRequestHandler: vi.fn(),
      setPermissionCheckHandler: vi.fn(),
      webRequest: { onBeforeSendHeaders: vi.fn() },
    },
  };
  const daemon = {
    port: 4321,
    token: 'the-token',
    pid: 1,
    base: 'http://127.0.0.1:4321',
    appSecret: 'the-app-secret',
    stop: vi.fn(async () => {}),
  };
  return { app, windows, BrowserWindow, handlers, ipcMain, dialog, Notification, notifications, session, daemon };
});

vi.mock('electron', () => ({
  app: fake.app,
  BrowserWindow: fake.BrowserWindow,
  ipcMain: fake.ipcMain,
  dialog: fake.dialog,
  Notification: fake.Notification,
  session: fake.session,
}));
vi.mock('../electron/daemon.js', () => ({ attachOrStart: async () => fake.daemon }));

const ours = (url = `${fake.daemon.base}/#/jobs`) => ({ sender: fake.windows[0]?.webContents, senderFrame: { url } });

beforeAll(async () => {
  await import('../electron/main.js');
  await vi.waitFor(() => expect(fake.windows[0]?.loaded).toEqual([`${fake.daemon.base}/`]));
});

describe('the desktop main process', () => {
  it('opens one sandboxed, isolated window without Node on the daemon UI', () => {
    expect(fake.windows).toHaveLength(1);
    const prefs = fake.windows[0]?.options.webPreferences as Record<string, unknown>;
    expect(prefs).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String(prefs.preload)).toMatch(/preload\.cjs$/);
    const permission = vi.fn();
    (fake.session.defaultSession.setPermissionRequestHandler.mock.calls[0]?.[0] as (...a: unknown[]) => void)(
      null,
      'media',
      permission,
    );
    expect(permission).toHaveBeenCalledWith(false);
    // Permission checks (navigator.permissions, clipboard reads…) are refused too.
    const check = fake.session.defaultSession.setPermissionCheckHandler.mock.calls[0]?.[0] as (
      ...a: unknown[]
    ) => boolean;
    expect(check(null, 'clipboard-read', fake.daemon.base)).toBe(false);
    expect(fake.app.requestSingleInstanceLock).toHaveBeenCalled();
  });

  it('brings its window forward when started a second time', () => {
    fake.app.emit('second-instance');
    const window = fake.windows[0] as unknown as { restore: ReturnType<typeof vi.fn>; focus: ReturnType<typeof vi.fn> };
    expect(window.restore).toHaveBeenCalled();
    expect(window.focus).toHaveBeenCalled();
    expect(fake.windows).toHaveLength(1);
  });

  it("vouches for its window's job requests to the daemon it started, out of the page's sight", () => {
    const [filter, listener] = fake.session.defaultSession.webRequest.onBeforeSendHeaders.mock.calls[0] as unknown as [
      { urls: string[] },
      (
        details: { requestHeaders: Record<string, string> },
        cb: (r: { requestHeaders: Record<string, string> }) => void,
      ) => void,
    ];
    expect(filter.urls).toEqual([`${fake.daemon.base}/api/jobs`]);
    const sent = vi.fn();
    listener({ requestHeaders: { 'x-api-key': 'the-token' } }, sent);
    expect(sent).toHaveBeenCalledWith({
      requestHeaders: { 'x-api-key': 'the-token', 'x-bento-app': 'the-app-secret' },
    });
  });

  it('hands the token only to its own window showing the daemon page', async () => {
    const connection = fake.handlers.get('bento:connection') as (event: unknown) => unknown;
    expect(connection(ours())).toEqual({ token: 'the-token' });
    expect(() => connection({ sender: {}, senderFrame: { url: `${fake.daemon.base}/` } })).toThrow(/refused/);
    expect(() => connection(ours('https://evil.example/'))).toThrow(/refused/);
    expect(() => connection(ours(`${fake.daemon.base}.evil.example/`))).toThrow(/refused/);
  });

  it('checks job ids and honours a cancelled save dialog', async () => {
    const save = fake.handlers.get('bento:save-receipt') as (event: unknown, id: unknown) => Promise<unknown>;
    expect(await save(ours(), '../../etc/passwd')).toEqual({ saved: false, error: 'invalid job id' });
    expect(await save(ours(), 'job-1')).toEqual({ saved: false });
    expect(fake.dialog.showSaveDialog).toHaveBeenCalledTimes(1);
    await expect(save(ours('https://evil.example/'), 'job-1')).rejects.toThrow(/refused/);
  });

  it('shows notifications from its window only', () => {
    const notify = fake.handlers.get('bento:notify') as (event: unknown, title: unknown, body: unknown) => void;
    notify(ours(), 'Proof succeeded', 'Job abc succeeded after 40 s');
    notify(ours('https://evil.example/'), 'spoof', 'spoof');
    notify(ours(), { not: 'a string' }, 'x');
    expect(fake.notifications).toEqual([{ title: 'Proof succeeded', body: 'Job abc succeeded after 40 s' }]);
  });

  it('denies new windows and navigation away from the daemon', () => {
    let openHandler: (() => unknown) | undefined;
    const listeners = new Map<string, (event: { preventDefault: () => void }, url?: string) => void>();
    const contents = {
      setWindowOpenHandler: (fn: () => unknown) => (openHandler = fn),
      on: (name: string, fn: never) => listeners.set(name, fn),
    };
    fake.app.emit('web-contents-created', {}, contents);
    expect(openHandler?.()).toEqual({ action: 'deny' });
    const navigate = (url: string): boolean => {
      const preventDefault = vi.fn();
      listeners.get('will-navigate')?.({ preventDefault }, url);
      return preventDefault.mock.calls.length === 0;
    };
    expect(navigate(`${fake.daemon.base}/#/receipts`)).toBe(true);
    expect(navigate('https://evil.example/')).toBe(false);
    expect(navigate('file:///etc/passwd')).toBe(false);
    const redirect = (url: string): boolean => {
      const preventDefault = vi.fn();
      listeners.get('will-redirect')?.({ preventDefault }, url);
      return preventDefault.mock.calls.length === 0;
    };
    expect(redirect(`${fake.daemon.base}/`)).toBe(true);
    expect(redirect('https://evil.example/')).toBe(false);
    const webview = vi.fn();
    listeners.get('will-attach-webview')?.({ preventDefault: webview });
    expect(webview).toHaveBeenCalled();
  });

  it('stops the daemon before quitting', async () => {
    const quit = vi.fn();
    fake.app.on('quit-called', quit);
    const preventDefault = vi.fn();
    fake.app.emit('before-quit', { preventDefault });
    expect(preventDefault).toHaveBeenCalled();
    await vi.waitFor(() => expect(quit).toHaveBeenCalled());
    expect(fake.daemon.stop).toHaveBeenCalledTimes(1);
    // The second before-quit (from that quit) goes through.
    const again = vi.fn();
    fake.app.emit('before-quit', { preventDefault: again });
    expect(again).not.toHaveBeenCalled();
  });
});
