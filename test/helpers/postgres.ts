// PostgreSQL for tests: the benchmark's throwaway server (bench/pgserver.ts),
// and whether the tests that need one run here. Without the Debian package
// they skip with the reason, except under CI (`.ci/run` installs it).

import { postgresBin } from '../../bench/pgserver.js';

export { PostgresServer } from '../../bench/pgserver.js';

/** Why PostgreSQL tests cannot run here (undefined when they can); under CI its absence is an error. */
export function postgresMissing(): string | undefined {
  if (postgresBin()) return undefined;
  const reason = 'PostgreSQL (initdb, pg_ctl) is not installed: apt-get install postgresql';
  if (process.env.CI === 'true') throw new Error(`${reason} (.ci/run installs it)`);
  return reason;
}
