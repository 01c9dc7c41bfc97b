/**
 * Building blocks shared by every A2A v1.0 object: ProtoJSON scalars (A2A §5.5–§5.6), free-form structs and
 * proto `oneof` groups. Each helper returns a TypeBox schema, so one declaration yields both the TypeScript type
 * (`Static<>`) and the JSON Schema.
 */
import { type TNever, type TObject, type TOptional, type TProperties, type TSchema, Type } from '@sinclair/typebox';

/** RFC 3339 / ISO 8601 UTC timestamp with a `Z` suffix (A2A §5.6.1); fractional seconds optional. */
export const Timestamp = Type.String({
  format: 'date-time',
  pattern: '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z$',
  description: 'ISO 8601 timestamp in UTC with a Z suffix (A2A §5.6.1).',
});

/** `google.protobuf.Struct`: a JSON object with arbitrary members. */
export const Struct = Type.Record(Type.String(), Type.Unknown(), {
  description: 'Free-form JSON object (google.protobuf.Struct).',
});

/** A `int32` proto field as ProtoJSON writes it: a JSON number in the int32 range. */
export const Int32 = (options: { minimum?: number; description?: string } = {}) =>
  Type.Integer({ minimum: -2147483648, maximum: 2147483647, ...options });

/** A proto `bytes` field as ProtoJSON writes it: standard or URL-safe base64. */
export const Base64 = Type.String({
  pattern: '^[A-Za-z0-9+/_-]*={0,2}$',
  description: 'Base64-encoded bytes (ProtoJSON bytes).',
});

/** A repeated field marked REQUIRED: per A2A §5.7 it must hold at least one element. */
export const NonEmptyArray = <T extends TSchema>(item: T, description?: string) =>
  Type.Array(item, { minItems: 1, ...(description ? { description } : {}) });

/** A non-empty string, for REQUIRED string fields (§5.7: required fields are present and set). */
export const RequiredString = (description?: string) =>
  Type.String({ minLength: 1, ...(description ? { description } : {}) });

type Exclusive<Common extends TProperties, Choices extends TProperties, K extends keyof Choices> = TObject<
  Common & { [P in K]: Choices[P] } & { [P in Exclude<keyof Choices, K>]: TOptional<TNever> }
>;

/**
 * A proto `oneof` group: exactly one member of `choices` is present, next to the `common` fields. The TypeScript
 * type is a union whose variants forbid the other members (`?: never`); the JSON Schema is an `anyOf` whose
 * branches forbid them too, so two members at once fail validation.
 */
export function oneOf<Common extends TProperties, Choices extends TProperties>(
  common: Common,
  choices: Choices,
  options: { description?: string } = {},
) {
  const keys = Object.keys(choices) as (keyof Choices & string)[];
  const variants = keys.map((key) => {
    const properties: TProperties = { ...common };
    for (const other of keys) properties[other] = other === key ? choices[other] : Type.Optional(Type.Never());
    return Type.Object(properties);
  }) as unknown as { [K in keyof Choices]: Exclusive<Common, Choices, K> }[keyof Choices][];
  return Type.Union(variants, { ...options, 'x-oneof': keys });
}

/** A closed set of string values, written as a JSON Schema `enum` (ProtoJSON enum names, A2A §5.5). */
export const StringEnum = <const T extends readonly string[]>(values: T, description: string) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values], description });
