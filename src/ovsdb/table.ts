/**
 * The committed contents of one table: rows by uuid, the number of strong
 * references each row receives (for referential integrity and garbage
 * collection, RFC 7047 §3.2 "isRoot"), and one hash per unique index from
 * the index key to the row holding it.
 *
 * Only `Database.apply` mutates a Table, after a transaction passed every
 * commit-time check, so these structures always describe a consistent,
 * garbage-free database.
 */
import type { TableSchema } from './schema.js';
import type { Row } from './row.js';
import { type Datum, datumToJson } from './datum.js';

export class Table {
  readonly rows = new Map<string, Row>();
  /** Strong references received, by row uuid (absent = 0). */
  readonly refCount = new Map<string, number>();
  /** One map per schema index: index key -> uuid. */
  readonly indexes: Map<string, string>[];

  constructor(readonly schema: TableSchema) {
    this.indexes = schema.indexes.map(() => new Map());
  }

  indexKey(i: number, columns: Readonly<Record<string, Datum>>): string {
    const ix = this.schema.indexes[i]!;
    if (ix.length === 1) {
      const c = ix[0]!;
      return JSON.stringify(datumToJson(this.schema.columns.get(c)!.type, columns[c]!));
    }
    return JSON.stringify(ix.map((c) => datumToJson(this.schema.columns.get(c)!.type, columns[c]!)));
  }

  put(row: Row): void {
    const old = this.rows.get(row.uuid);
    if (old) this.unindex(old);
    this.rows.set(row.uuid, row);
    for (let i = 0; i < this.indexes.length; i++) this.indexes[i]!.set(this.indexKey(i, row.columns), row.uuid);
  }

  remove(uuid: string): void {
    const old = this.rows.get(uuid);
    if (!old) return;
    this.unindex(old);
    this.rows.delete(uuid);
    this.refCount.delete(uuid);
  }

  private unindex(row: Row): void {
    for (let i = 0; i < this.indexes.length; i++) {
      const k = this.indexKey(i, row.columns);
      if (this.indexes[i]!.get(k) === row.uuid) this.indexes[i]!.delete(k);
    }
  }
}
