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
 * cannot overflow the stack) with two parallel stacks (no object per node). Stops early once `limit` is exceeded and
 * returns `limit + 1`.
 */
export function jsonDepth(value: unknown, limit: number): number {
  let max = 0;
  const values: object[] = [];
  const depths: number[] = [];
  const visit = (child: unknown, depth: number) => {
    if (typeof child !== 'object' || child === null) return;
    values.push(child);
    depths.push(depth);
  };
  visit(value, 1);
  while (values.length > 0) {
    const item = values.pop() as object;
    const depth = depths.pop() as number;
    if (depth > max) max = depth;
    if (max > limit) return limit + 1;
    if (Array.isArray(item)) for (const child of item) visit(child, depth + 1);
    else for (const key in item) if (Object.hasOwn(item, key)) visit((item as Record<string, unknown>)[key], depth + 1);
  }
  return max;
}
