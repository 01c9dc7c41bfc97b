/**
 * The requirement ids of the official A2A TCK (a2aproject/a2a-tck, branch 1.0-dev, `tck/requirements/*.py`) and the
 * checks of this suite that cover each, for the coverage table in the README (`rightsize-conformance --coverage`).
 */
import type { CheckDefinition } from './model.js';

/** TCK requirement id → the TCK's own area (its requirements module). */
export const TCK_REQUIREMENTS: Readonly<Record<string, string>> = Object.fromEntries(
  (
    [
      [
        'core operations (§3)',
        'CORE-SEND-001 CORE-SEND-002 CORE-SEND-003 CORE-STREAM-001 CORE-STREAM-002 CORE-STREAM-003 CORE-GET-001 CORE-GET-002 CORE-LIST-001 CORE-LIST-002 CORE-LIST-003 CORE-LIST-004 CORE-LIST-005 CORE-CANCEL-001 CORE-CANCEL-002 CORE-CANCEL-003 CORE-EXECUTION-MODE-001 CORE-EXECUTION-MODE-002 CORE-ERR-001 CORE-ERR-002 CORE-CAP-001 CORE-CAP-002 CORE-CAP-003 CORE-CAP-004 CORE-MULTI-001 CORE-MULTI-001a CORE-MULTI-002 CORE-MULTI-002a CORE-MULTI-003 CORE-MULTI-004 CORE-MULTI-005 CORE-MULTI-006 CORE-HIST-001 CORE-HIST-002 CORE-HIST-003 CORE-HIST-004 CORE-HIST-005 CORE-HIST-006',
      ],
      [
        'streaming (§3.5, §3.1.6)',
        'STREAM-ORDER-001 STREAM-ORDER-002 STREAM-ORDER-003 STREAM-ORDER-004 STREAM-SUB-001 STREAM-SUB-002 STREAM-SUB-003 STREAM-SUB-004',
      ],
      [
        'agent card (§8)',
        'CARD-DISC-001 CARD-PROTO-001 CARD-PROTO-002 CARD-STRUCT-001 CARD-EXT-001 CARD-EXT-002 CARD-SIGN-001 CARD-SIGN-002 CARD-SIGN-003 CARD-SIGN-004 CARD-CACHE-001 CARD-CACHE-002 CARD-CACHE-003',
      ],
      ['versioning (§3.6)', 'VER-CLIENT-001 VER-CLIENT-002 VER-SERVER-001 VER-SERVER-002 VER-SERVER-003'],
      [
        'HTTP+JSON binding (§11)',
        'HTTP_JSON-URL-001 HTTP_JSON-URL-002 HTTP_JSON-SVC-001 HTTP_JSON-SVC-002 HTTP_JSON-QP-001 HTTP_JSON-ERR-001 HTTP_JSON-ERR-002 HTTP_JSON-STATUS-001 HTTP_JSON-SSE-001',
      ],
    ] as const
  ).flatMap(([area, ids]) => ids.split(' ').map((id) => [id, area])),
);

/** Why a TCK requirement has no check here. */
export const NOT_COVERED: Readonly<Record<string, string>> = {
  'CARD-SIGN-004': 'a verifying client’s key handling, not observable on the agent',
  'VER-CLIENT-001': 'a client requirement (this suite sends A2A-Version on every request)',
  'HTTP_JSON-SVC-002': 'a client requirement (this suite sends service parameters as headers)',
};

/** A markdown table: TCK area, requirement id, the checks covering it (or why none does). */
export function coverageTable(checks: readonly CheckDefinition[]): string {
  const rows = ['| TCK area | TCK requirement | checks of this suite |', '| --- | --- | --- |'];
  for (const [id, area] of Object.entries(TCK_REQUIREMENTS)) {
    const covering = checks.filter((c) => c.tck?.includes(id)).map((c) => `\`${c.id}\``);
    rows.push(
      `| ${area} | ${id} | ${covering.length ? covering.join('<br>') : `not covered: ${NOT_COVERED[id] ?? 'no check yet'}`} |`,
    );
  }
  return rows.join('\n');
}
