/** Credential redaction for server logs: what an exception says must not leak secrets into log files. */

/**
 * The text with URL userinfo, URL query strings, `Bearer`/`Basic` credentials and `key=value` secrets (password,
 * token, secret, api key) replaced by `***`.
 */
export function redactCredentials(text: string): string {
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1***@')
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/[^\s?#]*)\?[^\s#]*/gi, '$1?***')
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, '$1 ***')
    .replace(
      /\b(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key)(\s*[=:]\s*)("[^"]*"|'[^']*'|[^\s&;,]+)/gi,
      '$1$2***',
    );
}

/** A one-line, redacted description of an unknown thrown value (its name and message, never its stack). */
export function describeError(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return redactCredentials(text);
}
