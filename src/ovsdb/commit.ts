/**
 * Commit-time checks, run once every operation of a transaction succeeded.
 * In ovsdb-server's order:
 *
 *   1. drop rows that did not really change (an update to the same values
 *      is no change: no new _version, no monitor update, nothing on disk);
 *   2. strong references must name rows that will exist;
 *   3. garbage collection: rows of non-root tables that no strong reference
 *      reaches are deleted, which may orphan further rows;
 *   4. a deleted row must not still be strongly referenced;
 *   5. weak references to rows that will not exist (deleted explicitly or
 *      collected) are removed from the rows holding them (RFC 7047 §3.2
 *      refType "weak");
 *   6. maxRows and unique indexes hold.
 *
 * A violation throws the OVSDB error that becomes the transaction's extra
 * trailing result; the view is then discarded, so nothing is half-applied.
 */
import { OvsdbError, constraintViolation } from './errors.js';
import { difference, findKey, makeDiff, refsOf, compareDatums3way, datumToString, datumEquals, type Datum } from './datum.js';
import type { TableSchema } from './schema.js';
import { type Row, changedColumns, getColumn } from './row.js';
import type { TxnView } from './txn.js';
import { refChanges } from './refs.js';

export function precommit(view: TxnView): void {
  dropUnchanged(view);
  const delta = strongRefDelta(view);
  checkStrongRefsExist(view);
  collectGarbage(view, delta);
  checkDeletedUnreferenced(view, delta);
  removeDanglingWeakRefs(view);
  checkMaxRows(view);
  checkIndexes(view);
  dropUnchanged(view);
}

function dropUnchanged(view: TxnView): void {
  for (const [tname, ch] of view.changes) {
    const t = view.db.schema.tables.get(tname)!;
    for (const [uuid, c] of ch) {
      if (c.old && c.new && changedColumns(t, c.old, c.new).length === 0) ch.delete(uuid);
    }
    if (ch.size === 0) view.changes.delete(tname);
  }
}

function forEachRef(t: TableSchema, row: Row, fn: (target: string, table: string, weak: boolean, column: string) => void): void {
  for (const c of t.columns.values()) {
    if (!c.type.key.refTable && !c.type.value?.refTable) continue;
    refsOf(c.type, row.columns[c.name]!, (u, table, weak) => fn(u, table, weak, c.name));
  }
}

/** Removes weak references to rows that will not exist, from changed rows and from rows referring to deleted ones. */
function removeDanglingWeakRefs(view: TxnView): void {
  const suspects = new Map<string, Set<string>>();   // table -> uuids of rows to re-check
  const add = (table: string, uuid: string): void => {
    let s = suspects.get(table);
    if (!s) { s = new Set(); suspects.set(table, s); }
    s.add(uuid);
  };
  for (const [tname, ch] of view.changes) {
    for (const [uuid, c] of ch) {
      if (c.new) add(tname, uuid);
      if (!c.new) for (const src of view.db.weakReferrers(tname, uuid)) add(src.table, src.uuid);
    }
  }
  // Rows this transaction deletes, by table: with the references it adds, the only ones that can dangle.
  const deletedRows = new Map<string, string[]>();
  for (const [tname, ch] of view.changes) {
    for (const [uuid, c] of ch) {
      if (c.new || !c.old) continue;
      const l = deletedRows.get(tname);
      if (l) l.push(uuid); else deletedRows.set(tname, [uuid]);
    }
  }
  for (const [tname, uuids] of suspects) {
    const t = view.db.schema.tables.get(tname)!;
    const weakCols = [...t.columns.values()].filter((c) => c.type.key.refType === 'weak' || c.type.value?.refType === 'weak');
    if (weakCols.length === 0) continue;
    const committedRows = view.db.tables.get(tname)!.rows;
    for (const uuid of uuids) {
      const row = view.get(tname, uuid);
      if (!row) continue;
      const committed = committedRows.get(uuid);
      let cols: Record<string, Datum> | null = null;
      for (const c of weakCols) {
        const d = row.columns[c.name]!;
        const dead: string[] = [];
        if (committed && c.type.value?.refType !== 'weak' && c.type.key.refTable) {
          // A committed set of weak references (a Port_Group's ports, say): its committed members
          // existed at the last commit, so only members added now or rows deleted now can be dead.
          // Checking those, not every member, keeps a one-port change O(1) lookups, not O(ports).
          const old = committed.columns[c.name]!;
          const check = (u: string): void => { if (!dead.includes(u) && findKey(d, u) >= 0 && !view.exists(c.type.key.refTable!, u)) dead.push(u); };
          if (old !== d) for (const k of makeDiff(old, d).keys) check(k as string);
          for (const u of deletedRows.get(c.type.key.refTable) ?? []) check(u);
        } else {
          refsOf(c.type, d, (u, table, weak) => { if (weak && !view.exists(table, u)) dead.push(u); });
        }
        if (dead.length === 0) continue;
        let nd: Datum;
        if (c.type.key.refType === 'weak') {
          nd = difference(d, { keys: dead.sort(), values: null }, false);
        } else {
          const keep = d.keys.map((_, i) => i).filter((i) => !dead.includes(d.values![i] as string));
          nd = { keys: keep.map((i) => d.keys[i]!), values: keep.map((i) => d.values![i]!) };
        }
        if (nd.keys.length < c.type.min) {
          throw constraintViolation(`Deletion of a weakly referenced row would leave ${t.name}.${c.name} with too few elements.`);
        }
        (cols ??= { ...row.columns })[c.name] = nd;
      }
      if (cols) view.modify(tname, { uuid, version: row.version, columns: cols });
    }
  }
}

/** Change in strong reference counts caused by the view, keyed "table\0uuid". */
function strongRefDelta(view: TxnView): Map<string, number> {
  const delta = new Map<string, number>();
  const bump = (table: string, uuid: string, by: number): void => {
    const k = `${table}\0${uuid}`;
    delta.set(k, (delta.get(k) ?? 0) + by);
  };
  for (const [tname, ch] of view.changes) {
    const t = view.db.schema.tables.get(tname)!;
    for (const c of ch.values()) accountRow(t, c.old, c.new, bump);
  }
  return delta;
}

function accountRow(t: TableSchema, old: Row | null, nw: Row | null, bump: (table: string, uuid: string, by: number) => void): void {
  refChanges(t, old, nw, (u, table, weak, by) => { if (!weak) bump(table, u, by); });
}

function checkStrongRefsExist(view: TxnView): void {
  for (const [tname, ch] of view.changes) {
    const t = view.db.schema.tables.get(tname)!;
    for (const c of ch.values()) {
      if (!c.new) continue;
      // Only references this transaction added can dangle: the committed ones were checked before.
      refChanges(t, c.old, c.new, (u, table, weak, by, column) => {
        if (by > 0 && !weak && !view.exists(table, u)) {
          throw new OvsdbError('referential integrity violation',
            `Table ${tname} column ${column} row ${c.new!.uuid} references nonexistent row ${u} in table ${table}.`);
        }
      });
    }
  }
}

function refsAfter(view: TxnView, delta: Map<string, number>, table: string, uuid: string): number {
  return (view.db.tables.get(table)!.refCount.get(uuid) ?? 0) + (delta.get(`${table}\0${uuid}`) ?? 0);
}

function collectGarbage(view: TxnView, delta: Map<string, number>): void {
  const queue: [string, string][] = [];
  for (const [tname, ch] of view.changes) {
    if (view.db.schema.tables.get(tname)!.isRoot) continue;
    for (const [uuid, c] of ch) if (c.new) queue.push([tname, uuid]);
  }
  for (const [k, n] of delta) {
    if (n >= 0) continue;
    const [tname, uuid] = k.split('\0') as [string, string];
    if (!view.db.schema.tables.get(tname)!.isRoot) queue.push([tname, uuid]);
  }
  const bump = (table: string, uuid: string, by: number): void => {
    const k = `${table}\0${uuid}`;
    delta.set(k, (delta.get(k) ?? 0) + by);
    if (by < 0 && !view.db.schema.tables.get(table)!.isRoot) queue.push([table, uuid]);
  };
  while (queue.length) {
    const [tname, uuid] = queue.pop()!;
    const row = view.get(tname, uuid);
    if (!row || refsAfter(view, delta, tname, uuid) > 0) continue;
    view.delete(tname, uuid);
    accountRow(view.db.schema.tables.get(tname)!, row, null, bump);
  }
}

function checkDeletedUnreferenced(view: TxnView, delta: Map<string, number>): void {
  for (const [tname, ch] of view.changes) {
    for (const [uuid, c] of ch) {
      if (c.new || !c.old) continue;
      const n = refsAfter(view, delta, tname, uuid);
      if (n > 0) {
        throw new OvsdbError('referential integrity violation',
          `cannot delete ${tname} row ${uuid} because of ${n} remaining reference(s)`);
      }
    }
  }
}

function checkMaxRows(view: TxnView): void {
  for (const tname of view.changes.keys()) {
    const t = view.db.schema.tables.get(tname)!;
    if (t.maxRows === Infinity) continue;
    const n = view.rowCount(tname);
    if (n > t.maxRows) {
      throw constraintViolation(`transaction causes "${tname}" table to contain ${n} rows, greater than the schema-defined limit of ${t.maxRows} row(s)`);
    }
  }
}

function checkIndexes(view: TxnView): void {
  for (const [tname, ch] of view.changes) {
    const table = view.db.tables.get(tname)!;
    const t = table.schema;
    for (let i = 0; i < t.indexes.length; i++) {
      const seen = new Map<string, string>();
      for (const [uuid, c] of ch) {
        if (!c.new) continue;
        const key = table.indexKey(i, c.new.columns);
        const other = seen.get(key);
        const committed = table.indexes[i]!.get(key);
        const clash = other ?? (committed !== undefined && committed !== uuid && view.exists(tname, committed)
          && table.indexKey(i, view.get(tname, committed)!.columns) === key ? committed : undefined);
        if (clash !== undefined) throw duplicateIndexRow(view, t, t.indexes[i]!, view.get(tname, clash)!, c.new);
        seen.set(key, uuid);
      }
    }
  }
}

/**
 * The error for two rows with the same values in a unique index, worded as
 * ovsdb-server words it: the rows in its fixed order (the greater first,
 * comparing every column in its column order), each said to be inserted,
 * untouched, modified outside the index, or moved into it from old values.
 */
function duplicateIndexRow(view: TxnView, t: TableSchema, index: readonly string[], x: Row, y: Row): OvsdbError {
  const compare = (a: Row, b: Row): number => {
    for (const c of t.columnOrder) {
      const d = compareDatums3way(getColumn(a, c), getColumn(b, c));
      if (d) return d;
    }
    return 0;
  };
  const [a, b] = compare(x, y) < 0 ? [y, x] : [x, y];
  const values = (r: Row): string => index.map((c, i) => listDelimiter(i, index.length) + datumToString(t.columns.get(c)!.type, getColumn(r, c))).join('');
  const describe = (r: Row): string => {
    const change = view.changes.get(t.name)?.get(r.uuid);
    if (!change) return 'existed in the database before this transaction and was not modified by the transaction.';
    if (!change.old) return 'was inserted by this transaction.';
    if (index.every((c) => datumEquals(getColumn(change.old!, c), getColumn(r, c)))) {
      return 'existed in the database before this transaction, which modified some of the row\'s columns but not any columns in this index.';
    }
    return `had the following index values before the transaction: ${values(change.old)}.`;
  };
  const columns = `column${index.length > 1 ? 's' : ''} ${index.map((c, i) => `${listDelimiter(i, index.length)}"${c}"`).join('')}`;
  return constraintViolation(`Transaction causes multiple rows in "${t.name}" table to have identical values (${values(a)}) for index on ${columns}.  `
    + `First row, with UUID ${a.uuid}, ${describe(a)}  Second row, with UUID ${b.uuid}, ${describe(b)}`);
}

/** What goes before item `i` of `n` in an English list: "a", "a and b", "a, b, and c". */
function listDelimiter(i: number, n: number): string {
  return i === 0 ? '' : i < n - 1 ? ', ' : n > 2 ? ', and ' : ' and ';
}
