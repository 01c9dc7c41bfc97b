/**
 * Turns ajv's raw errors into short, human messages with JSON-pointer paths. One failing field gives one issue;
 * a failed `oneof` group says which members were expected or clash instead of listing every branch.
 */
import type { ErrorObject } from 'ajv';

/** One problem found in an input. */
export interface ValidationIssue {
  /** JSON pointer (RFC 6901) to the offending value; `""` is the whole document. */
  readonly path: string;
  readonly message: string;
  /** The JSON Schema keyword that failed, or `limit`/`syntax` for problems found before validation. */
  readonly keyword: string;
}

const escapePointer = (segment: string) => segment.replace(/~/g, '~0').replace(/\//g, '~1');

function describeType(expected: unknown): string {
  const names = String(expected).split(',');
  return names
    .map((n) => (n === 'integer' ? 'an integer' : n === 'object' || n === 'array' ? `an ${n}` : `a ${n}`))
    .join(' or ');
}

function messageFor(error: ErrorObject): { path: string; message: string } {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: `${error.instancePath}/${escapePointer(String(params.missingProperty))}`, message: 'is required' };
    case 'additionalProperties':
      return {
        path: `${error.instancePath}/${escapePointer(String(params.additionalProperty))}`,
        message: 'is not a known field (strict mode)',
      };
    case 'type':
      return { path: error.instancePath, message: `must be ${describeType(params.type)}` };
    case 'enum':
      return {
        path: error.instancePath,
        message: `must be one of: ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`,
      };
    case 'const':
      return { path: error.instancePath, message: `must be ${JSON.stringify(params.allowedValue)}` };
    case 'minItems':
      return {
        path: error.instancePath,
        message: params.limit === 1 ? 'must not be empty' : `must have at least ${params.limit} items`,
      };
    case 'minLength':
      return {
        path: error.instancePath,
        message: params.limit === 1 ? 'must not be empty' : `must be at least ${params.limit} characters`,
      };
    case 'format':
      return { path: error.instancePath, message: `must be a valid ${params.format}` };
    case 'pattern':
      return {
        path: error.instancePath,
        message:
          error.parentSchema?.format === 'date-time'
            ? 'must be an ISO 8601 UTC timestamp ending in Z'
            : `must match ${params.pattern}`,
      };
    case 'not':
      return { path: error.instancePath, message: 'must not be present here' };
    default:
      return { path: error.instancePath, message: error.message ?? `fails ${error.keyword}` };
  }
}

/** Members of a `oneof` group present on the failing value. */
function presentMembers(data: unknown, members: readonly string[]): string[] {
  if (typeof data !== 'object' || data === null) return [];
  return members.filter((m) => Object.hasOwn(data, m));
}

/**
 * Reduce ajv errors (collected with `allErrors`) to issues. For a failed `oneof` (`anyOf` with `x-oneof`):
 * none or several members present gives one issue; exactly one present keeps only that branch's errors.
 */
export function toIssues(errors: readonly ErrorObject[]): ValidationIssue[] {
  const dropped = new Set<ErrorObject>();
  const issues: ValidationIssue[] = [];
  for (const error of errors) {
    const members = error.keyword === 'anyOf' ? (error.parentSchema?.['x-oneof'] as string[] | undefined) : undefined;
    if (!members) continue;
    const present = presentMembers(error.data, members);
    const branchPrefix = `${error.schemaPath.slice(0, -'/anyOf'.length)}/anyOf/`;
    const keepBranch = present.length === 1 ? members.indexOf(present[0] as string) : -1;
    for (const other of errors) {
      if (other === error || !other.schemaPath.startsWith(branchPrefix)) continue;
      if (other.instancePath !== error.instancePath && !other.instancePath.startsWith(`${error.instancePath}/`))
        continue;
      const branch = Number(other.schemaPath.slice(branchPrefix.length).split('/')[0]);
      if (branch !== keepBranch) dropped.add(other);
    }
    dropped.add(error);
    if (present.length === 0) {
      issues.push({
        path: error.instancePath,
        keyword: 'oneOf',
        message: `must have exactly one of: ${members.join(', ')}`,
      });
    } else if (present.length > 1) {
      issues.push({
        path: error.instancePath,
        keyword: 'oneOf',
        message: `must have only one of: ${present.join(', ')}`,
      });
    }
  }
  for (const error of errors) {
    if (dropped.has(error)) continue;
    issues.push({ ...messageFor(error), keyword: error.keyword });
  }
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.path}\u0000${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `path: message` lines for terminals and logs. */
export function formatIssues(issues: readonly ValidationIssue[]): string {
  return issues.map((i) => `  ${i.path || '(root)'}: ${i.message}`).join('\n');
}
