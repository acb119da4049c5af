/**
 * A transaction's private view of the database: an overlay of changed rows
 * on top of the committed tables. Operations read through the overlay and
 * write into it; nothing touches the committed tables until every
 * operation and every commit-time check has passed, which is what makes a
 * failed transaction leave no trace (RFC 7047 §4.1.3: atomic).
 *
 * A change records the committed row (`old`, null for an insert) and the
 * row as the transaction leaves it (`new`, null for a delete). An insert
 * followed by a delete in the same transaction vanishes entirely.
 */
import type { Database } from './database.js';
import type { Row } from './row.js';
import type { Table } from './table.js';

export interface RowChange {
  readonly old: Row | null;
  new: Row | null;
}

export class TxnView {
  /** table name -> uuid -> change */
  readonly changes = new Map<string, Map<string, RowChange>>();

  constructor(readonly db: Database) {}

  table(name: string): Table {
    return this.db.tables.get(name)!;
  }

  changesOf(table: string): Map<string, RowChange> {
    let m = this.changes.get(table);
    if (!m) { m = new Map(); this.changes.set(table, m); }
    return m;
  }

  get(table: string, uuid: string): Row | null {
    const ch = this.changes.get(table)?.get(uuid);
    if (ch) return ch.new;
    return this.table(table).rows.get(uuid) ?? null;
  }

  /** Every row of the table as this transaction sees it. */
  *scan(table: string): Generator<Row> {
    const ch = this.changes.get(table);
    const committed = this.table(table).rows;
    if (!ch || ch.size === 0) {
      yield* committed.values();
      return;
    }
    for (const [uuid, row] of committed) {
      const c = ch.get(uuid);
      if (!c) yield row;
      else if (c.new) yield c.new;
    }
    for (const c of ch.values()) if (!c.old && c.new) yield c.new;
  }

  rowCount(table: string): number {
    let n = this.table(table).rows.size;
    const ch = this.changes.get(table);
    if (ch) for (const c of ch.values()) n += (c.new ? 1 : 0) - (c.old ? 1 : 0);
    return n;
  }

  insert(table: string, row: Row): void {
    this.changesOf(table).set(row.uuid, { old: null, new: row });
  }

  /** Replaces a row that exists in this view. */
  modify(table: string, row: Row): void {
    const m = this.changesOf(table);
    const c = m.get(row.uuid);
    if (c) c.new = row;
    else m.set(row.uuid, { old: this.table(table).rows.get(row.uuid)!, new: row });
  }

  delete(table: string, uuid: string): void {
    const m = this.changesOf(table);
    const c = m.get(uuid);
    if (c) {
      if (c.old) c.new = null;
      else m.delete(uuid);
    } else {
      m.set(uuid, { old: this.table(table).rows.get(uuid)!, new: null });
    }
  }

  exists(table: string, uuid: string): boolean {
    return this.get(table, uuid) !== null;
  }
}
