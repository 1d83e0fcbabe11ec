// Which PostgreSQL failures a starting process waits out, and how it waits.

import { describe, expect, it } from 'vitest';
import { TaskDbError } from '../types.js';
import { serverUnavailable, whenReachable } from './unavailable.js';

const withCode = (code: string, message = code): Error => Object.assign(new Error(message), { code });

describe('a PostgreSQL server that is not there yet', () => {
  it('is told apart from errors worth reporting at once', () => {
    for (const code of ['57P01', '57P03', '08006', 'ECONNREFUSED', 'ECONNRESET'])
      expect(serverUnavailable(withCode(code)), code).toBe(true);
    expect(serverUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    // The pool's own word for a server that did not answer in time (a network partition).
    expect(serverUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    // A wrong password, a missing database, a host that does not resolve, a taskdb refusal: not waited out.
    for (const code of ['28P01', '3D000', 'ENOTFOUND']) expect(serverUnavailable(withCode(code)), code).toBe(false);
    expect(serverUnavailable(new TaskDbError('invalid_state', 'no'))).toBe(false);
    expect(serverUnavailable('57P01')).toBe(false);
  });

  it('is retried until it answers, each failure reported', async () => {
    const heard: string[] = [];
    let calls = 0;
    const value = await whenReachable(
      async () => {
        calls += 1;
        if (calls < 3) throw withCode('57P03', 'the database system is starting up');
        return 'up';
      },
      (err) => heard.push(err.message),
    );
    expect(value).toBe('up');
    expect(heard).toEqual(['the database system is starting up', 'the database system is starting up']);
  });

  it('gives up with the last error after its time, and at once on any other error', async () => {
    let calls = 0;
    const down = whenReachable(
      async () => {
        calls += 1;
        throw withCode('ECONNREFUSED', 'connect ECONNREFUSED 127.0.0.1:5432');
      },
      () => undefined,
      600,
    );
    await expect(down).rejects.toThrow('connect ECONNREFUSED 127.0.0.1:5432');
    expect(calls).toBeGreaterThanOrEqual(2);
    const wrongPassword = whenReachable(
      async () => {
        throw withCode('28P01', 'password authentication failed');
      },
      () => {
        throw new Error('not waited out');
      },
    );
    await expect(wrongPassword).rejects.toThrow('password authentication failed');
  });
});
