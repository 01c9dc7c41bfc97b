/**
 * Extracts every JSON example from the A2A specification (```json blocks and the bodies of ```http blocks,
 * including SSE `data:` lines) and says which object each should be, from the HTTP request line when there is one.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { A2AObjectName } from '../../src/a2a/catalog.js';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const SPEC_PATH = join(REPO_ROOT, '..', 'shared', 'reference', 'a2a-v1.0', 'specification.md');

export interface SpecExample {
  /** Stable identifier: section number (or heading) and the index of the JSON document within it. */
  readonly id: string;
  readonly line: number;
  readonly text: string;
  /** Kind implied by the HTTP context; undefined means detect from content. */
  readonly kind?: A2AObjectName;
}

/** Kind of a request body by method and path (A2A §11.3), or of the response to it. */
function kindsForRequest(method: string, path: string): { request?: A2AObjectName; response?: A2AObjectName } {
  const p = path.split('?')[0] ?? '';
  if (/message:(send|stream)$/.test(p)) return { request: 'SendMessageRequest', response: 'SendMessageResponse' };
  if (/:cancel$/.test(p)) return { request: 'CancelTaskRequest', response: 'Task' };
  if (/pushNotificationConfigs$/.test(p)) {
    return method === 'POST'
      ? { request: 'TaskPushNotificationConfig', response: 'TaskPushNotificationConfig' }
      : { response: 'ListTaskPushNotificationConfigsResponse' };
  }
  if (/pushNotificationConfigs\/[^/]+$/.test(p)) return { response: 'TaskPushNotificationConfig' };
  if (/extendedAgentCard$|agent-card\.json$/.test(p)) return { response: 'AgentCard' };
  if (/\/tasks$/.test(p) && method === 'GET') return { response: 'ListTasksResponse' };
  if (/\/tasks\/[^/:]+$/.test(p) && method === 'GET') return { response: 'Task' };
  if (method === 'POST') return { request: 'StreamResponse' }; // a webhook delivery (A2A §4.3.3)
  return {};
}

function splitHttpBlock(block: string): Array<{ kind?: A2AObjectName; text: string; offset: number }> {
  const lines = block.split('\n');
  const out: Array<{ kind?: A2AObjectName; text: string; offset: number }> = [];
  let i = 0;
  let lastResponseKind: A2AObjectName | undefined;
  while (i < lines.length) {
    const start = lines[i] ?? '';
    const request = /^(GET|POST|PUT|DELETE|PATCH)\s+(\S+)/.exec(start);
    const status = /^HTTP\/\S+\s+(\d{3})/.exec(start);
    if (!request && !status) {
      i++;
      continue;
    }
    let j = i + 1;
    let sse = false;
    while (j < lines.length && (lines[j] ?? '').trim() !== '') {
      if (/^content-type:\s*text\/event-stream/i.test(lines[j] ?? '')) sse = true;
      j++;
    }
    let end = j + 1;
    while (end < lines.length && !/^(GET|POST|PUT|DELETE|PATCH)\s+\/|^HTTP\/\S+\s+\d{3}/.test(lines[end] ?? '')) end++;
    const bodyLines = lines.slice(j + 1, end);
    let kind: A2AObjectName | undefined;
    if (request) {
      const kinds = kindsForRequest(request[1] as string, request[2] as string);
      kind = kinds.request;
      lastResponseKind = kinds.response;
    } else {
      const code = Number(status?.[1]);
      kind = code >= 400 ? 'HttpErrorBody' : lastResponseKind;
    }
    if (sse) {
      bodyLines.forEach((line, k) => {
        const data = /^data:\s?(.*)$/.exec(line);
        if (data?.[1]) out.push({ kind: 'StreamResponse', text: data[1], offset: j + 1 + k });
      });
    } else if (bodyLines.join('').trim() !== '') {
      out.push({ ...(kind ? { kind } : {}), text: bodyLines.join('\n'), offset: j + 1 });
    }
    i = end;
  }
  return out;
}

/** Every JSON example of the specification, in document order. */
export function extractSpecExamples(markdown = readFileSync(SPEC_PATH, 'utf8')): SpecExample[] {
  const lines = markdown.split('\n');
  const examples: SpecExample[] = [];
  let section = 'preamble';
  let numbered = '';
  const perSection = new Map<string, number>();
  const push = (text: string, line: number, kind?: A2AObjectName) => {
    const n = (perSection.get(section) ?? 0) + 1;
    perSection.set(section, n);
    // JSON-RPC bodies carry their own kind; the HTTP context only says "JSON-RPC over POST".
    const jsonRpc = /"jsonrpc"\s*:/.test(text);
    examples.push({ id: `§${section} #${n}`, line, text, ...(kind && !jsonRpc ? { kind } : {}) });
  };
  for (let i = 0; i < lines.length; i++) {
    const heading = /^#{2,6}\s+(?:((?:\d+|[A-Z])(?:\.\d+)+|\d+)\.?\s+)?(.*)$/.exec(lines[i] ?? '');
    if (heading) {
      if (heading[1]) numbered = heading[1];
      section = heading[1] ?? `${numbered} ${(heading[2] as string).trim()}`;
      continue;
    }
    const fence = /^```(json|http)\s*$/.exec(lines[i] ?? '');
    if (!fence) continue;
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end++;
    const block = lines.slice(i + 1, end).join('\n');
    if (fence[1] === 'json') push(block, i + 2);
    else for (const part of splitHttpBlock(block)) push(part.text, i + 2 + part.offset, part.kind);
    i = end;
  }
  return examples;
}
