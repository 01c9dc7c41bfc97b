/**
 * Compiled validators for the A2A v1.0 objects and the Rightsize extension objects. ajv compiles each schema once,
 * on first use, in strict mode with ajv-formats. Validation never throws: every outcome is a `ValidationResult`.
 */
import type { Static, TSchema } from '@sinclair/typebox';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { A2A_OBJECTS } from '../a2a/catalog.js';
import { toIssues, type ValidationIssue } from './issues.js';
import { DEFAULT_LIMITS, type InputLimits, jsonDepth } from './limits.js';

export type ValidationResult<T> =
  | { readonly ok: true; readonly value: T }
  | { readonly ok: false; readonly issues: readonly ValidationIssue[] };

export interface ValidatorOptions {
  /**
   * Reject fields the schema does not define. Off by default: A2A §5.7 says receivers SHOULD ignore unknown fields
   * (forward compatibility). Conformance checks and linters turn it on to catch typos.
   */
  readonly strict?: boolean;
  readonly limits?: Partial<InputLimits>;
}

// ajv-formats is CommonJS; its default export is the plugin function under Node's ESM interop.
const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => Ajv2020;

function newAjv(allErrors: boolean): Ajv2020 {
  const ajv = new Ajv2020({ strict: true, strictTypes: false, allErrors, verbose: allErrors });
  addFormats(ajv);
  ajv.addKeyword({ keyword: 'x-oneof', schemaType: 'array' });
  return ajv;
}

/** A copy of `schema` in which every object that lists `properties` rejects members it does not list. */
export function closeSchema(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closeSchema);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(schema)) out[key] = closeSchema(value);
  if (out.type === 'object' && out.properties !== undefined && out.additionalProperties === undefined) {
    out.additionalProperties = false;
  }
  return out;
}

type Catalog = Record<string, TSchema>;

/** A validator over one catalogue of named schemas. */
export class Validator<C extends Catalog> {
  readonly #catalog: C;
  readonly #strict: boolean;
  readonly #limits: InputLimits;
  readonly #fast = newAjv(false);
  readonly #detailed = newAjv(true);
  readonly #compiled = new Map<string, { fast: ValidateFunction; detailed?: ValidateFunction }>();

  constructor(catalog: C, options: ValidatorOptions = {}) {
    this.#catalog = catalog;
    this.#strict = options.strict ?? false;
    this.#limits = { ...DEFAULT_LIMITS, ...options.limits };
  }

  get limits(): InputLimits {
    return this.#limits;
  }

  /** Names this validator knows. */
  kinds(): (keyof C & string)[] {
    return Object.keys(this.#catalog) as (keyof C & string)[];
  }

  #schemaFor(kind: string): unknown {
    const schema = this.#catalog[kind];
    return this.#strict ? closeSchema(schema) : schema;
  }

  #entry(kind: string) {
    let entry = this.#compiled.get(kind);
    if (!entry) {
      entry = { fast: this.#fast.compile(this.#schemaFor(kind) as object) };
      this.#compiled.set(kind, entry);
    }
    return entry;
  }

  /** Validate an already-parsed value as `kind`. */
  check<K extends keyof C & string>(kind: K, value: unknown): ValidationResult<Static<C[K]>> {
    if (!Object.hasOwn(this.#catalog, kind)) {
      return { ok: false, issues: [{ path: '', keyword: 'kind', message: `unknown object kind "${kind}"` }] };
    }
    try {
      const entry = this.#entry(kind);
      if (entry.fast(value)) return { ok: true, value: value as Static<C[K]> };
      entry.detailed ??= this.#detailed.compile(this.#schemaFor(kind) as object);
      entry.detailed(value);
      return { ok: false, issues: toIssues(entry.detailed.errors ?? []) };
    } catch (error) {
      return { ok: false, issues: [{ path: '', keyword: 'internal', message: `validator failed: ${String(error)}` }] };
    }
  }

  /** Parse JSON text (or UTF-8 bytes) within the size and depth limits, then validate it as `kind`. */
  parse<K extends keyof C & string>(kind: K, text: string | Uint8Array): ValidationResult<Static<C[K]>> {
    const parsed = parseJson(text, this.#limits);
    return parsed.ok ? this.check(kind, parsed.value) : parsed;
  }
}

/** Parse JSON text within limits; never throws. */
export function parseJson(text: string | Uint8Array, limits: InputLimits = DEFAULT_LIMITS): ValidationResult<unknown> {
  const bytes = typeof text === 'string' ? Buffer.byteLength(text, 'utf8') : text.byteLength;
  if (bytes > limits.maxBytes) {
    return {
      ok: false,
      issues: [{ path: '', keyword: 'limit', message: `input is ${bytes} bytes; the limit is ${limits.maxBytes}` }],
    };
  }
  let value: unknown;
  try {
    value = JSON.parse(typeof text === 'string' ? text : new TextDecoder('utf-8', { fatal: true }).decode(text));
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, issues: [{ path: '', keyword: 'syntax', message: `not valid JSON: ${reason}` }] };
  }
  if (jsonDepth(value, limits.maxDepth) > limits.maxDepth) {
    return {
      ok: false,
      issues: [{ path: '', keyword: 'limit', message: `input nests deeper than ${limits.maxDepth} levels` }],
    };
  }
  return { ok: true, value };
}

type Shortcuts<C extends Catalog> = {
  readonly [K in keyof C & string as Uncapitalize<K>]: (value: unknown) => ValidationResult<Static<C[K]>>;
};

/** `validators.agentCard(x)`, `validators.sendMessageRequest(x)`, … for every object in the catalogue. */
export function shortcuts<C extends Catalog>(validator: Validator<C>): Shortcuts<C> {
  const out: Record<string, (value: unknown) => unknown> = {};
  for (const kind of validator.kinds()) {
    out[kind.charAt(0).toLowerCase() + kind.slice(1)] = (value: unknown) => validator.check(kind, value);
  }
  return out as Shortcuts<C>;
}

/** A validator for the A2A v1.0 objects. */
export function createA2AValidator(options: ValidatorOptions = {}): Validator<typeof A2A_OBJECTS> {
  return new Validator(A2A_OBJECTS, options);
}

let shared: Validator<typeof A2A_OBJECTS> | undefined;

/**
 * The SDK's shared tolerant A2A validator. Its only state is a cache of compiled, pure validation functions, so
 * sharing it is safe; creating it lazily keeps start-up free of schema compilation.
 */
export function defaultA2AValidator(): Validator<typeof A2A_OBJECTS> {
  shared ??= createA2AValidator();
  return shared;
}
