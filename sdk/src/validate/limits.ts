/** Input limits applied before validation, so that no input can exhaust memory or the stack. */

export interface InputLimits {
  /** Largest accepted JSON text, in bytes (UTF-8). Default 4 MiB. */
  readonly maxBytes: number;
  /** Deepest accepted nesting of arrays and objects. Default 64. */
  readonly maxDepth: number;
}

export const DEFAULT_LIMITS: InputLimits = { maxBytes: 4 * 1024 * 1024, maxDepth: 64 };

/**
 * Depth of nested arrays/objects in a parsed JSON value, computed iteratively (no recursion, so a hostile input
 * cannot overflow the stack). Stops early once `limit` is exceeded and returns `limit + 1`.
 */
export function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const stack: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  while (stack.length > 0) {
    const item = stack.pop() as { value: unknown; depth: number };
    if (typeof item.value !== 'object' || item.value === null) continue;
    const depth = item.depth + 1;
    if (depth > max) max = depth;
    if (max > limit) return limit + 1;
    const children = Array.isArray(item.value) ? item.value : Object.values(item.value);
    for (const child of children) if (typeof child === 'object' && child !== null) stack.push({ value: child, depth });
  }
  return max;
}
