// The packaged app's Electron fuses: flipped into a binary's fuse wire as
// Electron's security checklist asks (a stand-in binary: Electron's own cannot
// be downloaded here; the wire format is the one Electron compiles in).

import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { FuseState, FuseV1Options, getCurrentFuseWire } from '@electron/fuses';
import { expect, it } from 'vitest';
import { applyFuses } from '../electron/fuses.js';
import { tempDir } from './helpers/tmp.js';

const SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';

it('turns off running as Node, NODE_OPTIONS and --inspect, and turns on cookie encryption and ASAR integrity', async () => {
  const binary = join(tempDir(), 'electron');
  // Electron's defaults: every fuse of the wire enabled except the ASAR ones.
  const wire = Buffer.from('111100111', 'latin1');
  writeFileSync(
    binary,
    Buffer.concat([
      Buffer.alloc(4096, 0xcc),
      Buffer.from(SENTINEL),
      Buffer.from([1, wire.length]),
      wire,
      Buffer.alloc(4096, 0xcc),
    ]),
  );
  await applyFuses(binary);
  const fuses = (await getCurrentFuseWire(binary)) as unknown as Record<number, number>;
  expect(fuses[FuseV1Options.RunAsNode]).toBe(FuseState.DISABLE);
  expect(fuses[FuseV1Options.EnableNodeOptionsEnvironmentVariable]).toBe(FuseState.DISABLE);
  expect(fuses[FuseV1Options.EnableNodeCliInspectArguments]).toBe(FuseState.DISABLE);
  expect(fuses[FuseV1Options.EnableCookieEncryption]).toBe(FuseState.ENABLE);
  expect(fuses[FuseV1Options.EnableEmbeddedAsarIntegrityValidation]).toBe(FuseState.ENABLE);
  expect(fuses[FuseV1Options.OnlyLoadAppFromAsar]).toBe(FuseState.ENABLE);
  expect(fuses[FuseV1Options.GrantFileProtocolExtraPrivileges]).toBe(FuseState.DISABLE);
  // Only the wire changed.
  expect(readFileSync(binary).length).toBe(4096 + SENTINEL.length + 2 + wire.length + 4096);
});
