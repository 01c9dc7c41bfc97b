import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { A2A_OBJECTS } from '../src/a2a/catalog.js';
import { createA2AValidator } from '../src/validate/validator.js';
import { arbitraryFor } from './support/arbitrary.js';

const validator = createA2AValidator();
const strict = createA2AValidator({ strict: true });

describe('generated A2A objects (property-based)', () => {
  for (const [kind, schema] of Object.entries(A2A_OBJECTS)) {
    it(`${kind}: valid values survive a JSON round trip and still validate, loose and strict`, () => {
      fc.assert(
        fc.property(arbitraryFor(schema as Record<string, unknown>), (value) => {
          const first = validator.check(kind as keyof typeof A2A_OBJECTS, value);
          expect(first.ok ? [] : first.issues).toEqual([]);
          const copy = JSON.parse(JSON.stringify(value));
          expect(copy).toEqual(value);
          expect(validator.check(kind as keyof typeof A2A_OBJECTS, copy).ok).toBe(true);
          expect(strict.check(kind as keyof typeof A2A_OBJECTS, copy).ok).toBe(true);
        }),
        { numRuns: 40, seed: 7 },
      );
    });
  }
});
