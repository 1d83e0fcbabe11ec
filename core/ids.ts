// The one rule for names that become file names or path parts: job, task and
// stream ids in the taskdb and blob ids in the blob store. A name the taskdb
// accepts is always one the blob store accepts, so no stored row can name a
// path outside its folder or make a later lookup throw.

/** Letters, digits, `.`, `_` and `-`; starts with a letter or digit; at most 128 characters. */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export const ID_RULE = 'letters, digits and . _ - only (starting with a letter or digit, at most 128)';

export function isValidId(id: string): boolean {
  return ID_PATTERN.test(id) && !id.includes('..');
}
