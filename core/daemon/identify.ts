// How a client proves that the process on daemon.json's port is our daemon
// before it sends the token or any data: it sends a fresh nonce, and only the
// holder of the token can answer with HMAC-SHA256(token, nonce). The answer
// reveals nothing about the token. Free of the engine (the desktop app's main
// process uses it).

import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export const IDENTIFY_PATH = '/api/identify';
const NONCE = /^[0-9a-f]{64}$/;

export function newNonce(): string {
  return randomBytes(32).toString('hex');
}

export function isNonce(value: unknown): value is string {
  return typeof value === 'string' && NONCE.test(value);
}

/** The answer to a nonce: only the token's holder can compute it. */
export function identityProof(token: string, nonce: string): string {
  return createHmac('sha256', token).update(`local-bento identify ${nonce}`).digest('hex');
}

export function isIdentityProof(token: string, nonce: string, proof: unknown): boolean {
  if (typeof proof !== 'string') return false;
  const expected = Buffer.from(identityProof(token, nonce));
  const given = Buffer.from(proof);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/** The one API route served without the token (besides the UI's page): it answers the challenge. */
export function isIdentifyPath(method: string, url: string): boolean {
  return method === 'GET' && (url.split('?')[0] ?? '') === IDENTIFY_PATH;
}
