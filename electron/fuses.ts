// Electron's fuses for the packaged app (Electron's security checklist). They
// are compiled into the Electron binary, not set at run time, so packaging
// flips them in the app's binary as its last step: `npm run fuses -- <binary>`.

import { FuseV1Options, FuseVersion, flipFuses } from '@electron/fuses';

export const FUSES = {
  version: FuseVersion.V1,
  // The binary cannot be run as a plain Node (ELECTRON_RUN_AS_NODE), nor take NODE_OPTIONS or --inspect.
  [FuseV1Options.RunAsNode]: false,
  [FuseV1Options.EnableNodeOptionsEnvironmentVariable]: false,
  [FuseV1Options.EnableNodeCliInspectArguments]: false,
  // Cookies and storage on disk are encrypted with the OS keychain.
  [FuseV1Options.EnableCookieEncryption]: true,
  // The app code is loaded only from its ASAR archive, checked against its embedded hash.
  [FuseV1Options.EnableEmbeddedAsarIntegrityValidation]: true,
  [FuseV1Options.OnlyLoadAppFromAsar]: true,
  [FuseV1Options.GrantFileProtocolExtraPrivileges]: false,
} as const;

/** Flips the fuses in a packaged Electron binary (or macOS .app). */
export async function applyFuses(binary: string): Promise<void> {
  await flipFuses(binary, FUSES);
}
