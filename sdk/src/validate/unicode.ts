/**
 * Lone UTF-16 surrogates (U+D800–U+DFFF without their pair). JSON may escape one (`"\ud800"`), but no UTF-8 text can
 * hold it: not an A2A string (a proto string is UTF-8), not PostgreSQL text or jsonb. Servers refuse such input;
 * clients replace them with U+FFFD, as a UTF-8 decoder does with invalid bytes. Walks are iterative (no recursion on
 * hostile depth).
 */

const LONE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const LONE_ALL = new RegExp(LONE.source, 'g');
/** A surrogate escape or a raw surrogate: only a JSON text matching this can parse to a string holding a lone one. */
const MAYBE = /\\u[dD][89a-fA-F]|[\uD800-\uDFFF]/;

/** Cheap pre-check on a JSON text: false means its parsed value holds no lone surrogate. */
export function mayHoldLoneSurrogate(jsonText: string): boolean {
  return MAYBE.test(jsonText);
}

/** Calls `visit` on every string of a parsed JSON value, member names included, until it returns true. */
function someString(value: unknown, visit: (s: string) => boolean): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (typeof item === 'string') {
      if (visit(item)) return true;
    } else if (Array.isArray(item)) {
      for (const member of item) stack.push(member);
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, member] of Object.entries(item)) {
        if (visit(key)) return true;
        stack.push(member);
      }
    }
  }
  return false;
}

/** Whether some string of a parsed JSON value (member names included) holds a lone surrogate. */
export function holdsLoneSurrogate(value: unknown): boolean {
  return someString(value, (s) => LONE.test(s));
}

/** The value with every lone surrogate (in strings and member names) replaced by U+FFFD; changes it in place. */
export function withoutLoneSurrogates<T>(value: T): T {
  const fix = (s: string) => s.replace(LONE_ALL, '\uFFFD');
  if (typeof value === 'string') return fix(value) as T;
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const item = stack.pop();
    if (Array.isArray(item)) {
      item.forEach((member, i) => {
        if (typeof member === 'string') item[i] = fix(member);
        else stack.push(member);
      });
    } else if (typeof item === 'object' && item !== null) {
      const record = item as Record<string, unknown>;
      for (const [key, member] of Object.entries(record)) {
        const fixedKey = fix(key);
        if (fixedKey !== key) delete record[key];
        record[fixedKey] = typeof member === 'string' ? fix(member) : member;
        if (typeof member !== 'string') stack.push(member);
      }
    }
  }
  return value;
}
