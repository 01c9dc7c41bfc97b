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

/**
 * The agent card could not be fetched: a non-2xx answer (`status`), a redirect that is not followed (to another
 * origin, or past the limit), or a `Location` that is not a URL. `url` is redacted (no credentials or query).
 */
export class AgentCardFetchError extends A2AClientError {
  override readonly name = 'AgentCardFetchError';
  constructor(
    message: string,
    readonly url: string,
    readonly status?: number,
  ) {
    super(message);
  }
}

/**
 * The agent's address is not a public unicast address and private networks are not allowed (SSRF policy). Never
 * retried. The cause is the net layer's AddressNotAllowedError.
 */
export class A2AAddressNotAllowedError extends A2AClientError {
  override readonly name = 'A2AAddressNotAllowedError';
  constructor(
    readonly host: string,
    readonly address: string,
    options: { cause: Error },
  ) {
    super(options.cause.message, options);
  }
}
