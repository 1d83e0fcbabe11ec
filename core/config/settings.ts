// Settings people change from the UI, kept in `settings.json` in the data
// directory (mode 0600: it may hold bucket credentials). Slots and bucket sync
// apply when the daemon next starts; the default po2, retention and watch
// folder at once.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeAtomic } from '../blobs/blobstore.js';
import { Settings } from '../api/contract.js';

export function settingsPath(home: string): string {
  return join(home, 'settings.json');
}

/** The stored settings, defaults for what is missing; a broken file is an error naming it. */
export async function loadSettings(home: string): Promise<Settings> {
  let text: string;
  try {
    text = await readFile(settingsPath(home), 'utf8');
  } catch {
    return Settings.parse({});
  }
  const parsed = Settings.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error(`${settingsPath(home)}: ${z.prettifyError(parsed.error)}`);
  return parsed.data;
}

export async function saveSettings(home: string, settings: Settings): Promise<void> {
  await writeAtomic(settingsPath(home), `${JSON.stringify(settings, null, 2)}\n`);
}
