/**
 * fast-check arbitraries derived from our JSON Schemas, so property tests cover every object without hand-written
 * generators. Supports the subset of JSON Schema the TypeBox model emits.
 */
import fc from 'fast-check';

type Schema = Record<string, unknown>;

const jsonLeaf = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
const jsonValue = fc.letrec((tie) => ({
  value: fc.oneof(
    { maxDepth: 3 },
    jsonLeaf,
    fc.array(tie('value'), { maxLength: 3 }),
    fc.dictionary(fc.string(), tie('value'), { maxKeys: 3 }),
  ),
})).value;

const timestamp = fc
  .date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const uri = fc.webUrl();
const base64 = fc.uint8Array({ maxLength: 24 }).map((b) => Buffer.from(b).toString('base64'));
const identifier = fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/);

function stringArbitrary(schema: Schema): fc.Arbitrary<string> {
  if (Array.isArray(schema.enum)) return fc.constantFrom(...(schema.enum as string[]));
  if (typeof schema.const === 'string') return fc.constant(schema.const);
  if (schema.format === 'date-time') return timestamp;
  if (schema.format === 'uri' || schema.format === 'uri-reference') return uri;
  if (typeof schema.pattern === 'string' && schema.pattern.startsWith('^[A-Za-z0-9+/_-]')) return base64;
  if (typeof schema.pattern === 'string') return fc.stringMatching(new RegExp(schema.pattern));
  const minLength = typeof schema.minLength === 'number' ? schema.minLength : 0;
  return minLength > 0 ? identifier : fc.string({ maxLength: 12 });
}

/** An arbitrary producing values valid against `schema`. */
export function arbitraryFor(schema: Schema): fc.Arbitrary<unknown> {
  if (Array.isArray(schema.anyOf)) return fc.oneof(...(schema.anyOf as Schema[]).map(arbitraryFor));
  if (schema.const !== undefined) return fc.constant(schema.const);
  switch (schema.type) {
    case 'string':
      return stringArbitrary(schema);
    case 'integer': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1000;
      const max = typeof schema.maximum === 'number' ? Math.min(schema.maximum, min + 100000) : min + 100000;
      return fc.integer({ min, max });
    }
    case 'number': {
      const min = typeof schema.minimum === 'number' ? schema.minimum : -1e6;
      const max = typeof schema.maximum === 'number' ? schema.maximum : 1e6;
      const exclusive = typeof schema.exclusiveMinimum === 'number' ? schema.exclusiveMinimum : undefined;
      return fc
        .double({ min: exclusive ?? min, max, noNaN: true, noDefaultInfinity: true })
        .filter((n) => exclusive === undefined || n > exclusive)
        .map((n) => (n === 0 ? 0 : n)); // JSON has no -0
    }
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'array': {
      const minLength = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const maxLength = typeof schema.maxItems === 'number' ? schema.maxItems : minLength + 2;
      return fc.array(arbitraryFor(schema.items as Schema), { minLength, maxLength });
    }
    case 'object':
      return objectArbitrary(schema);
    default:
      return jsonValue;
  }
}

function objectArbitrary(schema: Schema): fc.Arbitrary<unknown> {
  const properties = (schema.properties ?? {}) as Record<string, Schema>;
  const required = new Set((schema.required ?? []) as string[]);
  if (schema.patternProperties) {
    const valueSchema = Object.values(schema.patternProperties as Record<string, Schema>)[0] as Schema;
    return fc.dictionary(identifier, arbitraryFor(valueSchema), { maxKeys: 3 });
  }
  const record: Record<string, fc.Arbitrary<unknown>> = {};
  const requiredKeys: string[] = [];
  for (const [key, value] of Object.entries(properties)) {
    if (value.not !== undefined) continue; // a member forbidden by a oneof branch
    record[key] = arbitraryFor(value);
    if (required.has(key)) requiredKeys.push(key);
  }
  const arbitrary = fc.record(record, { requiredKeys });
  const minProperties = typeof schema.minProperties === 'number' ? schema.minProperties : 0;
  return minProperties > 0 ? arbitrary.filter((o) => Object.keys(o).length >= minProperties) : arbitrary;
}

/** A deterministic valid sample of `schema`. */
export function sampleOf(schema: Schema, seed = 42): unknown {
  return fc.sample(arbitraryFor(schema), { numRuns: 1, seed })[0];
}
