/**
 * Redaction of URLs for error messages and logs: user names, passwords, query strings and fragments often carry
 * credentials (`https://user:secret@host/…`, `?token=…`, signed URLs), so every URL the SDK puts in an error goes
 * through `redactUrl`. The scheme, host, port and path stay, so the message still says where the failure was.
 */

const REDACTED = 'REDACTED';

/** `url` without credentials: userinfo becomes `REDACTED@`, a query `?REDACTED`, a fragment `#REDACTED`. */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactUnparsed(String(url));
  }
  const userinfo = parsed.username || parsed.password ? `${REDACTED}@` : '';
  const query = parsed.search ? `?${REDACTED}` : '';
  const fragment = parsed.hash ? `#${REDACTED}` : '';
  const authority = parsed.host ? `//${userinfo}${parsed.host}` : '';
  return `${parsed.protocol}${authority}${parsed.pathname}${query}${fragment}`;
}

/** The same rules for text that is not a valid URL (it may still hold a password). */
function redactUnparsed(text: string): string {
  return text
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/?#]*@/i, `$1${REDACTED}@`)
    .replace(/\?[^#]*/, `?${REDACTED}`)
    .replace(/#.*$/, `#${REDACTED}`);
}

/** Every http(s) URL inside `text` (an error message from a lower layer) redacted. */
export function redactUrlsIn(text: string): string {
  return text.replace(/\bhttps?:\/\/[^\s"'<>]+/gi, (match) => redactUrl(match));
}
