import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured logs on stderr (stdout belongs to command output). The level
 * comes from BENTO_LOG_LEVEL; commands default to warnings only.
 */
export function createLogger(name: string, defaultLevel = 'warn'): Logger {
  return pino({ name, level: process.env.BENTO_LOG_LEVEL ?? defaultLevel }, pino.destination(2));
}
