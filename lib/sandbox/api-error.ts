/**
 * An error response of the sandbox API: HTTP status, an OAuth-style error code
 * and a sentence for the person reading the client's log.
 */
export class SandboxApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'SandboxApiError';
  }

  /** Builds the body `{ "error": code, "error_description": message }`. */
  body(): { error: string; error_description: string } {
    return { error: this.code, error_description: this.message };
  }
}
