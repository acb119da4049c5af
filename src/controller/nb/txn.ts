/**
 * Building one OVN_Northbound transaction, and reading columns back.
 *
 * `TxnBuilder` collects inserts, updates, deletes and set-column deltas
 * ("add this port to that port group") and emits RFC 7047 operations.
 * Deltas on a row inserted in the same transaction are folded into the
 * insert; deltas on an existing row become one `mutate` per column, so a
 * 10,000-port group gains a member without the whole set being rewritten
 * in the request. Named uuids may be referenced before the insert that
 * defines them, as OVSDB allows, so callers need not order anything.
 */
import type { Datum } from '../../ovsdb/datum.js';
import type { NbRow } from './store.js';

export type Ref = { readonly uuid: string } | { readonly named: string };

export function refJson(r: Ref): [string, string] {
  return 'uuid' in r ? ['uuid', r.uuid] : ['named-uuid', r.named];
}

export function refKey(r: Ref): string {
  return 'uuid' in r ? r.uuid : `@${r.named}`;
}

export function omap(o: Readonly<Record<string, string>>): ['map', [string, string][]] {
  return ['map', Object.entries(o)];
}

export function oset(xs: readonly unknown[]): ['set', unknown[]] {
  return ['set', [...xs]];
}

/** An optional (0..1) column's value. */
export function opt(v: unknown): unknown {
  return v === null || v === undefined ? ['set', []] : v;
}

interface Delta { table: string; ref: Ref; column: string; add: Map<string, unknown>; remove: Map<string, unknown> }

export class TxnBuilder {
  private readonly inserts: { table: string; name: string; row: Record<string, unknown> }[] = [];
  private readonly updates: unknown[] = [];
  private readonly deletes: { table: string; uuid: string }[] = [];
  private readonly deltas = new Map<string, Delta>();
  private readonly head: unknown[] = [];
  private n = 0;

  /** Operations placed first (guards). */
  prepend(op: unknown): void {
    this.head.push(op);
  }

  /** A fresh uuid-name, for a row to be inserted later in this transaction. */
  newName(): string {
    return `row${this.n++}`;
  }

  insert(table: string, row: Record<string, unknown>, name = this.newName()): Ref {
    this.inserts.push({ table, name, row });
    return { named: name };
  }

  update(table: string, uuid: string, row: Record<string, unknown>): void {
    if (Object.keys(row).length === 0) return;
    this.updates.push({ op: 'update', table, where: [['_uuid', '==', ['uuid', uuid]]], row });
  }

  delete(table: string, uuid: string): void {
    this.deletes.push({ table, uuid });
  }

  /** Adds `value` (an atom or a uuid reference) to set column `column` of row `ref`. */
  add(table: string, ref: Ref, column: string, value: unknown): void {
    this.delta(table, ref, column, value, true);
  }

  remove(table: string, ref: Ref, column: string, value: unknown): void {
    this.delta(table, ref, column, value, false);
  }

  private delta(table: string, ref: Ref, column: string, value: unknown, add: boolean): void {
    const key = `${table}\0${refKey(ref)}\0${column}`;
    let d = this.deltas.get(key);
    if (!d) this.deltas.set(key, d = { table, ref, column, add: new Map(), remove: new Map() });
    const vk = JSON.stringify(value);
    if (add) { if (!d.remove.delete(vk)) d.add.set(vk, value); } else if (!d.add.delete(vk)) d.remove.set(vk, value);
  }

  get isEmpty(): boolean {
    return this.inserts.length + this.updates.length + this.deletes.length === 0
      && [...this.deltas.values()].every((d) => d.add.size + d.remove.size === 0);
  }

  build(): unknown[] {
    const deleted = new Set(this.deletes.map((d) => `${d.table}\0${d.uuid}`));
    const folded = new Set<Delta>();
    const ops: unknown[] = [...this.head];
    for (const ins of this.inserts) {
      const row = { ...ins.row };
      for (const d of this.deltas.values()) {
        if (d.table !== ins.table || !('named' in d.ref) || d.ref.named !== ins.name) continue;
        const cur = row[d.column] as ['set', unknown[]] | undefined;
        const members = new Map<string, unknown>((cur?.[1] ?? []).map((v) => [JSON.stringify(v), v]));
        for (const [k, v] of d.add) members.set(k, v);
        for (const k of d.remove.keys()) members.delete(k);
        row[d.column] = oset([...members.values()]);
        folded.add(d);
      }
      ops.push({ op: 'insert', table: ins.table, 'uuid-name': ins.name, row });
    }
    ops.push(...this.updates);
    for (const d of this.deltas.values()) {
      if (folded.has(d) || (d.add.size === 0 && d.remove.size === 0)) continue;
      if ('uuid' in d.ref && deleted.has(`${d.table}\0${d.ref.uuid}`)) continue;
      const mutations: unknown[] = [];
      if (d.remove.size) mutations.push([d.column, 'delete', oset([...d.remove.values()])]);
      if (d.add.size) mutations.push([d.column, 'insert', oset([...d.add.values()])]);
      ops.push({ op: 'mutate', table: d.table, where: [['_uuid', '==', refJson(d.ref)]], mutations });
    }
    for (const d of this.deletes) ops.push({ op: 'delete', table: d.table, where: [['_uuid', '==', ['uuid', d.uuid]]] });
    return ops;
  }
}

// ------------------------------------------------------------- reading rows

const NONE: Datum = { keys: [], values: null };

function col(row: NbRow, c: string): Datum {
  return row.columns[c] ?? NONE;
}

export function str(row: NbRow, c: string): string {
  const a = col(row, c).keys[0];
  return typeof a === 'string' ? a : '';
}

export function optBool(row: NbRow, c: string): boolean | null {
  const a = col(row, c).keys[0];
  return typeof a === 'boolean' ? a : null;
}

export function optInt(row: NbRow, c: string): number | null {
  const a = col(row, c).keys[0];
  return typeof a === 'number' ? a : null;
}

export function strs(row: NbRow, c: string): string[] {
  return col(row, c).keys.map(String);
}

export function smap(row: NbRow, c: string): Map<string, string> {
  const d = col(row, c);
  const m = new Map<string, string>();
  d.keys.forEach((k, i) => m.set(String(k), String(d.values?.[i] ?? '')));
  return m;
}
