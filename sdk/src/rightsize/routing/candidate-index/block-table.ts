/**
 * The block table of a domain (spec §7.9): its rows grouped by class (every profile remote or not, reasoning or not,
 * currency) and, within a class, in ability order, `size` at a time, so a block's rows are alike in price and latency
 * as well as ability; blocks are ordered by their first row (the strongest). Row j of `table` holds, over block j's
 * rows, each column's most favourable value for a bound — the least of a quantity that only lowers the bounds of cost
 * and latency or raises the deadline and budget left, the largest of one that only raises success or the budget cut
 * (`COLUMN_EXTREMES`). Every bound the first pass computes on row j is then at least as good as the same bound on any
 * row of the block, so a block whose bounds cannot rank is skipped whole. Building costs O(rows × columns).
 */
import type { ReasoningParams } from '../../math/predict.js';
import { BoundTable, COLUMN_EXTREMES, type Column } from './bound-table.js';
import type { Entry } from './entry.js';

/** Default rows per block of a domain's block table (`DomainTable.blocks`). */
export const BLOCK_ROWS = 16;

/** Default size below which a domain is searched row by row (blocks built after each update would cost more than
 * they save). */
export const BLOCKS_FROM = 256;

export class BlockTable {
  /** Row j: the most favourable value of every column over block j's rows. */
  readonly table = new BoundTable();
  /** Rows of each block (block j: members[start[j] … start[j + 1])), the block of each row and the least (strongest)
   * row of each block. */
  readonly members: Int32Array;
  readonly start: Int32Array;
  of = new Int32Array(0);
  first = new Int32Array(0);
  /** The least agent id of each block (a block whose keys tie with the N-th's is skipped when it is above its id). */
  readonly leastId: string[];

  /** Builds the blocks of `source`'s rows, `size` rows per block at most. */
  constructor(source: BoundTable, size: number) {
    const n = source.size;
    const currencies = new Map<string, number>();
    const classes = new Map<number, number[]>();
    for (let i = 0; i < n; i++) {
      const currency = source.currency[i] as string;
      if (!currencies.has(currency)) currencies.set(currency, currencies.size);
      const c = currencies.get(currency) as number;
      const key = 4 * c + 2 * (source.remote[i] as number) + ((source.reasoningGroup[i] as number) >= 0 ? 1 : 0);
      const rows = classes.get(key);
      if (rows) rows.push(i);
      else classes.set(key, [i]);
    }
    const chunks: number[][] = [];
    for (const rows of classes.values()) {
      for (let k = 0; k < rows.length; k += size) chunks.push(rows.slice(k, k + size));
    }
    chunks.sort((x, y) => (x[0] as number) - (y[0] as number));
    this.table.grow(chunks.length);
    this.members = new Int32Array(n);
    this.start = new Int32Array(chunks.length + 1);
    this.leastId = chunks.map((rows) => rows.map((i) => (source.entries[i] as Entry).candidate.id).sort()[0] as string);
    let at = 0;
    chunks.forEach((rows, j) => {
      this.members.set(rows, at);
      at += rows.length;
      this.start[j + 1] = at;
      this.#summarise(source, rows, j);
    });
    this.#index(n);
  }

  /** The number of blocks. */
  get count(): number {
    return this.start.length - 1;
  }

  /** The rows of block j. */
  rows(j: number): Int32Array {
    return this.members.subarray(this.start[j], this.start[j + 1]);
  }

  /**
   * Row i of `source` changed in place (a new load, or its new content after a move): its block is summarised again.
   * Blocks patched this way keep their rows, so a row whose class or ability changed may sit in a block of other
   * rows — still exact, as the block's extremes cover it, only looser.
   */
  patch(source: BoundTable, i: number): void {
    const j = this.of[i] as number;
    this.#summarise(source, this.rows(j), j);
  }

  /** Row `from` of `source` moved to `to` (the rows between shifted by one): the blocks follow their rows (O(rows)
   * integers) and the moved row's block is summarised again. */
  moved(source: BoundTable, from: number, to: number): void {
    const members = this.members;
    const [lo, hi, step] = from < to ? [from + 1, to, -1] : [to, from - 1, 1];
    for (let k = 0; k < members.length; k++) {
      const m = members[k] as number;
      members[k] = m === from ? to : m >= lo && m <= hi ? m + step : m;
    }
    this.#index(source.size);
    this.patch(source, to);
  }

  /** The block of each row and the least (strongest) row of each block, from the members. */
  #index(rows: number): void {
    const count = this.count;
    this.of = new Int32Array(rows);
    this.first = new Int32Array(count);
    for (let j = 0; j < count; j++) {
      let first = Number.POSITIVE_INFINITY;
      for (let k = this.start[j] as number; k < (this.start[j + 1] as number); k++) {
        const m = this.members[k] as number;
        this.of[m] = j;
        first = Math.min(first, m);
      }
      this.first[j] = first;
    }
  }

  /** Row j of a block table: the most favourable value of every column over the source's rows. */
  #summarise(source: BoundTable, rows: ArrayLike<number> & Iterable<number>, j: number): void {
    const columns = this.table.columns();
    const sourceColumns = source.columns();
    const first = rows[0] as number;
    for (let c = 0; c < columns.length; c++) {
      const into = columns[c] as Column;
      const column = sourceColumns[c] as Column;
      const direction = COLUMN_EXTREMES[c];
      if (direction === 'group') continue;
      let value = column[first] as number;
      for (const i of rows)
        value = direction === 'max' ? Math.max(value, column[i] as number) : Math.min(value, column[i] as number);
      into[j] = value;
    }
    // Reasoning: none when any row never reasons; else the least tokens per step and budget of the rows' groups
    // (the expected reasoning tokens grow with both).
    let tokensPerStep = Number.POSITIVE_INFINITY;
    let budget = Number.POSITIVE_INFINITY;
    let reasons = true;
    for (const i of rows) {
      const g = source.reasoningGroup[i] as number;
      if (g < 0) {
        reasons = false;
        break;
      }
      const group = source.reasoningGroups[g] as ReasoningParams;
      tokensPerStep = Math.min(tokensPerStep, group.tokensPerStep);
      budget = Math.min(budget, group.budget);
    }
    this.table.reasoningGroup[j] = reasons ? this.table.groupOf(tokensPerStep, budget) : -1;
    const currency = source.currency[first] as string;
    const place = source.placement[first];
    let sameCurrency = true;
    let samePlace = place !== undefined;
    for (const i of rows) {
      sameCurrency &&= source.currency[i] === currency;
      const other = source.placement[i];
      samePlace &&= other !== undefined && other.placement === place?.placement && other.region === place.region;
    }
    // '*' converts at rate 0 (a cost bound of 0); an unknown placement is allowed.
    this.table.currency[j] = sameCurrency ? currency : '*';
    this.table.placement[j] = samePlace ? place : undefined;
  }
}
