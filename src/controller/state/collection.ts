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
 * A `DraftCollection` overlays a collection with the changes of one write
 * (new, changed and deleted resources). Its lookups answer for the
 * committed state as modified by the draft, using the same key functions on
 * the (few) changed resources, so a bulk create sees its own earlier items:
 * two ports in one request cannot take the same address.
 */

export type KeyFn<T> = (o: T) => readonly string[];

interface Index<T> {
  readonly keys: KeyFn<T>;
  readonly map: Map<string, Set<string>>;
}

export class Collection<T extends { readonly id: string }> {
  private readonly items = new Map<string, T>();
  private readonly rowOf = new Map<string, string>();
  private readonly indexes = new Map<string, Index<T>>();

  constructor(readonly kind: string, defs: Readonly<Record<string, KeyFn<T>>> = {}) {
    for (const [name, keys] of Object.entries(defs)) this.indexes.set(name, { keys, map: new Map() });
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

  put(o: T, row: string): void {
    this.remove(o.id);
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
    this.items.delete(id);
    this.rowOf.delete(id);
    for (const ix of this.indexes.values()) {
      for (const k of ix.keys(old)) {
        const s = ix.map.get(k);
        if (!s) continue;
        s.delete(id);
        if (s.size === 0) ix.map.delete(k);
      }
    }
  }
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
