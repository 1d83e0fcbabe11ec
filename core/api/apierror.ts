// An error the API answers with: HTTP status, a type name and a message for
// people (`{ type, msg }` on the wire). Pure, so the renderer's client raises
// the same error from an answer.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

/** The answer's type when a job names a local file (`elfPath`) and the caller is not the desktop app. */
export const LOCAL_PATH_REFUSED = 'LocalPathRefused';

/** The header by which the desktop app's main process vouches for its window's requests (never visible to the page). */
export const APP_SECRET_HEADER = 'x-bento-app';
