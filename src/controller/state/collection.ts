/**
 * Collections of decoded resources with secondary indexes, and the draft
 * overlay a write works on.
 *
 * A `Collection` holds the committed resources of one kind by id, the
 * northbound row each came from, and any number of multi-valued indexes
 * defined by key functions (ports by network, by "network|ip", by
 * "network|mac"…), maintained incrementally as rows change, so that the
 * questions a write asks ("is 10.0.0.7 taken on this network?") cost a
 * hash lookup at 10,000 ports.
 *
 * A collection also keeps its ids in named sort orders (by id, and any
 * the owner defines, such as creation order), each built on first use and
 * then maintained by binary insertion, so that a paginated list, which
 * Neutron orders by id, walks from its marker and stops after one page,
 * and a full list comes out in creation order, without sorting 10,000
 * ports per request.
 *
 * A `DraftCollection` overlays a collection with the changes of one write
 * (new, changed and deleted resources). Its lookups answer for the
 * committed state as modified by the draft, using the same key functions on
 * the (few) changed resources, so a bulk create sees its own earlier items:
 * two ports in one request cannot take the same address.
 */

export type KeyFn<T> = (o: T) => readonly string[];
/** A sort key: resources are ordered by it as strings, and it must be unique (end it with the id). */
export type OrderKey<T> = (o: T) => string;

interface Index<T> {
  readonly keys: KeyFn<T>;
  readonly map: Map<string, Set<string>>;
}

export class Collection<T extends { readonly id: string }> {
  private readonly items = new Map<string, T>();
  private readonly rowOf = new Map<string, string>();
  private readonly indexes = new Map<string, Index<T>>();
  private readonly orders = new Map<string, { key: OrderKey<T>; ids: string[] | null }>();

  constructor(readonly kind: string, defs: Readonly<Record<string, KeyFn<T>>> = {}, orders: Readonly<Record<string, OrderKey<T>>> = {}) {
    for (const [name, keys] of Object.entries(defs)) this.indexes.set(name, { keys, map: new Map() });
    this.orders.set('id', { key: (o) => o.id, ids: null });
    for (const [name, key] of Object.entries(orders)) this.orders.set(name, { key, ids: null });
  }

  get size(): number {
    return this.items.size;
  }

  get(id: string): T | undefined {
    return this.items.get(id);
  }

  /** The northbound row the resource was decoded from. */
  row(id: string): string | undefined {
    return this.rowOf.get(id);
  }

  values(): IterableIterator<T> {
    return this.items.values();
  }

  keyFn(index: string): KeyFn<T> {
    const ix = this.indexes.get(index);
    if (!ix) throw new Error(`${this.kind}: no index ${index}`);
    return ix.keys;
  }

  lookup(index: string, key: string): T[] {
    const ids = this.indexes.get(index)?.map.get(key);
    if (!ids) return [];
    const out: T[] = [];
    for (const id of ids) out.push(this.items.get(id)!);
    return out;
  }

  count(index: string, key: string): number {
    return this.indexes.get(index)?.map.get(key)?.size ?? 0;
  }

  /** The key function of a named order. */
  orderKey(order: string): OrderKey<T> {
    const ord = this.orders.get(order);
    if (!ord) throw new Error(`${this.kind}: no order ${order}`);
    return ord.key;
  }

  /** Every id, ascending by the named order's key (`id` by default). Callers must not modify it. */
  sortedIds(order = 'id'): readonly string[] {
    const ord = this.orders.get(order);
    if (!ord) throw new Error(`${this.kind}: no order ${order}`);
    if (!ord.ids) {
      const keyed = [...this.items.values()].map((o) => [ord.key(o), o.id] as const);
      keyed.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      ord.ids = keyed.map((k) => k[1]);
    }
    return ord.ids;
  }

  put(o: T, row: string): void {
    const old = this.items.get(o.id);
    if (old) this.unindex(old);
    for (const ord of this.orders.values()) {
      if (!ord.ids || (old && ord.key(old) === ord.key(o))) continue;
      if (old) ord.ids.splice(this.position(ord, ord.key(old)), 1);
      ord.ids.splice(this.position(ord, ord.key(o)), 0, o.id);
    }
    this.items.set(o.id, o);
    this.rowOf.set(o.id, row);
    for (const ix of this.indexes.values()) {
      for (const k of ix.keys(o)) {
        let s = ix.map.get(k);
        if (!s) ix.map.set(k, s = new Set());
        s.add(o.id);
      }
    }
  }

  remove(id: string): void {
    const old = this.items.get(id);
    if (!old) return;
    this.unindex(old);
    for (const ord of this.orders.values()) if (ord.ids) ord.ids.splice(this.position(ord, ord.key(old)), 1);
    this.items.delete(id);
    this.rowOf.delete(id);
  }

  /** Where `key` is, or would go, in an order's ids. */
  private position(ord: { key: OrderKey<T>; ids: string[] | null }, key: string): number {
    return lowerBound(ord.ids!, key, (id) => ord.key(this.items.get(id)!));
  }

  private unindex(old: T): void {
    for (const ix of this.indexes.values()) {
      for (const k of ix.keys(old)) {
        const s = ix.map.get(k);
        if (!s) continue;
        s.delete(old.id);
        if (s.size === 0) ix.map.delete(k);
      }
    }
  }
}

/** The first position in `xs`, sorted by `keyOf`, whose key is not less than `x`. */
export function lowerBound(xs: readonly string[], x: string, keyOf: (s: string) => string = (s) => s): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (keyOf(xs[mid]!) < x) lo = mid + 1; else hi = mid;
  }
  return lo;
}

export class DraftCollection<T extends { readonly id: string }> {
  /** id -> the resource after the write, or null if the write deletes it. */
  readonly changes = new Map<string, T | null>();

  constructor(readonly base: Collection<T>) {}

  get(id: string): T | undefined {
    if (this.changes.has(id)) return this.changes.get(id) ?? undefined;
    return this.base.get(id);
  }

  /** The committed version (before this write). */
  before(id: string): T | undefined {
    return this.base.get(id);
  }

  isNew(id: string): boolean {
    return !this.base.get(id) && !!this.changes.get(id);
  }

  put(o: T): void {
    this.changes.set(o.id, o);
  }

  delete(id: string): void {
    if (this.base.get(id)) this.changes.set(id, null);
    else this.changes.delete(id);
  }

  /** The changes so far, for `restore` to return to (a copy: later changes do not alter it). */
  savepoint(): ReadonlyMap<string, T | null> {
    return new Map(this.changes);
  }

  restore(sp: ReadonlyMap<string, T | null>): void {
    this.changes.clear();
    for (const [id, o] of sp) this.changes.set(id, o);
  }

  lookup(index: string, key: string): T[] {
    const out = this.base.lookup(index, key).filter((o) => !this.changes.has(o.id));
    if (this.changes.size) {
      const keys = this.base.keyFn(index);
      for (const o of this.changes.values()) if (o && keys(o).includes(key)) out.push(o);
    }
    return out;
  }

  count(index: string, key: string): number {
    if (this.changes.size === 0) return this.base.count(index, key);
    return this.lookup(index, key).length;
  }

  *values(): IterableIterator<T> {
    for (const o of this.base.values()) if (!this.changes.has(o.id)) yield o;
    for (const o of this.changes.values()) if (o) yield o;
  }
}
