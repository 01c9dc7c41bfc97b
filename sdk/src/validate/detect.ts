/**
 * Recognises which A2A object a JSON document is, for tools that receive documents of unknown kind (the CLI, the
 * spec-example checker). Detection only proposes candidates; validation decides.
 */
import { A2A_METHODS, type A2A_OBJECTS, type A2AObjectName, isA2AMethod } from '../a2a/catalog.js';
import { extensionIssues } from '../rightsize/extension.js';
import type { ValidationIssue } from './issues.js';
import type { Validator } from './validator.js';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Candidate kinds for `value`, most likely first; empty when nothing fits. */
export function detectKinds(value: unknown): A2AObjectName[] {
  if (!isRecord(value)) return [];
  const has = (...keys: string[]) => keys.every((k) => Object.hasOwn(value, k));
  if (has('jsonrpc')) {
    if (has('method')) return ['JsonRpcRequest'];
    if (has('error')) return ['JsonRpcErrorResponse'];
    return ['JsonRpcSuccessResponse'];
  }
  if (has('supportedInterfaces') || has('skills')) return ['AgentCard'];
  if (has('messageId') || (has('parts') && has('role'))) return ['Message'];
  if (has('artifactId')) return ['Artifact'];
  if (has('taskId', 'artifact')) return ['TaskArtifactUpdateEvent'];
  if (has('taskId', 'status')) return ['TaskStatusUpdateEvent'];
  if (has('id', 'status')) return ['Task'];
  if (has('tasks')) return ['ListTasksResponse'];
  if (has('configs')) return ['ListTaskPushNotificationConfigsResponse'];
  if (has('statusUpdate') || has('artifactUpdate')) return ['StreamResponse'];
  if (has('task')) return ['SendMessageResponse', 'StreamResponse'];
  if (has('message')) {
    return has('configuration') || has('tenant') || has('metadata')
      ? ['SendMessageRequest']
      : ['SendMessageRequest', 'SendMessageResponse'];
  }
  if (has('error')) return ['HttpErrorBody'];
  if (has('url') && (has('taskId') || has('token') || has('authentication') || has('id'))) {
    return ['TaskPushNotificationConfig'];
  }
  if (has('state')) return ['TaskStatus'];
  if (has('protected', 'signature')) return ['AgentCardSignature'];
  if (['text', 'raw', 'url', 'data'].some((k) => has(k))) return ['Part'];
  return [];
}

export interface DocumentReport {
  /** The kind the document was checked as (the first candidate that validates, else the first candidate). */
  readonly kind: string | undefined;
  readonly ok: boolean;
  readonly issues: readonly ValidationIssue[];
}

const prefix = (issues: readonly ValidationIssue[], path: string) => issues.map((i) => ({ ...i, path: path + i.path }));

/**
 * Validate a document as `kind`, or as the detected kind. JSON-RPC requests also have their `params` checked
 * against the method's parameter object (A2A §9.4); a success response's `result` is checked as its detected kind.
 */
export function validateDocument(
  validator: Validator<typeof A2A_OBJECTS>,
  value: unknown,
  kind?: A2AObjectName,
): DocumentReport {
  const candidates = kind ? [kind] : detectKinds(value);
  if (candidates.length === 0) {
    return {
      kind: undefined,
      ok: false,
      issues: [{ path: '', keyword: 'kind', message: 'cannot tell which A2A object this is; pass --kind' }],
    };
  }
  let first: DocumentReport | undefined;
  for (const candidate of candidates) {
    const report = validateAs(validator, value, candidate);
    if (report.ok) return report;
    first ??= report;
  }
  return first as DocumentReport;
}

/** Schema check, then the Rightsize extension members inside the object (spec/v1/rightsize.md). */
function checkWithExtension(validator: Validator<typeof A2A_OBJECTS>, kind: A2AObjectName, value: unknown) {
  const result = validator.check(kind, value);
  return result.ok ? extensionIssues(kind, value) : result.issues;
}

function validateAs(validator: Validator<typeof A2A_OBJECTS>, value: unknown, kind: A2AObjectName): DocumentReport {
  const issues = checkWithExtension(validator, kind, value);
  if (issues.length > 0) return { kind, ok: false, issues };
  if (kind === 'JsonRpcRequest' && isRecord(value)) {
    const method = String(value.method);
    if (!isA2AMethod(method)) {
      return {
        kind,
        ok: false,
        issues: [{ path: '/method', keyword: 'enum', message: `unknown A2A method "${method}"` }],
      };
    }
    const params = checkWithExtension(validator, A2A_METHODS[method].params, value.params ?? {});
    return { kind, ok: params.length === 0, issues: prefix(params, '/params') };
  }
  if (kind === 'JsonRpcSuccessResponse' && isRecord(value)) {
    const inner = validateDocument(validator, value.result);
    if (inner.kind !== undefined && !inner.ok) return { kind, ok: false, issues: prefix(inner.issues, '/result') };
  }
  return { kind, ok: true, issues: [] };
}
