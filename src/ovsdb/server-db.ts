/**
 * The `_Server` database that ovsdb-server (2.9+) serves beside the user's
 * databases: one `Database` row per served database, carrying its name,
 * storage model, whether it is usable, and its full schema text (members
 * sorted). `_Server` lists itself too, and clients may only read it. Clients of
 * the OVS IDL read schemas from here first (`ovn-nbctl` learns the schema
 * only from this table), so it must be present and kept current.
 */
import { parseDatabaseSchema, schemaToJson, type DatabaseSchema } from './schema.js';
import { Database } from './database.js';

export const SERVER_SCHEMA_JSON = {
  name: '_Server',
  version: '1.2.0',
  cksum: '3009684573 744',
  tables: {
    Database: {
      columns: {
        name: { type: 'string' },
        model: { type: { key: { type: 'string', enum: ['set', ['standalone', 'clustered', 'relay']] } } },
        connected: { type: 'boolean' },
        leader: { type: 'boolean' },
        schema: { type: { key: 'string', min: 0, max: 1 } },
        cid: { type: { key: 'uuid', min: 0, max: 1 } },
        sid: { type: { key: 'uuid', min: 0, max: 1 } },
        index: { type: { key: 'integer', min: 0, max: 1 } },
      },
    },
  },
};

export function createServerDatabase(): Database {
  return new Database(parseDatabaseSchema(SERVER_SCHEMA_JSON));
}

const INTERNAL = { ownsLock: () => false, elapsedMs: 0, internal: true };

/** Makes the `_Server.Database` rows match the served databases. */
export function syncServerRows(server: Database, served: ReadonlyMap<string, DatabaseSchema>): void {
  const existing = new Map<string, string>();
  for (const row of server.tables.get('Database')!.rows.values()) existing.set(row.columns.name!.keys[0] as string, row.uuid);
  const ops: unknown[] = [];
  for (const [name, uuid] of existing) {
    if (!served.has(name)) ops.push({ op: 'delete', table: 'Database', where: [['_uuid', '==', ['uuid', uuid]]] });
  }
  for (const [name, schema] of served) {
    const row = {
      name, model: 'standalone', connected: true, leader: true,
      schema: JSON.stringify(schemaToJson(schema)),
    };
    const uuid = existing.get(name);
    ops.push(uuid
      ? { op: 'update', table: 'Database', where: [['_uuid', '==', ['uuid', uuid]]], row }
      : { op: 'insert', table: 'Database', row });
  }
  if (ops.length) server.transact(ops, INTERNAL);
}
