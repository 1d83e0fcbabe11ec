// The only bridge between the page and the app: one function per need,
// each a fixed IPC call (the main process checks who sends it).

// A plain require: sandboxed preloads have `require` for Electron's modules but no `exports`.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { contextBridge, ipcRenderer, webUtils } = require('electron') as typeof import('electron');

contextBridge.exposeInMainWorld('bento', {
  connection: (): Promise<{ token: string }> => ipcRenderer.invoke('bento:connection'),
  // File.path is gone since Electron 32; this is its replacement.
  pathForFile: (file: File): string => webUtils.getPathForFile(file),
  saveReceipt: (jobId: string): Promise<{ saved: boolean; path?: string; error?: string }> =>
    ipcRenderer.invoke('bento:save-receipt', String(jobId)),
  notify: (title: string, body: string): void => ipcRenderer.send('bento:notify', String(title), String(body)),
});
