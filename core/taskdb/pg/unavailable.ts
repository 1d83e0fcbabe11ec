// A PostgreSQL server that is down, starting up or shutting down: what a
// process waits out (retrying) instead of failing, when it starts while the
// database restarts.

// Admin or crash shutdown, "the database system is starting up", and the
// connection-exception class.
const SERVER_CODES = new Set(['57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006']);
// Nothing listening yet, or the connection dropped under the query.
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

export function serverUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (SERVER_CODES.has(code) || SOCKET_CODES.has(code))) return true;
  // pg's own words for a connection the server closed, or one not made in time, which carry no code.
  return /^(Connection terminated|timeout exceeded when trying to connect)/.test(err.message);
}

/**
 * Runs `fn` until it succeeds, retrying (with a growing pause, at most 5 s)
 * while the server is unavailable, for at most `withinMs`; any other error,
 * or the last one, is thrown. `waiting` hears each failed attempt.
 */
export async function whenReachable<T>(
  fn: () => Promise<T>,
  waiting: (err: Error) => void,
  withinMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + withinMs;
  for (let pauseMs = 250; ; pauseMs = Math.min(5000, pauseMs * 2)) {
    try {
      return await fn();
    } catch (err) {
      if (!serverUnavailable(err) || Date.now() + pauseMs > deadline) throw err;
      waiting(err as Error);
      await new Promise((resolve) => setTimeout(resolve, pauseMs));
    }
  }
}
