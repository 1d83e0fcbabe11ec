// How request bodies reach the routes. Uploads are not buffered: the route
// gets the request stream and the blob store writes it to disk with the size
// bound, so many large uploads at once cost disk, not memory. JSON is parsed
// by fastify's own parser (prototype-poisoning checks) and refused beyond a
// nesting depth, so no handler recurses over a hostile structure.

import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { ApiError } from '../api/apierror.js';

export const MAX_JSON_DEPTH = 64;

export function registerBodyParsers(app: FastifyInstance): void {
  app.removeContentTypeParser(['text/plain']);
  app.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  const json = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser(['application/json']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    json(req, body as string, (err, value) => {
      if (err) return done(err);
      if (deeperThan(value, MAX_JSON_DEPTH))
        return done(new ApiError(400, 'InvalidRequest', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`));
      done(null, value);
    });
  });
}

/** Whether a parsed JSON value nests objects or arrays deeper than `max` (iterative: no recursion). */
export function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let next = stack.pop(); next; next = stack.pop()) {
    const [v, depth] = next;
    if (v === null || typeof v !== 'object') continue;
    if (depth >= max) return true;
    for (const child of Object.values(v)) stack.push([child, depth + 1]);
  }
  return false;
}

/** An upload's body as the blob store takes it: the request stream, or nothing (an empty upload). */
export function uploadBody(body: unknown): Readable | Buffer {
  if (body instanceof Readable || Buffer.isBuffer(body)) return body;
  if (body === undefined || body === null) return Buffer.alloc(0);
  throw new ApiError(400, 'InvalidRequest', 'the upload must be raw bytes');
}
