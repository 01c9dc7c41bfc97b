/**
 * Negative cases for every catalogued object, derived from its schema: a missing required field, a value of the
 * wrong type, an unknown enum value, a oneof with no or two members, and the extra-field policy (ignored by
 * default per A2A §5.7, rejected in strict mode).
 */
import { describe, expect, it } from 'vitest';
import type { A2AObjectName } from '../src/a2a/catalog.js';
import { createA2AValidator } from '../src/validate/validator.js';
import { sampleOf } from './support/arbitrary.js';
import { CATALOGS } from './support/catalogs.js';

type Schema = Record<string, unknown>;
const a2a = createA2AValidator();

const wrongTypeFor = (schema: Schema): unknown => (schema.type === 'string' ? 12345 : 'not-the-right-type');

/** The object branch a value takes: the schema itself, or the anyOf branch for its oneof member. */
function branchFor(schema: Schema, value: Record<string, unknown>): Schema {
  if (!Array.isArray(schema.anyOf)) return schema;
  const members = schema['x-oneof'] as string[];
  const present = members.findIndex((m) => Object.hasOwn(value, m));
  return (schema.anyOf as Schema[])[present] as Schema;
}

for (const { name: catalog, objects, loose, strict } of CATALOGS) {
  describe(`negative cases for every ${catalog} object`, () => {
    for (const [kind, raw] of Object.entries(objects)) {
      const schema = raw as Schema;
      const sample = sampleOf(schema);

      it(`${kind}: the base sample is valid`, () => {
        expect(loose.check(kind, sample).ok).toBe(true);
      });

      if (Array.isArray(schema.anyOf) && schema['x-oneof'] === undefined) {
        it(`${kind}: rejects values that match none of its alternatives`, () => {
          for (const bad of [null, 12345, 'NOT_A_REAL_VALUE', [], { 'x-unknown-field': true }]) {
            expect(loose.check(kind, bad).ok).toBe(false);
          }
        });
        continue;
      }

      if (schema.type === 'string' && Array.isArray(schema.enum)) {
        it(`${kind}: rejects an unknown enum value and a non-string`, () => {
          expect(loose.check(kind, 'NOT_A_REAL_VALUE').ok).toBe(false);
          expect(loose.check(kind, 3).ok).toBe(false);
        });
        continue;
      }

      it(`${kind}: rejects a non-object`, () => {
        for (const bad of [null, 'text', 42, [sample]]) expect(loose.check(kind, bad).ok).toBe(false);
      });

      const value = sample as Record<string, unknown>;
      const branch = branchFor(schema, value);
      const properties = (branch.properties ?? {}) as Record<string, Schema>;
      const required = (branch.required ?? []) as string[];
      const members = (schema['x-oneof'] ?? []) as string[];

      for (const field of required.filter((f) => !members.includes(f))) {
        it(`${kind}: rejects a missing required field "${field}"`, () => {
          const copy = structuredClone(value);
          delete copy[field];
          const result = loose.check(kind, copy);
          expect(result.ok).toBe(false);
          if (!result.ok)
            expect(result.issues).toContainEqual(
              expect.objectContaining({ path: `/${field}`, message: 'is required' }),
            );
        });
      }

      for (const [field, fieldSchema] of Object.entries(properties)) {
        if (fieldSchema.type === undefined || fieldSchema.not !== undefined) continue;
        it(`${kind}: rejects a wrong type for "${field}"`, () => {
          const result = loose.check(kind, { ...value, [field]: wrongTypeFor(fieldSchema) });
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.issues.some((i) => i.path.startsWith(`/${field}`))).toBe(true);
        });
        if (Array.isArray(fieldSchema.enum)) {
          it(`${kind}: rejects an unknown value for enum "${field}"`, () => {
            const result = loose.check(kind, { ...value, [field]: 'NOT_A_REAL_VALUE' });
            expect(result.ok).toBe(false);
            if (!result.ok) expect(result.issues[0]?.message).toMatch(/must be one of/);
          });
        }
      }

      if (members.length > 0) {
        it(`${kind}: rejects none and two members of its oneof (${members.join(', ')})`, () => {
          const none = structuredClone(value);
          for (const m of members) delete none[m];
          const noneResult = loose.check(kind, none);
          expect(noneResult.ok).toBe(false);
          if (!noneResult.ok) expect(noneResult.issues[0]?.message).toMatch(/exactly one of/);
          const other = members.find((m) => !Object.hasOwn(value, m)) as string;
          const otherSchema = (schema.anyOf as Schema[])[members.indexOf(other)] as Schema;
          const two = {
            ...value,
            [other]: sampleOf((otherSchema.properties as Record<string, Schema>)[other] as Schema),
          };
          const twoResult = loose.check(kind, two);
          expect(twoResult.ok).toBe(false);
          if (!twoResult.ok) expect(twoResult.issues[0]?.message).toMatch(/only one of/);
        });
      }

      if (schema.patternProperties === undefined) {
        it(`${kind}: ignores an unknown field by default and rejects it in strict mode`, () => {
          const extended = { ...value, 'x-unknown-field': true };
          expect(loose.check(kind, extended).ok).toBe(true);
          const result = strict.check(kind, extended);
          expect(result.ok).toBe(false);
          if (!result.ok) expect(result.issues).toContainEqual(expect.objectContaining({ path: '/x-unknown-field' }));
        });
      }
    }
  });
}

describe('validator robustness', () => {
  it('never throws on hostile input and reports limits', () => {
    const deep = `${'['.repeat(200_000)}${']'.repeat(200_000)}`;
    expect(a2a.parse('Task', deep)).toMatchObject({ ok: false, issues: [{ keyword: 'limit' }] });
    const huge = `{"id":"${'x'.repeat(5 * 1024 * 1024)}"}`;
    expect(a2a.parse('Task', huge)).toMatchObject({ ok: false, issues: [{ keyword: 'limit' }] });
    expect(a2a.parse('Task', '{"id":')).toMatchObject({ ok: false, issues: [{ keyword: 'syntax' }] });
    expect(a2a.parse('Task', new Uint8Array([0xff, 0xfe, 0x00]))).toMatchObject({ ok: false });
    const cyclic: Record<string, unknown> = { id: 't', status: { state: 'TASK_STATE_WORKING' } };
    cyclic.metadata = { self: cyclic };
    expect(() => a2a.check('Task', cyclic)).not.toThrow();
    expect(a2a.check('NoSuchKind' as A2AObjectName, {})).toMatchObject({ ok: false, issues: [{ keyword: 'kind' }] });
  });

  it('reports every problem with a JSON pointer and a readable message', () => {
    const result = a2a.check('Message', {
      role: 'USER',
      parts: [{ text: 'a', raw: 'AA==' }, {}],
      extensions: 'x',
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.issues).toEqual(
      expect.arrayContaining([
        { path: '/messageId', keyword: 'required', message: 'is required' },
        { path: '/role', keyword: 'enum', message: 'must be one of: "ROLE_USER", "ROLE_AGENT"' },
        { path: '/parts/0', keyword: 'oneOf', message: 'must have only one of: text, raw' },
        { path: '/parts/1', keyword: 'oneOf', message: 'must have exactly one of: text, raw, url, data' },
        { path: '/extensions', keyword: 'type', message: 'must be an array' },
      ]),
    );
  });
});
