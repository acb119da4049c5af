/**
 * Error replies of Weft's transaction engine, golden against ovsdb-server
 * 3.1: every expected object below is what the real server answered to the
 * same operations on an Open_vSwitch database with one bridge `br0` and
 * its port (measured with `ovsdb-client transact`). Clients print these
 * verbatim, so the texts, the "syntax" members and which error wins when
 * several apply are all part of the contract.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Database } from '../../src/ovsdb/database.js';
import { parseDatabaseSchema } from '../../src/ovsdb/schema.js';
import { createServerDatabase } from '../../src/ovsdb/server-db.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const schema = parseDatabaseSchema(JSON.parse(fs.readFileSync(path.join(root, 'schemas/vswitch.ovsschema'), 'utf8')));
const ctx = { ownsLock: () => false, elapsedMs: 0 };

function transact(db: Database, ...ops: unknown[]): unknown[] {
  const { outcome } = db.transact(ops, ctx);
  assert.equal(outcome.kind, 'done');
  return (outcome as { results: unknown[] }).results;
}

/** A database with bridge br0 holding port br0, as `ovs-vsctl init -- add-br br0` leaves it. */
function withBridge(): Database {
  const db = new Database(schema);
  const r = transact(db,
    { op: 'insert', table: 'Open_vSwitch', row: { bridges: ['named-uuid', 'b'] } },
    { op: 'insert', table: 'Bridge', 'uuid-name': 'b', row: { name: 'br0', ports: ['named-uuid', 'p'] } },
    { op: 'insert', table: 'Port', 'uuid-name': 'p', row: { name: 'br0', interfaces: ['named-uuid', 'i'] } },
    { op: 'insert', table: 'Interface', 'uuid-name': 'i', row: { name: 'br0', type: 'internal' } });
  assert.equal(r.length, 4, JSON.stringify(r));
  return db;
}

/** The first error object among the results. */
function errorOf(results: unknown[]): unknown {
  return results.find((x) => x !== null && typeof x === 'object' && 'error' in x);
}

const cases: { name: string; ops: unknown[]; expect: unknown }[] = [
  {
    name: 'unknown table: a parse error of the operation, the whole operation as syntax',
    ops: [{ op: 'insert', table: 'Nope', row: {} }],
    expect: { details: 'Parsing ovsdb operation 1 of 1 failed: No table named Nope.', error: 'syntax error', syntax: '{"op":"insert","row":{},"table":"Nope"}' },
  },
  {
    name: 'unknown operation',
    ops: [{ op: 'frobnicate', table: 'Bridge' }],
    expect: { details: 'Parsing ovsdb operation 1 of 1 failed: No operation "frobnicate"', error: 'syntax error', syntax: '{"op":"frobnicate","table":"Bridge"}' },
  },
  {
    name: 'missing member',
    ops: [{ op: 'select', table: 'Bridge' }],
    expect: { details: "Parsing ovsdb operation 1 of 1 failed: Required 'where' member is missing.", error: 'syntax error', syntax: '{"op":"select","table":"Bridge"}' },
  },
  {
    name: 'mistyped member',
    ops: [{ op: 'insert', table: 'QoS', row: { type: 'a' }, 'uuid-name': '9bad' }],
    expect: { details: "Parsing ovsdb operation 1 of 1 failed: Type mismatch for member 'uuid-name'.", error: 'syntax error', syntax: '{"op":"insert","row":{"type":"a"},"table":"QoS","uuid-name":"9bad"}' },
  },
  {
    name: 'one stray member overrides the error of the operation itself',
    ops: [{ op: 'insert', table: 'Bridge', row: { name: 'x', foo: 1, bar: 2 }, x: 1 }],
    expect: { details: "Parsing ovsdb operation 1 of 1 failed: Member 'x' is present but not allowed here.", error: 'syntax error', syntax: '{"op":"insert","row":{"bar":2,"foo":1,"name":"x"},"table":"Bridge","x":1}' },
  },
  {
    name: 'several stray members: the first in ovsdb-server\'s hash order is named',
    ops: [{ op: 'insert', table: 'Bridge', row: { name: 'x' }, x: 1, y: 2 }],
    expect: { details: "Parsing ovsdb operation 1 of 1 failed: Member 'y' and 1 other member are present but not allowed here.", error: 'syntax error', syntax: '{"op":"insert","row":{"name":"x"},"table":"Bridge","x":1,"y":2}' },
  },
  {
    name: 'unknown column in a condition carries the clause',
    ops: [{ op: 'select', table: 'Bridge', where: [['nocol', '==', 1]] }],
    expect: { details: 'No column nocol in table Bridge.', error: 'unknown column', syntax: '["nocol","==",1]' },
  },
  {
    name: 'unknown function has no syntax',
    ops: [{ op: 'select', table: 'Bridge', where: [['name', 'like', 'x']] }],
    expect: { details: 'No function named like.', error: 'unknown function' },
  },
  {
    name: 'a set too big for a scalar column',
    ops: [{ op: 'insert', table: 'Bridge', row: { name: ['set', ['a', 'b']] } }],
    expect: { details: 'set must have exactly one member but 2 are present', error: 'syntax error', syntax: '["set",["a","b"]]' },
  },
  {
    name: 'a duplicate in a set',
    ops: [{ op: 'insert', table: 'Bridge', row: { name: 'x', flood_vlans: ['set', [1, 1]] } }],
    expect: { details: 'set contains duplicate', error: 'ovsdb error' },
  },
  {
    name: 'integer range',
    ops: [{ op: 'insert', table: 'Bridge', row: { name: 'x', flood_vlans: ['set', [5000]] } }],
    expect: { details: '5000 is not in the valid range 0 to 4095 (inclusive)', error: 'constraint violation' },
  },
  {
    name: 'enum',
    ops: [{ op: 'insert', table: 'Bridge', row: { name: 'x', fail_mode: 'bogus' } }],
    expect: { details: 'bogus is not one of the allowed values ([secure, standalone])', error: 'constraint violation' },
  },
  {
    name: 'too many elements for a column that takes at most one',
    ops: [{ op: 'mutate', table: 'Port', where: [], mutations: [['tag', 'insert', ['set', [1, 2]]]] }],
    expect: { details: 'set must have 0 to 1 members but 2 are present', error: 'syntax error', syntax: '["set",[1,2]]' },
  },
  {
    name: 'immutable column in an update carries the operation',
    ops: [{ op: 'update', table: 'Bridge', where: [], row: { _uuid: ['uuid', '00000000-0000-0000-0000-000000000001'] } }],
    expect: { details: 'Cannot update immutable column _uuid in table Bridge.', error: 'constraint violation', syntax: '{"op":"update","row":{"_uuid":["uuid","00000000-0000-0000-0000-000000000001"]},"table":"Bridge","where":[]}' },
  },
  {
    name: 'mutator type mismatch',
    ops: [{ op: 'mutate', table: 'Bridge', where: [], mutations: [['stp_enable', 'insert', true]] }],
    expect: { details: 'Type mismatch: "insert" operator may not be applied to column stp_enable of type boolean.', error: 'syntax error', syntax: '["stp_enable","insert",true]' },
  },
  {
    name: 'an unsatisfied wait with timeout 0',
    ops: [{ op: 'wait', table: 'Bridge', where: [], columns: ['name'], until: '==', rows: [{ name: 'nope' }], timeout: 0 }],
    expect: { details: '"where" clause test failed', error: 'timed out' },
  },
  {
    name: 'abort',
    ops: [{ op: 'abort' }],
    expect: { details: 'aborted by request', error: 'aborted' },
  },
  {
    name: 'maxRows',
    ops: [{ op: 'insert', table: 'Open_vSwitch', row: {} }],
    expect: { details: 'transaction causes "Open_vSwitch" table to contain 2 rows, greater than the schema-defined limit of 1 row(s)', error: 'constraint violation' },
  },
];

for (const c of cases) {
  test(`errors as ovsdb-server's: ${c.name}`, () => {
    const db = withBridge();
    const before = JSON.stringify([...db.tables].map(([n, t]) => [n, [...t.rows.keys()]]));
    assert.deepEqual(errorOf(transact(db, ...c.ops)), c.expect);
    assert.equal(JSON.stringify([...db.tables].map(([n, t]) => [n, [...t.rows.keys()]])), before, 'a failed transaction changes nothing');
  });
}

test('errors as ovsdb-server\'s: a unique-index clash prints the value bare and says the old row was not modified', () => {
  const db = withBridge();
  const old = [...db.tables.get('Bridge')!.rows.keys()][0]!;
  const r = transact(db, { op: 'insert', table: 'Bridge', 'uuid-name': 'x', row: { name: 'br0' } }, { op: 'mutate', table: 'Open_vSwitch', where: [], mutations: [['bridges', 'insert', ['named-uuid', 'x']]] });
  const fresh = (r[0] as { uuid: [string, string] }).uuid[1];
  // The older row has a port, the new one none: ovsdb-server's row order puts the older first.
  assert.deepEqual(r[2], {
    error: 'constraint violation',
    details: `Transaction causes multiple rows in "Bridge" table to have identical values (br0) for index on column "name".  `
      + `First row, with UUID ${old}, existed in the database before this transaction and was not modified by the transaction.  `
      + `Second row, with UUID ${fresh}, was inserted by this transaction.`,
  });
});

test('errors as ovsdb-server\'s: _Server may be read but not written, and the write is refused only after it ran', () => {
  const db = createServerDatabase();
  assert.deepEqual(transact(db, { op: 'select', table: 'Database', where: [], columns: ['name'] }, { op: 'commit', durable: false }), [
    { rows: [] }, { error: 'not allowed', details: 'commit operation not allowed on table in reserved database _Server' },
  ]);
  // The insert's own error (its default "model" is not an allowed value) wins over "not allowed".
  assert.deepEqual(transact(db, { op: 'comment', comment: 'x' }, { op: 'insert', table: 'Database', row: { name: 'x' } }), [
    {}, { error: 'constraint violation', details: '"" is not one of the allowed values ([clustered, relay, standalone])' },
  ]);
  assert.deepEqual(transact(db, { op: 'delete', table: 'Database', where: [] }), [
    { error: 'not allowed', details: 'delete operation not allowed on table in reserved database _Server' },
  ]);
});
