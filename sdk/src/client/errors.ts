/** Client-side failures that are not A2A errors from the agent: transport, timeout, and malformed answers. */

export class A2AClientError extends Error {
  override readonly name: string = 'A2AClientError';
}

/** The agent could not be reached, or the connection broke. */
export class A2AConnectionError extends A2AClientError {
  override readonly name = 'A2AConnectionError';
}

/** The call did not finish within its time limit. */
export class A2ATimeoutError extends A2AClientError {
  override readonly name = 'A2ATimeoutError';
}

/** The caller's AbortSignal fired. */
export class A2AAbortError extends A2AClientError {
  override readonly name = 'A2AAbortError';
}
