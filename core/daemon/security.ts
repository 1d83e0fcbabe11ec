// What every request must pass: the daemon's token, and a Host header naming
// the address the daemon listens on (a page elsewhere cannot reach it through
// DNS rebinding). No CORS headers are ever sent.

import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from '../api/apierror.js';

export function newToken(): string {
  return randomBytes(24).toString('base64url');
}

function sameToken(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The hosts a request may name: loopback names at the daemon's port, and the bound host. */
export function allowedHosts(host: string, port: number): Set<string> {
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', host.includes(':') ? `[${host}]` : host]);
  return new Set([...names].map((n) => `${n}:${port}`));
}

/** The guard of every request; `open` names those that need no token (the UI's page and assets). */
export function guard(token: string, hosts: () => Set<string>, open: (method: string, url: string) => boolean) {
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    if (!hosts().has((request.headers.host ?? '').toLowerCase())) {
      throw new ApiError(
        403,
        'Forbidden',
        `requests must name this daemon's address as Host, not ${JSON.stringify(request.headers.host ?? '')}`,
      );
    }
    if (open(request.method, request.url)) return;
    const apiKey = request.headers['x-api-key'];
    const bearer = /^Bearer (.+)$/.exec(request.headers.authorization ?? '')?.[1];
    const given = typeof apiKey === 'string' ? apiKey : bearer;
    if (!given || !sameToken(given, token))
      throw new ApiError(401, 'Unauthorized', 'missing or wrong API key (x-api-key or Authorization: Bearer)');
  };
}
