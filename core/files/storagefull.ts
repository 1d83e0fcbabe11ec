// A full disk (or quota) is a state to wait out, not a crash: SQLite reports
// it as SQLITE_FULL, the filesystem as ENOSPC or EDQUOT.

const FULL_CODES = new Set(['SQLITE_FULL', 'ENOSPC', 'EDQUOT']);

export function isStorageFull(err: unknown): boolean {
  return FULL_CODES.has((err as { code?: unknown } | undefined)?.code as string);
}

export const STORAGE_FULL_MESSAGE =
  "the disk holding Local Bento's data directory is full: free some space and try again";
