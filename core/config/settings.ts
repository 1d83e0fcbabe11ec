// Settings people change from the UI, kept in `settings.json` in the data
// directory (mode 0600: it may hold bucket credentials). Slots and bucket sync
// apply when the daemon next starts; the default po2, retention and watch
// folder at once.

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { writeAtomic } from '../blobs/blobstore.js';
import { S3Config } from '../sync/s3sync.js';

export const Settings = z.object({
  slots: z
    .object({
      exec: z.number().int().min(1).max(64),
      prove: z.number().int().min(1).max(64),
      join: z.number().int().min(1).max(64),
      aux: z.number().int().min(1).max(64),
    })
    .partial()
    .default({}),
  defaultPo2: z.number().int().min(14).max(22).default(20),
  /** How long a finished job's work directory is kept. */
  retentionHours: z
    .number()
    .min(0)
    .max(24 * 365)
    .default(24),
  /** A folder whose dropped ELFs are proved (`bento serve --watch` overrides it). */
  watchFolder: z.string().min(1).nullable().default(null),
  /** Bucket sync (BENTO_S3_* in the environment override it); applies when the daemon next starts. */
  s3: S3Config.nullable().default(null),
});
export type Settings = z.infer<typeof Settings>;

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
