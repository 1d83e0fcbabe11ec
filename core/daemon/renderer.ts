// The built renderer (dist/renderer, made by `npm run build`) served at `/`,
// so a browser gets the same UI as the desktop app. Pages and assets need no
// token (they hold none); the page gets it from the URL fragment, which
// browsers never send, or from the Electron preload. A strict CSP keeps the
// page to its own scripts and to this daemon.

import { existsSync } from 'node:fs';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { packageRoot } from '../config/paths.js';

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  // WebAssembly: the in-page receipt verifier (the verifier package).
  "script-src 'self' 'wasm-unsafe-eval'",
  "style-src 'self'",
  "img-src 'self' data: blob:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

export function rendererDir(): string {
  return join(packageRoot(), 'dist', 'renderer');
}

/** GET requests for the page and its assets: the only ones served without the token. */
export function isRendererPath(method: string, url: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  const path = url.split('?')[0] ?? '';
  return path === '/' || path === '/index.html' || path === '/favicon.svg' || /^\/assets\/[\w.-]+$/.test(path);
}

export function registerRenderer(app: FastifyInstance, dir = rendererDir()): void {
  const headers = (res: { setHeader(name: string, value: string): void }): void => {
    res.setHeader('content-security-policy', CONTENT_SECURITY_POLICY);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader('referrer-policy', 'no-referrer');
    res.setHeader('cross-origin-opener-policy', 'same-origin');
  };
  if (!existsSync(join(dir, 'index.html'))) {
    app.get('/', async (_req, reply) => {
      headers(reply.raw);
      return reply
        .code(404)
        .type('text/plain; charset=utf-8')
        .send('The Local Bento UI is not built here: run `npm run build` (or `npm install`), then reload.\n');
    });
    return;
  }
  // Only the page and hashed assets; anything else is the API's 404.
  app.register(fastifyStatic, {
    root: dir,
    wildcard: false,
    index: 'index.html',
    setHeaders: headers,
    allowedPath: (path) => isRendererPath('GET', path),
  });
}
