/** A binary min-heap of row positions ordered by four key arrays (the best-first search of spec §7.9). */
/**
 * A binary min-heap of entry positions ordered lexicographically by four shared key arrays, built in O(n) (Floyd).
 * Keys of an entry may only grow while it is outside the heap (it is popped, re-keyed and pushed back).
 */
export class KeyHeap {
  readonly #items: Int32Array;
  #size: number;

  /** `items` is scratch space (reused across decisions) holding positions `items[0..count)` to heapify. */
  constructor(
    readonly k1: Float64Array,
    readonly k2: Float64Array,
    readonly k3: Float64Array,
    readonly k4: Float64Array,
    items: Int32Array,
    count: number,
  ) {
    this.#items = items;
    this.#size = count;
    for (let p = (count >> 1) - 1; p >= 0; p--) this.#down(p);
  }

  get size(): number {
    return this.#size;
  }

  peek(): number {
    return this.#items[0] as number;
  }

  pop(): number {
    const top = this.#items[0] as number;
    this.#size--;
    if (this.#size > 0) {
      this.#items[0] = this.#items[this.#size] as number;
      this.#down(0);
    }
    return top;
  }

  push(i: number): void {
    let c = this.#size++;
    this.#items[c] = i;
    while (c > 0) {
      const p = (c - 1) >> 1;
      if (!this.#less(c, p)) break;
      this.#swap(p, c);
      c = p;
    }
  }

  #less(a: number, b: number): boolean {
    const i = this.#items[a] as number;
    const j = this.#items[b] as number;
    const x1 = this.k1[i] as number;
    const y1 = this.k1[j] as number;
    if (x1 !== y1) return x1 < y1;
    const x2 = this.k2[i] as number;
    const y2 = this.k2[j] as number;
    if (x2 !== y2) return x2 < y2;
    const x3 = this.k3[i] as number;
    const y3 = this.k3[j] as number;
    if (x3 !== y3) return x3 < y3;
    return (this.k4[i] as number) < (this.k4[j] as number);
  }

  #swap(a: number, b: number): void {
    const t = this.#items[a] as number;
    this.#items[a] = this.#items[b] as number;
    this.#items[b] = t;
  }

  #down(p: number): void {
    for (;;) {
      const l = 2 * p + 1;
      const r = l + 1;
      let m = p;
      if (l < this.#size && this.#less(l, m)) m = l;
      if (r < this.#size && this.#less(r, m)) m = r;
      if (m === p) return;
      this.#swap(p, m);
      p = m;
    }
  }
}
