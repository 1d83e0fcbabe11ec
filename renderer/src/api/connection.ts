// How the page learns the daemon's token without it ever being in a URL that
// is sent or logged: from the desktop app's preload, or from the fragment of
// the link `bento ui` prints (kept in sessionStorage, then removed from the
// address bar), or pasted by hand.

const KEY = 'bento-token';

/** What the Electron preload exposes (electron/preload.cts); absent in a browser. */
export interface DesktopBridge {
  connection(): Promise<{ token: string }>;
  pathForFile(file: File): string;
  saveReceipt(jobId: string): Promise<{ saved: boolean; path?: string; error?: string }>;
  notify(title: string, body: string): void;
}

declare global {
  interface Window {
    bento?: DesktopBridge;
  }
}

export function desktop(): DesktopBridge | undefined {
  return window.bento;
}

/** Moves a `#token=…` fragment into session storage and out of the address bar. */
export function takeTokenFromFragment(): void {
  const m = /(?:^#|&)token=([^&]+)/.exec(window.location.hash);
  if (!m?.[1]) return;
  sessionStorage.setItem(KEY, decodeURIComponent(m[1]));
  history.replaceState(null, '', `${window.location.pathname}#/`);
}

export async function loadToken(): Promise<string | null> {
  const bridge = desktop();
  if (bridge) return (await bridge.connection()).token;
  return sessionStorage.getItem(KEY);
}

export function storeToken(token: string): void {
  sessionStorage.setItem(KEY, token);
}

export function forgetToken(): void {
  sessionStorage.removeItem(KEY);
}
