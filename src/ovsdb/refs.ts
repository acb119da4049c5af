/**
 * Reference accounting shared by the commit checks and the committed
 * tables: the references that differ between two versions of a row.
 *
 * Only columns whose datum changed are walked, and within a set of
 * references (the common shape: Open_vSwitch.bridges, Bridge.ports) the
 * walk is a merge of two sorted key lists, so adding one port to a bridge
 * with thousands costs a linear scan without allocation, not a recount of
 * every reference the row holds.
 */
import type { TableSchema } from './schema.js';
import type { Row } from './row.js';
import type { Datum } from './datum.js';
import type { BaseType } from './types.js';

export type RefVisitor = (target: string, table: string, weak: boolean, by: 1 | -1, column: string) => void;

function sortedDiff(a: readonly unknown[], b: readonly unknown[], base: BaseType, column: string, fn: RefVisitor): void {
  const table = base.refTable!, weak = base.refType === 'weak';
  let i = 0, j = 0;
  while (i < a.length || j < b.length) {
    const x = a[i] as string | undefined, y = b[j] as string | undefined;
    if (y === undefined || (x !== undefined && x < y)) { fn(x!, table, weak, -1, column); i++; }
    else if (x === undefined || y < x) { fn(y, table, weak, +1, column); j++; }
    else { i++; j++; }
  }
}

function unsortedDiff(a: readonly unknown[], b: readonly unknown[], base: BaseType, column: string, fn: RefVisitor): void {
  const counts = new Map<string, number>();
  for (const u of a) counts.set(u as string, (counts.get(u as string) ?? 0) - 1);
  for (const u of b) counts.set(u as string, (counts.get(u as string) ?? 0) + 1);
  const table = base.refTable!, weak = base.refType === 'weak';
  for (const [u, n] of counts) {
    for (let k = 0; k < Math.abs(n); k++) fn(u, table, weak, n > 0 ? 1 : -1, column);
  }
}

const EMPTY: Datum = { keys: [], values: null };

/** Visits every reference removed (by -1) or added (by +1) going from `old` to `nw` (either may be null). */
export function refChanges(t: TableSchema, old: Row | null, nw: Row | null, fn: RefVisitor): void {
  for (const c of t.columns.values()) {
    const kt = c.type.key.refTable ? c.type.key : undefined;
    const vt = c.type.value?.refTable ? c.type.value : undefined;
    if (!kt && !vt) continue;
    const a = old ? old.columns[c.name]! : EMPTY;
    const b = nw ? nw.columns[c.name]! : EMPTY;
    if (a === b) continue;
    if (kt) sortedDiff(a.keys, b.keys, kt, c.name, fn);
    if (vt) unsortedDiff(a.values ?? [], b.values ?? [], vt, c.name, fn);
  }
}
