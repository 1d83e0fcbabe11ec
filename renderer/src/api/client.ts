// The page's client of the daemon: the one typed client (core/api/client.ts)
// on the page's own origin, with the token it signed in with.

import { ApiClient } from '../../../core/api/client';

let token = '';

/** Dispatched on window when the daemon refuses the token. */
export const SIGNED_OUT = 'bento:signed-out';

export function setToken(value: string): void {
  token = value;
}

export const api = new ApiClient({
  baseUrl: '',
  token: () => token,
  // A restarted daemon has a new token: back to sign-in rather than errors everywhere.
  onUnauthorized: () => window.dispatchEvent(new Event(SIGNED_OUT)),
});
