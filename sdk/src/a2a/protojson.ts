/**
 * ProtoJSON input names (A2A §5.5): parsers accept both the lowerCamelCase JSON name (`historyLength`) and the proto
 * field name (`history_length`). One normalising step at ingest renames proto names to JSON names wherever the
 * schema defines the field; free-form members (metadata, data parts) are left untouched. Output is always camelCase.
 */
import type { TSchema } from '@sinclair/typebox';

type Schema = TSchema & {
  properties?: Record<string, Schema>;
  items?: Schema;
  anyOf?: Schema[];
};

const camel = (name: string) => name.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase());

const cache = new WeakMap<Schema, Map<string, Schema> | null>();

/** Properties an object value may carry under `schema` (the union of every variant's); computed once per schema. */
function propertiesOf(schema: Schema): Map<string, Schema> | undefined {
  const known = cache.get(schema);
  if (known !== undefined) return known ?? undefined;
  let result: Map<string, Schema> | undefined;
  if (schema.properties) result = new Map(Object.entries(schema.properties));
  else if (schema.anyOf) {
    const merged = new Map<string, Schema>();
    for (const variant of schema.anyOf) {
      for (const [k, v] of propertiesOf(variant) ?? []) if (!merged.has(k) || v.type !== 'not') merged.set(k, v);
    }
    result = merged.size > 0 ? merged : undefined;
  }
  cache.set(schema, result ?? null);
  return result;
}

/**
 * Rename, in place, every member of `value` written with its proto name to its JSON name where `schema` defines that
 * field (a member already present under the JSON name wins). Returns `value`.
 */
export function normalizeProtoJsonNames<T>(schema: TSchema, value: T): T {
  const stack: Array<{ schema: Schema; value: unknown }> = [{ schema: schema as Schema, value }];
  while (stack.length > 0) {
    const item = stack.pop() as { schema: Schema; value: unknown };
    const v = item.value;
    if (typeof v !== 'object' || v === null) continue;
    if (Array.isArray(v)) {
      const items = item.schema.items;
      if (items) for (const element of v) stack.push({ schema: items, value: element });
      continue;
    }
    const properties = propertiesOf(item.schema);
    if (!properties) continue; // a free-form struct: its member names are data
    const record = v as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      let name = key;
      if (key.includes('_')) {
        const renamed = camel(key);
        if (properties.has(renamed)) {
          if (!Object.hasOwn(record, renamed)) record[renamed] = record[key];
          delete record[key];
          name = renamed;
        }
      }
      const child = properties.get(name);
      if (child && Object.hasOwn(record, name)) stack.push({ schema: child, value: record[name] });
    }
  }
  return value;
}
