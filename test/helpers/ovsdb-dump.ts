/**
 * Whole-database snapshots for comparing OVSDB states: from a Database
 * object in this process, or from any server (Weft's or ovsdb-server) over
 * JSON-RPC with one `select` per table. Both give the same shape —
 * table -> row uuid -> column -> value in RFC 7047 JSON — without `_version`
 * (a fresh uuid whenever a server loads a file), so a state written by one
 * implementation and read back by another compares exactly, uuids included.
 *
 * `canonicalDump` renders a snapshot with every object's keys and every
 * set's and map's members sorted, so encodings that differ only in order
 * compare equal.
 */
import type { Database } from '../../src/ovsdb/database.js';
import { datumToJson } from '../../src/ovsdb/datum.js';
import type { RawRpcClient, Json } from './ovsdb-rpc.js';

export type DbDump = Record<string, Record<string, Record<string, unknown>>>;

/** Snapshot of an in-process database (every table, every column but `_version`). */
export function dumpDatabase(db: Database): DbDump {
  const out: DbDump = {};
  for (const [name, table] of db.tables) {
    const rows: Record<string, Record<string, unknown>> = {};
    for (const row of table.rows.values()) {
      const cols: Record<string, unknown> = {};
      for (const c of table.schema.columns.values()) cols[c.name] = datumToJson(c.type, row.columns[c.name]!);
      rows[row.uuid] = cols;
    }
    out[name] = rows;
  }
  return out;
}

/** Snapshot of database `dbName` as a server serves it (one transaction of selects). */
export async function dumpOverRpc(client: RawRpcClient, dbName: string): Promise<DbDump> {
  const schema = await client.request('get_schema', [dbName]);
  if (schema.error !== null) throw new Error(`get_schema ${dbName}: ${JSON.stringify(schema.error)}`);
  const tables = Object.keys((schema.result as { tables: Record<string, unknown> }).tables).sort();
  const r = await client.request('transact', [dbName, ...tables.map((table): Json => ({ op: 'select', table, where: [] }))]);
  if (r.error !== null) throw new Error(`select: ${JSON.stringify(r.error)}`);
  const out: DbDump = {};
  (r.result as { rows?: Record<string, unknown>[]; error?: string }[]).forEach((res, i) => {
    if (!res.rows) throw new Error(`select ${tables[i]}: ${JSON.stringify(res)}`);
    const rows: Record<string, Record<string, unknown>> = {};
    for (const row of res.rows) {
      const { _uuid, _version, ...cols } = row;
      rows[(_uuid as [string, string])[1]] = cols;
    }
    out[tables[i]!] = rows;
  });
  return out;
}

/** Stable text of a snapshot: object keys sorted, set and map members sorted. */
export function canonicalDump(d: DbDump): string {
  const canon = (x: unknown): unknown => {
    if (Array.isArray(x)) {
      const items = x.map(canon);
      if (items.length === 2 && (items[0] === 'set' || items[0] === 'map') && Array.isArray(items[1])) {
        return [items[0], (items[1] as unknown[]).map((i) => JSON.stringify(i)).sort().map((s) => JSON.parse(s) as unknown)];
      }
      return items;
    }
    if (x && typeof x === 'object') {
      return Object.fromEntries(Object.keys(x).sort().map((k) => [k, canon((x as Record<string, unknown>)[k])]));
    }
    return x;
  };
  return JSON.stringify(canon(d), null, 1);
}

/** Number of rows per table, for short failure messages. */
export function rowCounts(d: DbDump): Record<string, number> {
  return Object.fromEntries(Object.entries(d).map(([t, rows]) => [t, Object.keys(rows).length]));
}
