#!/usr/bin/env node
// The last step of packaging the desktop app: flips Electron's fuses in the
// packaged binary (see electron/fuses.ts). Usage: npm run fuses -- <binary or .app>

import { applyFuses } from '../dist/electron/fuses.js';

const binary = process.argv[2];
if (!binary) {
  process.stderr.write('usage: npm run fuses -- <packaged Electron binary or .app>\n');
  process.exit(2);
}
await applyFuses(binary);
process.stdout.write(`fuses set in ${binary}\n`);
