/**
 * The JSON Schema files generated from the TypeBox source: their paths under `schemas/` and their contents.
 * `scripts/generate-schemas.ts` writes them; CI regenerates and fails on any difference (drift).
 */
import type { TSchema } from '@sinclair/typebox';
import { A2A_OBJECTS, A2A_SCHEMA_BASE } from './a2a/catalog.js';
import { RIGHTSIZE_OBJECTS, RIGHTSIZE_SCHEMA_BASE } from './rightsize/catalog.js';

export interface SchemaFile {
  /** Path relative to the repository's `schemas/` folder. */
  readonly path: string;
  readonly contents: string;
}

/** Schema catalogues and where their files go. */
export const SCHEMA_SETS: ReadonlyArray<{ folder: string; base: string; objects: Record<string, TSchema> }> = [
  { folder: 'a2a/v1.0', base: A2A_SCHEMA_BASE, objects: A2A_OBJECTS },
  { folder: 'rightsize/v1', base: RIGHTSIZE_SCHEMA_BASE, objects: RIGHTSIZE_OBJECTS },
];

/** Every generated file, in a stable order, as pretty-printed JSON with a trailing newline. */
export function schemaFiles(): SchemaFile[] {
  const files: SchemaFile[] = [];
  for (const set of SCHEMA_SETS) {
    for (const [name, schema] of Object.entries(set.objects)) {
      const document = {
        $schema: 'https://json-schema.org/draft/2020-12/schema',
        $id: `${set.base}${name}.json`,
        title: name,
        ...schema,
      };
      files.push({ path: `${set.folder}/${name}.json`, contents: `${JSON.stringify(document, null, 2)}\n` });
    }
  }
  return files;
}
