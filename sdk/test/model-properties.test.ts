import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { arbitraryFor } from './support/arbitrary.js';
import { CATALOGS } from './support/catalogs.js';

for (const { name, objects, loose, strict } of CATALOGS) {
  describe(`generated ${name} objects (property-based)`, () => {
    for (const [kind, schema] of Object.entries(objects)) {
      it(`${kind}: valid values survive a JSON round trip and still validate, loose and strict`, () => {
        fc.assert(
          fc.property(arbitraryFor(schema as Record<string, unknown>), (value) => {
            const first = loose.check(kind, value);
            expect(first.ok ? [] : first.issues).toEqual([]);
            const copy = JSON.parse(JSON.stringify(value));
            expect(copy).toEqual(value);
            expect(loose.check(kind, copy).ok).toBe(true);
            const strictResult = strict.check(kind, copy);
            expect(strictResult.ok ? [] : strictResult.issues).toEqual([]);
          }),
          { numRuns: 40, seed: 7 },
        );
      });
    }
  });
}
