/**
 * Statements to PGlite in one call into its WASM backend each. PGlite's own `query()` makes six calls per statement
 * (Parse, Describe, Bind, Describe, Execute, Sync, each through the protocol parser) and parses and plans the text
 * every time; here a statement with parameters is parsed once as a named prepared statement, and each run is one
 * message buffer (Bind, Describe, Execute, Sync). Measured on the broker's outcome append (a four-part CTE): about a
 * third of the CPU of `query()`. Parameters are sent as text and typed by the server, as `pg` sends them (objects as
 * JSON, arrays as array literals).
 */
import { type PGlite, parse, protocol, type Results } from '@electric-sql/pglite';
import type { Counts } from './database.js';

const { serialize } = protocol;

/** Most named prepared statements kept in the backend; statements beyond are parsed at every run. */
const MAX_PREPARED = 256;

/** A parameter as the text PostgreSQL parses by the parameter's type (null stays SQL NULL). */
function wireValue(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'bigint') return String(value);
  if (typeof value === 'boolean') return value ? 't' : 'f';
  if (value instanceof Date) return value.toISOString();
  if (value instanceof Uint8Array) return `\\x${Buffer.from(value).toString('hex')}`;
  if (Array.isArray(value)) return arrayLiteral(value);
  return JSON.stringify(value);
}

/** An array as a PostgreSQL array literal (elements quoted and escaped), as `pg` sends one. */
function arrayLiteral(values: readonly unknown[]): string {
  const element = (v: unknown) => {
    const text = wireValue(v);
    return text === null ? 'NULL' : Array.isArray(v) ? text : `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
  };
  return `{${values.map(element).join(',')}}`;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

const BEGIN = serialize.query('BEGIN');
/** What follows each Bind: describe the (unnamed) portal's rows, execute it, end the pipeline. */
const DESCRIBE_EXECUTE_SYNC = concat([serialize.describe({ type: 'P' }), serialize.execute({}), serialize.sync()]);

/**
 * A Bind of the unnamed portal to `statement` with text parameters and text results, followed by Describe, Execute
 * and Sync, in one allocation (PGlite's serializer measures and copies strings character by character in JS: about
 * a tenth of a statement's CPU for the broker's outcome append).
 */
function bindMessage(statement: string, values: readonly (string | null)[]): Buffer {
  const lengths = values.map((v) => (v === null ? -1 : Buffer.byteLength(v)));
  // length, portal '' and statement (C strings), no parameter format codes (all text), parameters, no result codes
  const size =
    4 + 1 + Buffer.byteLength(statement) + 1 + 2 + 2 + lengths.reduce((n, l) => n + 4 + Math.max(l, 0), 0) + 2;
  const out = Buffer.allocUnsafe(1 + size + DESCRIBE_EXECUTE_SYNC.length);
  let at = out.writeUInt8(0x42, 0); // 'B'
  at = out.writeInt32BE(size, at);
  at = out.writeUInt8(0, at);
  at += out.write(statement, at);
  at = out.writeUInt8(0, at);
  at = out.writeInt16BE(0, at);
  at = out.writeInt16BE(values.length, at);
  for (const [i, value] of values.entries()) {
    at = out.writeInt32BE(lengths[i] as number, at);
    if (value !== null) at += out.write(value, at);
  }
  at = out.writeInt16BE(0, at);
  out.set(DESCRIBE_EXECUTE_SYNC, at);
  return out;
}

export class PgliteWire {
  /** Named prepared statements by text. */
  readonly #prepared = new Map<string, string>();

  constructor(
    readonly db: PGlite,
    readonly counts: Counts,
  ) {}

  /** One call into the backend. */
  #exec(message: Uint8Array, syncToFs: boolean) {
    this.counts.roundTrips++;
    return this.db.execProtocol(message, { syncToFs });
  }

  /**
   * Run one statement and return its rows. `begin` runs BEGIN in the same call first; `inTransaction` leaves the
   * file system sync to the COMMIT. The caller holds PGlite's query lock.
   */
  async run<R>(text: string, params: readonly unknown[], begin: boolean, inTransaction: boolean): Promise<R[]> {
    const name = params.length > 0 ? await this.#prepare(text) : '';
    const bind = bindMessage(name, params.map(wireValue));
    const parts = [...(begin ? [BEGIN] : []), ...(name ? [] : [serialize.parse({ text })]), bind];
    const message = parts.length === 1 ? bind : concat(parts);
    this.counts.statements++;
    const { messages } = await this.#exec(message, !inTransaction);
    const results = parse.parseResults(messages, this.db.parsers);
    return (results[results.length - 1] as Results<R>).rows;
  }

  /** A statement without parameters or rows (BEGIN, COMMIT, ROLLBACK); returns its command tag. */
  async command(text: string, syncToFs: boolean): Promise<string | undefined> {
    const { messages } = await this.#exec(serialize.query(text), syncToFs);
    return parse.parseResults(messages, this.db.parsers)[0]?.command;
  }

  /**
   * The name of the statement prepared for `text` (prepared now, in a call of its own, so that a failing first run
   * never leaves a prepared statement unrecorded); '' when the backend holds as many as it may.
   */
  async #prepare(text: string): Promise<string> {
    const known = this.#prepared.get(text);
    if (known !== undefined) return known;
    if (this.#prepared.size >= MAX_PREPARED) return '';
    const name = `rs_${this.#prepared.size}`;
    await this.#exec(concat([serialize.parse({ name, text }), serialize.sync()]), false);
    this.#prepared.set(text, name);
    return name;
  }
}
