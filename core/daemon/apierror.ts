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
