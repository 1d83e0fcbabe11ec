// Errors that say the taskdb's server cannot be reached now (it restarts, the
// network drops) rather than that a change is wrong: whoever writes an
// outcome waits and tries again instead of losing it.

// Connection exceptions (08…), the server shutting down or starting (57P01–57P03).
const SERVER_CODES = /^(08|57P0[123])/;
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

export function isTaskDbUnreachable(err: unknown): boolean {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && (SERVER_CODES.test(code) || SOCKET_CODES.has(code))) return true;
  // node-postgres ends a query whose connection dropped with these words and no code.
  const message = err instanceof Error ? err.message : '';
  return /Connection terminated|connection is closed|Client has encountered a connection error|timeout exceeded when trying to connect/i.test(
    message,
  );
}
