/**
 * A domain's table and its updates: the bound tables of the domain's agents sorted by ability (descending), and the
 * block table over them. Updated in place when one candidate changes (`put`, `setLoad`): the entry moves to its new
 * place and only the rows between its old and new places shift, so a learning update costs the distance it moves,
 * not a rebuild; the blocks follow their rows and the changed row's block is summarised again.
 */
import { BlockTable } from './block-table.js';
import { BoundTable } from './bound-table.js';
import { type Entry, queuedOf } from './entry.js';

export class DomainTable extends BoundTable {
  /** The entry of each candidate in the table, by id. */
  readonly ids = new Map<string, Entry>();
  /** The block table, and whether a row was added or removed since it was built. */
  #blocks: BlockTable | undefined;
  #blocksStale = true;
  /** Blocks summarised again since they were built. */
  #patches = 0;

  constructor(entries: readonly Entry[]) {
    super();
    const sorted = [...entries].sort((a, b) => b.ability - a.ability);
    this.grow(sorted.length);
    for (const entry of sorted) this.#write(this.entries.length, entry, 'append');
  }

  /** Add or replace the candidate's entry (undefined: the candidate no longer serves the domain). */
  put(id: string, entry: Entry | undefined): void {
    const previous = this.ids.get(id);
    const from = previous ? this.indexOf(previous) : -1;
    if (from >= 0 && entry) {
      const to = this.#slot(entry.ability, from);
      this.#shift(from, to);
      this.#write(to, entry, 'overwrite');
      this.#moved(from, to);
    } else if (from >= 0) {
      this.#shift(from, this.entries.length - 1);
      this.#truncate();
      this.ids.delete(id);
    } else if (entry) {
      if (this.entries.length === this.ability.length) this.grow(2 * this.entries.length + 16);
      const to = this.#slot(entry.ability, this.entries.length);
      this.entries.push(entry);
      this.currency.push('');
      this.placement.push(undefined);
      this.#shift(this.entries.length - 1, to);
      this.#write(to, entry, 'overwrite');
      this.#touch();
    }
  }

  /** The row of an entry of the table (a binary search on its ability, then a scan of equal abilities). */
  indexOf(entry: Entry): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.ability[mid] as number) > entry.ability) lo = mid + 1;
      else hi = mid;
    }
    while (lo < this.entries.length && this.entries[lo] !== entry) lo++;
    return lo < this.entries.length ? lo : -1;
  }

  /** Marks the blocks stale (a row added or removed): they are built again before the next decision. */
  #touch(): void {
    this.#blocksStale = true;
  }

  /**
   * Row i changed in place (a new load): its block is summarised again. Blocks patched this way keep their rows, so
   * a row whose class or ability changed may sit in a block of other rows — still exact, as the block's extremes
   * cover it, only looser: after as many patches as there are blocks they are built again.
   */
  #patch(i: number): void {
    const blocks = this.#blocks;
    if (!blocks || this.#blocksStale) return;
    blocks.patch(this, i);
    this.#patched(blocks);
  }

  /** Row `from` moved to `to` (the rows between shifted by one): the blocks follow their rows, and the moved row's
   * block is summarised again. */
  #moved(from: number, to: number): void {
    const blocks = this.#blocks;
    if (!blocks || this.#blocksStale) return;
    blocks.moved(this, from, to);
    this.#patched(blocks);
  }

  #patched(blocks: BlockTable): void {
    if (++this.#patches > blocks.count + 1) this.#blocksStale = true;
  }

  /** The block table (see `BlockTable`), built again when a row was added or removed, or after many patches. */
  blocks(size: number): BlockTable {
    if (this.#blocks && !this.#blocksStale) return this.#blocks;
    this.#blocks = new BlockTable(this, size);
    this.#blocksStale = false;
    this.#patches = 0;
    return this.#blocks;
  }

  /** Marks row i queued when the candidate's load reaches the capacity of any of its profiles (spec §6.4 (3)). */
  setLoad(i: number, entry: Entry): void {
    this.queued[i] = queuedOf(entry);
    this.#patch(i);
  }

  /** Where an entry of this ability goes, the entry at `from` set aside (after equal abilities). */
  #slot(ability: number, from: number): number {
    let lo = 0;
    let hi = this.entries.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = mid < from ? mid : mid + 1; // positions without `from`
      if (at < this.entries.length && (this.ability[at] as number) >= ability) lo = mid + 1;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Moves row `from` to `to`, shifting the rows between by one (the moved row's content is then rewritten). */
  #shift(from: number, to: number): void {
    if (from === to) return;
    const [start, end, target] = from < to ? [from + 1, to + 1, from] : [to, from, to + 1];
    for (const c of this.columns()) c.copyWithin(target, start, end);
    for (const list of [this.entries, this.currency, this.placement] as unknown[][]) {
      const [moved] = list.splice(from, 1);
      list.splice(to, 0, moved);
    }
  }

  #truncate(): void {
    this.#touch();
    this.entries.pop();
    this.currency.pop();
    this.placement.pop();
  }

  /** Writes the entry at row i (see `BoundTable.write`) and records it by id. */
  #write(i: number, entry: Entry, how: 'append' | 'overwrite'): void {
    this.write(i, entry, how);
    this.ids.set(entry.candidate.id, entry);
  }
}
