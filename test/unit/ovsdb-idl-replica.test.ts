/**
 * Pure parts of the client: the replica applying update/update2 bodies and
 * coalescing changes, the transaction encoder (exact wire form) and the
 * reply classifier. No sockets.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { parseDatabaseSchema } from '../../src/ovsdb/schema.js';
import { type Datum, datumToJson, datumEquals, defaultDatum, makeDiff } from '../../src/ovsdb/datum.js';
import { Replica, ReplicaError } from '../../src/ovsdb/client/replica.js';
import { IdlRow, str, int, set, map } from '../../src/ovsdb/client/row.js';
import { Transaction, encodeTransaction, classifyReply, type TxnIntent, type TxnHost } from '../../src/ovsdb/client/txn.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const schema = parseDatabaseSchema(JSON.parse(fs.readFileSync(path.join(root, 'test/acceptance/ovs/lib/harness.ovsschema'), 'utf8')));
const simple = schema.tables.get('Simple')!;
const SIMPLE_COLS = [...simple.columns.keys()];
const U1 = '11111111-1111-1111-1111-111111111111', U2 = '22222222-2222-2222-2222-222222222222';

function replica(): Replica {
  return new Replica(schema, new Map([['Simple', SIMPLE_COLS], ['Owner', ['name', 'items']], ['Item', ['label']]]));
}

test('replica: update2 insert fills defaults; modify diffs sets and maps, replaces scalars and optionals', () => {
  const r = replica();
  r.apply({ Simple: { [U1]: { insert: { name: 'a', color: 'red', tags: ['set', ['x', 'y']], attrs: ['map', [['k', 'v']]] } } } }, 2);
  const a = r.row('Simple', U1)!;
  assert.equal(str(a, 'name'), 'a');
  assert.equal(int(a, 'count'), 0);
  assert.deepEqual(set(a, 'small'), []);
  r.apply({ Simple: { [U1]: { modify: { count: 3, color: 'green', tags: ['set', ['y', 'z']], attrs: ['map', [['k', 'v'], ['n', 'm']]] } } } }, 2);
  const b = r.row('Simple', U1)!;
  assert.equal(int(b, 'count'), 3);
  assert.equal(str(b, 'color'), 'green', 'optional column replaced');
  assert.deepEqual(set(b, 'tags'), ['x', 'z'], 'set diff is a symmetric difference');
  assert.deepEqual([...map(b, 'attrs')], [['n', 'm']], 'equal pair removed, new pair added');
  r.apply({ Simple: { [U1]: { modify: { color: ['set', []], attrs: ['map', [['n', 'o']]] } } } }, 2);
  assert.equal(str(r.row('Simple', U1)!, 'color'), undefined);
  assert.deepEqual([...map(r.row('Simple', U1)!, 'attrs')], [['n', 'o']], 'same key, other value: replaced');
  r.apply({ Simple: { [U1]: { delete: null } } }, 2);
  assert.equal(r.row('Simple', U1), undefined);
});

test('replica: update (v1) rebuilds rows from "new"; "old" alone deletes', () => {
  const r = replica();
  r.apply({ Simple: { [U1]: { new: { name: 'a', count: 1, tags: 'solo' } } } }, 1);
  assert.deepEqual(set(r.row('Simple', U1)!, 'tags'), ['solo']);
  r.apply({ Simple: { [U1]: { old: { count: 1 }, new: { name: 'a', count: 2, tags: ['set', []] } } } }, 1);
  assert.equal(int(r.row('Simple', U1)!, 'count'), 2);
  assert.deepEqual(set(r.row('Simple', U1)!, 'tags'), []);
  r.apply({ Simple: { [U1]: { old: { name: 'a' } } } }, 1);
  assert.equal(r.size('Simple'), 0);
});

test('replica: changes coalesce between takes', () => {
  const r = replica();
  r.apply({ Simple: { [U1]: { insert: { name: 'a' } }, [U2]: { insert: { name: 'b' } } } }, 2);
  r.apply({ Simple: { [U1]: { modify: { count: 1 } }, [U2]: { delete: null } } }, 2);
  let c = r.takeChanges(1)!;
  assert.deepEqual(c.table('Simple').inserted.map((x) => [x.uuid, int(x, 'count')]), [[U1, 1]], 'insert+modify = insert; insert+delete = nothing');
  assert.equal(c.table('Simple').deleted.length, 0);
  assert.equal(r.takeChanges(2), null);
  r.apply({ Simple: { [U1]: { modify: { count: 5 } } } }, 2);
  r.apply({ Simple: { [U1]: { modify: { count: 1 } } } }, 2);
  assert.equal(r.takeChanges(3), null, 'changed and changed back: nothing to report');
  r.apply({ Simple: { [U1]: { modify: { count: 5, name: 'z' } } } }, 2);
  r.apply({ Simple: { [U1]: { modify: { name: 'a' } } } }, 2);
  c = r.takeChanges(4)!;
  assert.deepEqual(c.table('Simple').modified.map((m) => [m.columns, int(m.old, 'count'), int(m.row, 'count')]), [[['count'], 1, 5]]);
  r.apply({ Simple: { [U1]: { delete: null } } }, 2);
  c = r.takeChanges(5)!;
  assert.deepEqual(c.table('Simple').deleted.map((x) => int(x, 'count')), [5], 'deleted rows are reported as they were');
});

test('replica: replace() reports only differences and keeps unchanged rows identical', () => {
  const r = replica();
  r.replace({ Simple: { [U1]: { initial: { name: 'a' } }, [U2]: { initial: { name: 'b' } } } }, 2);
  r.takeChanges(1);
  const keep = r.row('Simple', U1);
  const U3 = '33333333-3333-3333-3333-333333333333';
  r.replace({ Simple: { [U1]: { initial: { name: 'a' } }, [U3]: { initial: { name: 'c', count: 1 } } } }, 2);
  assert.equal(r.row('Simple', U1), keep);
  const c = r.takeChanges(2)!;
  assert.ok(c.resync);
  assert.deepEqual(c.table('Simple').inserted.map((x) => x.uuid), [U3]);
  assert.deepEqual(c.table('Simple').deleted.map((x) => x.uuid), [U2]);
  assert.equal(c.table('Simple').modified.length, 0);
});

test('replica: malformed updates raise ReplicaError', () => {
  const r = replica();
  assert.throws(() => r.apply({ Nope: {} }, 2), ReplicaError);
  assert.throws(() => r.apply({ Simple: { 'not-a-uuid': { insert: {} } } }, 2), ReplicaError);
  assert.throws(() => r.apply({ Simple: { [U1]: { modify: { count: 1 } } } }, 2), /not in the replica/);
  assert.throws(() => r.apply({ Simple: { [U1]: { insert: { count: 'x' } } } }, 2), ReplicaError);
  r.apply({ Simple: { [U1]: { insert: {} } } }, 2);
  assert.throws(() => r.apply({ Simple: { [U1]: { modify: { small: ['set', [1, 2, 3]] } } } }, 2), /outside/);
});

// A model-based property: the server's update2 encoding (composite columns as diffs,
// the rest as values; defaults omitted on insert) applied to the replica reproduces
// the model, and the coalesced change set equals the model's before/after difference.
const tagsArb = fc.uniqueArray(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 4 });
const attrsArb = fc.dictionary(fc.constantFrom('k', 'l', 'm'), fc.constantFrom('1', '2'));
const colsArb = fc.record({ count: fc.integer({ min: 0, max: 3 }), color: fc.constantFrom(null, 'red', 'blue'), tags: tagsArb, attrs: attrsArb });
type Cols = { count: number; color: string | null; tags: string[]; attrs: Record<string, string> };
const opArb = fc.record({ row: fc.constantFrom(U1, U2), cols: fc.option(colsArb, { nil: null }), flush: fc.boolean() });

function datums(c: Cols): Record<string, Datum> {
  const keys = Object.keys(c.attrs).sort();
  return {
    count: { keys: [c.count], values: null },
    color: { keys: c.color === null ? [] : [c.color], values: null },
    tags: { keys: [...c.tags].sort(), values: null },
    attrs: { keys, values: keys.map((k) => c.attrs[k]!) },
  };
}

test('replica: server-style updates reproduce the model (property)', () => {
  fc.assert(fc.property(fc.array(opArb, { maxLength: 25 }), (ops) => {
    const r = new Replica(schema, new Map([['Simple', ['count', 'color', 'tags', 'attrs']]]));
    const model = new Map<string, Record<string, Datum>>();
    let reported = new Map<string, Record<string, Datum>>();
    for (const op of ops) {
      const old = model.get(op.row);
      let ru: unknown;
      if (!op.cols) {
        if (!old) continue;
        model.delete(op.row);
        ru = { delete: null };
      } else {
        const nw = datums(op.cols);
        model.set(op.row, nw);
        const body: Record<string, unknown> = {};
        for (const [c, d] of Object.entries(nw)) {
          const t = simple.columns.get(c)!.type;
          if (!old) { if (!datumEquals(d, defaultDatum(t))) body[c] = datumToJson(t, d); continue; }
          if (datumEquals(old[c]!, d)) continue;
          body[c] = t.max > 1 ? datumToJson({ ...t, min: 0, max: Number.MAX_SAFE_INTEGER }, makeDiff(old[c]!, d)) : datumToJson(t, d);
        }
        if (old && Object.keys(body).length === 0) continue;
        ru = old ? { modify: body } : { insert: body };
      }
      r.apply({ Simple: { [op.row]: ru } }, 2);
      for (const [u, cols] of model) {
        const row = r.row('Simple', u)!;
        for (const [c, d] of Object.entries(cols)) assert.ok(datumEquals(row.get(c), d), `${u}.${c}`);
      }
      assert.equal(r.size('Simple'), model.size);
      if (op.flush) {
        const cs = r.takeChanges(0);
        const t = cs?.table('Simple');
        for (const u of [U1, U2]) {
          const was = reported.get(u), is = model.get(u);
          const changedCols = was && is ? Object.keys(is).filter((c) => !datumEquals(was[c]!, is[c]!)) : [];
          if (!was && is) assert.ok(t?.inserted.some((x) => x.uuid === u), 'insert reported');
          else if (was && !is) assert.ok(t?.deleted.some((x) => x.uuid === u), 'delete reported');
          else if (changedCols.length) assert.deepEqual([...t!.modified.find((m) => m.row.uuid === u)!.columns].sort(), changedCols.sort());
          else assert.ok(!t || ![...t.inserted, ...t.deleted, ...t.modified.map((m) => m.row)].some((x) => x.uuid === u), 'nothing reported');
        }
        reported = new Map(model);
      }
    }
  }), { numRuns: 300 });
});

// ----------------------------------------------------------------- transactions

function intentOf(build: (t: Transaction) => void, lockName: string | null = null): TxnIntent {
  let captured: TxnIntent | null = null;
  const host: TxnHost = { lockName, commitIntent: (i) => { captured = i; return Promise.resolve({ status: 'success', insertedUuids: new Map() }); } };
  const t = new Transaction(host);
  build(t);
  void t.commit();
  return captured!;
}

const src = { schema, row: () => undefined };
const row1 = new IdlRow('Simple', U1, { name: { keys: ['a'], values: null }, count: { keys: [4], values: null }, tags: { keys: ['x'], values: null } }, src);
const owner = new IdlRow('Owner', U2, {}, src);
const item = new IdlRow('Item', '33333333-3333-3333-3333-333333333333', {}, src);

test('txn: wire form of every operation, verifies first', () => {
  const enc = encodeTransaction(schema, intentOf((t) => {
    t.update(row1, { count: 5, attrs: { a: 'b' }, color: null });
    const it = t.insert('Item', { label: 'new' }, { uuidName: 'it' });
    t.mutate(owner, 'items', 'insert', [it]);
    t.mutate(row1, 'attrs', 'delete', ['a']);
    t.mutate(row1, 'attrs', 'delete', new Map([['b', 'c']]));
    t.delete(item);               // Item is not a root table: left to garbage collection
    t.verify(row1, ['count', 'tags']);
    t.comment('hello').assertLock().increment(row1, 'count');
  }, 'L'));
  assert.deepEqual(enc.ops, [
    { op: 'assert', lock: 'L' },
    { op: 'wait', table: 'Simple', timeout: 0, where: [['_uuid', '==', ['uuid', U1]]], until: '==', columns: ['count', 'tags'], rows: [{ count: 4, tags: 'x' }] },
    { op: 'update', table: 'Simple', where: [['_uuid', '==', ['uuid', U1]]], row: { count: 5, attrs: ['map', [['a', 'b']]], color: ['set', []] } },
    { op: 'insert', table: 'Item', 'uuid-name': 'it', row: { label: 'new' } },
    { op: 'mutate', table: 'Owner', where: [['_uuid', '==', ['uuid', U2]]], mutations: [['items', 'insert', ['named-uuid', 'it']]] },
    { op: 'mutate', table: 'Simple', where: [['_uuid', '==', ['uuid', U1]]], mutations: [['attrs', 'delete', 'a']] },
    { op: 'mutate', table: 'Simple', where: [['_uuid', '==', ['uuid', U1]]], mutations: [['attrs', 'delete', ['map', [['b', 'c']]]]] },
    { op: 'mutate', table: 'Simple', where: [['_uuid', '==', ['uuid', U1]]], mutations: [['count', '+=', 1]] },
    { op: 'select', table: 'Simple', where: [['_uuid', '==', ['uuid', U1]]], columns: ['count'] },
    { op: 'comment', comment: 'hello' },
  ]);
  assert.deepEqual(enc.inserts, [{ name: 'it', index: 3 }]);
  assert.equal(enc.incrementIndex, 7);
  assert.ok(enc.anyUpdates);
});

test('txn: writes to a NewRow merge into its insert; unchanged and build errors', () => {
  const enc = encodeTransaction(schema, intentOf((t) => {
    const o = t.insert('Owner', { name: 'o' });
    t.update(o, { items: [item] });
  }));
  assert.deepEqual(enc.ops, [{ op: 'insert', table: 'Owner', 'uuid-name': 'row0', row: { name: 'o', items: ['uuid', item.uuid] } }]);
  assert.equal(encodeTransaction(schema, intentOf((t) => { t.verify(row1, ['count']); t.increment(row1, 'count'); })).anyUpdates, false);
  assert.throws(() => encodeTransaction(schema, intentOf((t) => t.update(row1, { count: 'x' }))), /not a valid integer/);
  assert.throws(() => encodeTransaction(schema, intentOf((t) => t.update(row1, { nope: 1 }))), /no column nope/);
  assert.throws(() => encodeTransaction(schema, intentOf((t) => t.insert('Nope'))), /unknown table/);
  assert.throws(() => intentOf((t) => { t.insert('Item', {}, { uuidName: 'x' }); t.insert('Item', {}, { uuidName: 'x' }); }), /duplicate/);
});

test('txn: reply classification follows ovsdb-idl', () => {
  const enc = encodeTransaction(schema, intentOf((t) => { t.insert('Item', {}, { uuidName: 'n' }); t.increment(row1, 'count'); }));
  const ok = classifyReply(enc, [{ uuid: ['uuid', U2] }, { count: 1 }, { rows: [{ count: 8 }] }]);
  assert.equal(ok.status, 'success');
  assert.equal(ok.insertedUuids.get('n'), U2);
  assert.equal(ok.incrementValue, 8);
  assert.equal(classifyReply(enc, [{}, { error: 'timed out', details: 'x' }, null]).status, 'try-again');
  assert.equal(classifyReply(enc, [{ error: 'not owner' }, null]).status, 'not-locked');
  const e = classifyReply(enc, [{}, { error: 'constraint violation', details: 'too big' }, null]);
  assert.deepEqual([e.status, e.error], ['error', 'constraint violation: too big']);
  assert.equal(classifyReply(enc, [{}, {}, {}, { error: 'referential integrity violation' }]).status, 'error', 'error beyond the last operation');
  assert.equal(classifyReply(enc, { not: 'an array' }).status, 'error');
});
