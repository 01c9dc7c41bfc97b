/**
 * Every JSON example in spec/v1/rightsize.md names its schema in a preceding `<!-- example: Kind -->` comment
 * (`rightsize:Kind` for extension objects) and must validate in strict mode, extension members included.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { A2A_OBJECTS, type A2AObjectName } from '../src/a2a/catalog.js';
import type { AgentCard, Message, Task } from '../src/a2a/model/index.js';
import { createRightsizeValidator, RIGHTSIZE_OBJECTS, type RightsizeObjectName } from '../src/rightsize/catalog.js';
import { RIGHTSIZE_EXTENSION_URI } from '../src/rightsize/model/common.js';
import { validateDocument } from '../src/validate/detect.js';
import { createA2AValidator } from '../src/validate/validator.js';
import { REPO_ROOT } from './support/spec-examples.js';

const spec = readFileSync(join(REPO_ROOT, 'spec', 'v1', 'rightsize.md'), 'utf8');
const a2a = createA2AValidator({ strict: true });
const rightsize = createRightsizeValidator({ strict: true });

interface Example {
  line: number;
  kind: string | undefined;
  text: string;
}

function examples(): Example[] {
  const lines = spec.split('\n');
  const out: Example[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!/^```json\s*$/.test(lines[i] ?? '')) continue;
    const marker = /^<!-- example: (\S+) -->$/.exec(lines[i - 1] ?? '');
    let end = i + 1;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? '')) end++;
    out.push({ line: i + 1, kind: marker?.[1], text: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return out;
}

/** The Rightsize members inside an A2A object, with the schema each must satisfy. */
function extensionMembers(kind: string, value: unknown): Array<[RightsizeObjectName, unknown]> {
  if (kind === 'AgentCard') {
    const ext = (value as AgentCard).capabilities.extensions?.find((e) => e.uri === RIGHTSIZE_EXTENSION_URI);
    return ext ? [['ExtensionParams', ext.params]] : [];
  }
  if (kind === 'Message') {
    const data = (value as Message).metadata?.[RIGHTSIZE_EXTENSION_URI];
    return data === undefined ? [] : [['MessageExtensionData', data]];
  }
  if (kind === 'Task') {
    const data = (value as Task).metadata?.[RIGHTSIZE_EXTENSION_URI];
    return data === undefined ? [] : [['TaskExtensionData', data]];
  }
  if (kind === 'JsonRpcErrorResponse') {
    const data = (value as { error: { data?: Array<Record<string, unknown>> } }).error.data ?? [];
    return data.filter((d) => String(d['@type']).endsWith('NoCapableAgent')).map((d) => ['NoCapableAgent', d]);
  }
  return [];
}

const found = examples();

describe('spec/v1/rightsize.md examples', () => {
  it('has examples, every one with a schema marker', () => {
    expect(found.length).toBeGreaterThanOrEqual(15);
    for (const e of found)
      expect(e.kind, `example at line ${e.line} has no <!-- example: Kind --> marker`).toBeDefined();
  });

  for (const example of found) {
    it(`line ${example.line}: ${example.kind} is valid (strict)`, () => {
      const value = JSON.parse(example.text);
      const kind = example.kind as string;
      if (kind.startsWith('rightsize:')) {
        const name = kind.slice('rightsize:'.length);
        expect(Object.keys(RIGHTSIZE_OBJECTS)).toContain(name);
        const result = rightsize.check(name as RightsizeObjectName, value);
        expect(result.ok ? [] : result.issues).toEqual([]);
        return;
      }
      expect(Object.keys(A2A_OBJECTS)).toContain(kind);
      const report = validateDocument(a2a, value, kind as A2AObjectName);
      expect(report.issues).toEqual([]);
      for (const [name, member] of extensionMembers(kind, value)) {
        const result = rightsize.check(name, member);
        expect(result.ok ? [] : result.issues).toEqual([]);
      }
    });
  }
});
