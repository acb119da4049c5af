/**
 * The transaction vsctl sends, and the table formats it prints: checked
 * against what ovs-vsctl's IDL would send and OVS's lib/table.c prints.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Snapshot, rowName } from '../../src/vsctl/snapshot.js';
import { vswitchSchema } from '../../src/vsctl/vsctl.js';
import { scalar } from '../../src/ovsdb/datum.js';
import { formatTable, jsonToString, Real, DEFAULT_STYLE, type OutputTable } from '../../src/vsctl/table-format.js';
import { UNLIMITED } from '../../src/ovsdb/types.js';

const OVS = '11111111-1111-1111-1111-111111111111';
const BR = '22222222-2222-2222-2222-222222222222';

function snapshot(): Snapshot {
  const s = new Snapshot(vswitchSchema());
  s.load('Open_vSwitch', [{ _uuid: ['uuid', OVS], bridges: ['uuid', BR], next_cfg: 3 }]);
  s.load('Bridge', [{ _uuid: ['uuid', BR], name: 'br0', ports: ['set', []] }]);
  for (const t of vswitchSchema().tables.keys()) if (t !== 'Open_vSwitch' && t !== 'Bridge') s.load(t, []);
  return s;
}

test('a chain that changes nothing sends nothing', () => {
  const s = snapshot();
  const br = s.get('Bridge', BR)!;
  s.verify(br, 'ports');
  s.write(br, 'name', scalar('br0'));
  assert.equal(s.build({}).anyUpdates, false);
});

test('inserts use uuid-names, references become named-uuid, verifies become waits', () => {
  const s = snapshot();
  const br = s.get('Bridge', BR)!;
  s.verify(br, 'ports');
  const port = s.insert('Port');
  s.write(port, 'name', scalar('p1'));
  s.write(br, 'ports', { keys: [port.uuid], values: null });
  const t = s.build({ increment: { table: 'Open_vSwitch', row: OVS, column: 'next_cfg' }, comment: 'c' });
  assert.equal(t.anyUpdates, true);
  const [db, wait, ...rest] = t.operations as Record<string, unknown>[];
  assert.equal(db as unknown, 'Open_vSwitch');
  assert.deepEqual(wait, {
    op: 'wait', table: 'Bridge', timeout: 0, where: [['_uuid', '==', ['uuid', BR]]], until: '==',
    columns: ['ports'], rows: [{ ports: ['set', []] }],
  });
  const insert = rest.find((o) => o.op === 'insert')!;
  assert.deepEqual(insert, { op: 'insert', table: 'Port', 'uuid-name': rowName(port.uuid), row: { name: 'p1' } });
  const update = rest.find((o) => o.op === 'update')!;
  assert.deepEqual(update.row, { ports: ['named-uuid', rowName(port.uuid)] });
  assert.deepEqual(rest.slice(-3).map((o) => o.op), ['mutate', 'select', 'comment']);
  assert.equal(t.operations.indexOf(insert) - 1, t.insertOps.get(port.uuid));
});

test('deleting a non-root row sends no delete (the server collects it)', () => {
  const s = snapshot();
  s.delete(s.get('Bridge', BR)!);
  assert.equal(s.build({}).anyUpdates, false);
  assert.equal(s.rows('Bridge').length, 0);
});

const intSet = { key: { type: 'integer' as const }, min: 0, max: UNLIMITED };
const str = { key: { type: 'string' as const }, min: 1, max: 1 };
const table: OutputTable = {
  headings: ['name', 'trunks'],
  rows: [[{ type: str, datum: scalar('p1') }, { type: intSet, datum: { keys: [1, 2], values: null } }]],
};

test('table formats', () => {
  assert.equal(formatTable(table, DEFAULT_STYLE, true), 'name                : p1\ntrunks              : [1, 2]\n');
  assert.equal(formatTable(table, { ...DEFAULT_STYLE, format: 'table' }, false), '\nname trunks\n---- ------\np1   [1, 2]\n');
  assert.equal(formatTable(table, { ...DEFAULT_STYLE, format: 'csv' }, true), 'name,trunks\np1,"[1, 2]"\n');
  assert.equal(formatTable(table, { ...DEFAULT_STYLE, format: 'json' }, true), '{"data":[["p1",["set",[1,2]]]],"headings":["name","trunks"]}\n');
  assert.equal(formatTable(table, { ...DEFAULT_STYLE, cellFormat: 'bare', headings: false }, true), 'p1\n1 2\n');
  assert.equal(jsonToString({ b: [new Real(1)], a: {} }, true), '{\n  "a": {\n    },\n  "b": [\n    1]}');
});

test('smap iteration order is OVS hmap order (checked against ovs-vsctl list-dp-cap)', async () => {
  const { hmapOrder, hashString } = await import('../../src/vsctl/hmap-order.js');
  const keys = ['clone', 'ct_eventmask', 'ct_label', 'ct_mark', 'ct_state', 'ct_zero_snat', 'ct_zone', 'max_mpls_depth',
    'max_vlan_headers', 'recirc', 'sample_nesting', 'trunc', 'ufid'];
  assert.deepEqual(hmapOrder(keys, (k) => hashString(k)).join(' '),
    'ufid sample_nesting recirc clone ct_label ct_eventmask ct_state ct_mark ct_zero_snat max_mpls_depth trunc max_vlan_headers ct_zone');
  assert.deepEqual(hmapOrder(['ct_zero_snat', 'recirc'], (k) => hashString(k)), ['recirc', 'ct_zero_snat']);
});
