import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { validateDocument } from '../src/validate/detect.js';
import { createA2AValidator, parseJson } from '../src/validate/validator.js';
import { extractSpecExamples } from './support/spec-examples.js';

const allowList = JSON.parse(readFileSync(new URL('./spec-examples.allow-list.json', import.meta.url), 'utf8'))
  .entries as Record<string, string>;
const examples = extractSpecExamples();
const validator = createA2AValidator();

function check(text: string, kind: Parameters<typeof validateDocument>[2]) {
  const parsed = parseJson(text);
  return parsed.ok ? validateDocument(validator, parsed.value, kind) : { ok: false, kind, issues: parsed.issues };
}

describe('A2A specification examples', () => {
  it('extracts every JSON example of the specification', () => {
    expect(examples.length).toBeGreaterThanOrEqual(55);
    expect(new Set(examples.map((e) => e.id)).size).toBe(examples.length);
  });

  it('lists only existing examples in the allow-list, each with a reason', () => {
    const ids = new Set(examples.map((e) => e.id));
    for (const [id, reason] of Object.entries(allowList)) {
      expect(ids.has(id), `allow-list entry ${id} matches no example`).toBe(true);
      expect(reason.length).toBeGreaterThan(10);
    }
  });

  for (const example of examples) {
    const reason = allowList[example.id];
    if (reason === undefined) {
      it(`${example.id} (line ${example.line}) is a valid A2A object`, () => {
        const report = check(example.text, example.kind);
        expect(report.issues).toEqual([]);
        expect(report.ok).toBe(true);
      });
    } else {
      it(`${example.id} (line ${example.line}) fails as documented: ${reason}`, () => {
        expect(check(example.text, example.kind).ok).toBe(false);
      });
    }
  }
});
