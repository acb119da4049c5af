import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Database, type Commit } from '../../src/ovsdb/database.js';
import { parseDatabaseSchema, schemaToJson } from '../../src/ovsdb/schema.js';
import { Monitor } from '../../src/ovsdb/monitor.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const harnessSchema = JSON.parse(fs.readFileSync(path.join(root, 'test/acceptance/ovs/lib/harness.ovsschema'), 'utf8'));
const vswitchSchema = JSON.parse(fs.readFileSync(path.join(root, 'schemas/vswitch.ovsschema'), 'utf8'));

const ctx = { ownsLock: () => false, elapsedMs: 0 };

function fresh(): Database {
  return new Database(parseDatabaseSchema(harnessSchema));
}

function tx(db: Database, ...ops: unknown[]): unknown[] {
  const { outcome } = db.transact(ops, ctx);
  assert.equal(outcome.kind, 'done');
  return (outcome as { results: unknown[] }).results;
}

function dump(db: Database): string {
  const out: Record<string, unknown[]> = {};
  for (const [name, t] of db.tables) out[name] = [...t.rows.values()].map((r) => [r.uuid, r.version, r.columns]);
  return JSON.stringify(out);
}

test('schema: served form of the harness schema has the tables and root flags of the file', () => {
  const s = schemaToJson(parseDatabaseSchema(harnessSchema)) as { tables: Record<string, { isRoot?: boolean; maxRows?: number }> };
  assert.equal(s.tables.Item!.isRoot, undefined);
  assert.equal(s.tables.Simple!.isRoot, true);
  assert.equal(s.tables.Limited!.maxRows, 2);
});

test('schema: the vswitch schema parses and every table survives a round trip', () => {
  const a = parseDatabaseSchema(vswitchSchema);
  const b = parseDatabaseSchema(schemaToJson(a));
  assert.deepEqual(schemaToJson(b), schemaToJson(a));
  assert.ok(a.tables.get('Bridge') && !a.tables.get('Bridge')!.isRoot);
});

test('engine: garbage collection of unreferenced non-root rows, cascading', () => {
  const db = fresh();
  const r = tx(db,
    { op: 'insert', table: 'Item', row: { label: 'orphan' } },
    { op: 'insert', table: 'Item', row: { label: 'kept' }, 'uuid-name': 'i' },
    { op: 'insert', table: 'Owner', row: { name: 'o', items: ['named-uuid', 'i'] } });
  assert.equal(r.length, 3);
  assert.equal(db.tables.get('Item')!.rows.size, 1);
  tx(db, { op: 'delete', table: 'Owner', where: [] });
  assert.equal(db.tables.get('Item')!.rows.size, 0, 'the item lost its last reference');
});

test('engine: a failed transaction leaves no trace, and publishes nothing', () => {
  const db = fresh();
  tx(db, { op: 'insert', table: 'Simple', row: { name: 'a', count: 1 } });
  const before = dump(db);
  const commits: Commit[] = [];
  db.onCommit((c) => commits.push(c));
  const r = tx(db,
    { op: 'insert', table: 'Simple', row: { name: 'b' } },
    { op: 'update', table: 'Simple', where: [['name', '==', 'a']], row: { count: 2 } },
    { op: 'insert', table: 'Owner', row: { items: ['uuid', '00000000-0000-0000-0000-000000000001'] } });
  assert.equal((r[3] as { error: string }).error, 'referential integrity violation');
  assert.equal(dump(db), before);
  assert.equal(commits.length, 0);
});

test('engine: weak references to deleted rows vanish', () => {
  const db = fresh();
  tx(db,
    { op: 'insert', table: 'Peer', row: { label: 'p' }, 'uuid-name': 'p' },
    { op: 'insert', table: 'Owner', row: { name: 'o', peers: ['named-uuid', 'p'] } });
  tx(db, { op: 'delete', table: 'Peer', where: [] });
  const owner = [...db.tables.get('Owner')!.rows.values()][0]!;
  assert.deepEqual(owner.columns.peers!.keys, []);
});

test('engine: a changed set of weak references loses exactly the dead members (added dangling, deleted now)', () => {
  const db = fresh();
  const [p1, p2] = tx(db,
    { op: 'insert', table: 'Peer', row: { label: 'p1' }, 'uuid-name': 'p1' },
    { op: 'insert', table: 'Peer', row: { label: 'p2' }, 'uuid-name': 'p2' },
    { op: 'insert', table: 'Owner', row: { name: 'o', peers: ['set', [['named-uuid', 'p1'], ['named-uuid', 'p2']]] } },
  ).map((r) => (r as { uuid: [string, string] }).uuid[1]);
  const ghost = '11111111-2222-3333-4444-555555555555';
  // One transaction: a new peer added, a reference to a row that never existed added, p1 deleted.
  const r = tx(db,
    { op: 'insert', table: 'Peer', row: { label: 'p3' }, 'uuid-name': 'p3' },
    { op: 'mutate', table: 'Owner', where: [], mutations: [['peers', 'insert', ['set', [['named-uuid', 'p3'], ['uuid', ghost]]]]] },
    { op: 'delete', table: 'Peer', where: [['_uuid', '==', ['uuid', p1!]]] });
  const p3 = (r[0] as { uuid: [string, string] }).uuid[1];
  const peers = (): string[] => [...db.tables.get('Owner')!.rows.values()][0]!.columns.peers!.keys as string[];
  assert.deepEqual(peers(), [p2!, p3].sort());
  // A change to another column of the owner while a member is deleted.
  tx(db,
    { op: 'update', table: 'Owner', where: [], row: { name: 'o2' } },
    { op: 'delete', table: 'Peer', where: [['_uuid', '==', ['uuid', p2!]]] });
  assert.deepEqual(peers(), [p3]);
});

test('engine: no-op update keeps _version and publishes nothing', () => {
  const db = fresh();
  tx(db, { op: 'insert', table: 'Simple', row: { name: 'a', count: 1 } });
  const v = [...db.tables.get('Simple')!.rows.values()][0]!.version;
  let n = 0;
  db.onCommit(() => { n++; });
  assert.deepEqual(tx(db, { op: 'update', table: 'Simple', where: [], row: { count: 1 } }), [{ count: 1 }]);
  assert.equal([...db.tables.get('Simple')!.rows.values()][0]!.version, v);
  assert.equal(n, 0);
});

test('engine: unique index checked against committed rows and within the transaction', () => {
  const db = fresh();
  tx(db, { op: 'insert', table: 'Simple', row: { name: 'a' } });
  const r = tx(db, { op: 'insert', table: 'Simple', row: { name: 'a' } });
  assert.equal((r[1] as { error: string }).error, 'constraint violation');
  // Renaming the holder of a name frees it in the same transaction.
  const ok = tx(db,
    { op: 'update', table: 'Simple', where: [['name', '==', 'a']], row: { name: 'b' } },
    { op: 'insert', table: 'Simple', row: { name: 'a' } });
  assert.equal(ok.length, 2);
});

test('monitor: update2 carries diffs for sets and omits default columns on insert', () => {
  const db = fresh();
  const m = new Monitor(db, 'monitor_cond', 'm', { Simple: [{ columns: ['name', 'tags', 'count'] }] });
  const updates: unknown[] = [];
  db.onCommit((c) => updates.push(m.update(c)));
  const [ins] = tx(db, { op: 'insert', table: 'Simple', row: { name: 'a', tags: ['set', ['x', 'y']] } }) as [{ uuid: [string, string] }];
  const uuid = ins.uuid[1];
  tx(db, { op: 'mutate', table: 'Simple', where: [], mutations: [['tags', 'delete', 'x'], ['tags', 'insert', 'z']] });
  assert.deepEqual(updates, [
    { Simple: { [uuid]: { insert: { name: 'a', tags: ['set', ['x', 'y']] } } } },
    { Simple: { [uuid]: { modify: { tags: ['set', ['x', 'z']] } } } },
  ]);
});
