/** The two schema catalogues under test, each with a tolerant and a strict validator. */
import type { TSchema } from '@sinclair/typebox';
import { A2A_OBJECTS } from '../../src/a2a/catalog.js';
import { createRightsizeValidator, RIGHTSIZE_OBJECTS } from '../../src/rightsize/catalog.js';
import { createA2AValidator, type Validator } from '../../src/validate/validator.js';

export interface CatalogUnderTest {
  readonly name: string;
  readonly objects: Record<string, TSchema>;
  readonly loose: Validator<Record<string, TSchema>>;
  readonly strict: Validator<Record<string, TSchema>>;
}

export const CATALOGS: readonly CatalogUnderTest[] = [
  {
    name: 'A2A v1.0',
    objects: A2A_OBJECTS,
    loose: createA2AValidator() as unknown as Validator<Record<string, TSchema>>,
    strict: createA2AValidator({ strict: true }) as unknown as Validator<Record<string, TSchema>>,
  },
  {
    name: 'Rightsize v1',
    objects: RIGHTSIZE_OBJECTS,
    loose: createRightsizeValidator() as unknown as Validator<Record<string, TSchema>>,
    strict: createRightsizeValidator({ strict: true }) as unknown as Validator<Record<string, TSchema>>,
  },
];
