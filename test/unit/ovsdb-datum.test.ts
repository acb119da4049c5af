import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  datumFromJson, datumToJson, applyDiff, makeDiff, union, difference, includes, excludes, datumEquals,
  type Datum,
} from '../../src/ovsdb/datum.js';
import { parseColumnType, columnTypeToJson, type ColumnType } from '../../src/ovsdb/types.js';
import { OvsdbError } from '../../src/ovsdb/errors.js';

const setOfInts = parseColumnType({ key: 'integer', min: 0, max: 'unlimited' }, 't');
const mapStrStr = parseColumnType({ key: 'string', value: 'string', min: 0, max: 'unlimited' }, 't');
const optional = parseColumnType({ key: 'string', min: 0, max: 1 }, 't');

const intSet = fc.uniqueArray(fc.integer({ min: -50, max: 50 }), { maxLength: 12 })
  .map((a): Datum => ({ keys: [...a].sort((x, y) => x - y), values: null }));
const strMap = fc.dictionary(fc.string({ maxLength: 3 }), fc.string({ maxLength: 3 }), { maxKeys: 8 })
  .map((o): Datum => {
    const keys = Object.keys(o).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    return { keys, values: keys.map((k) => o[k]!) };
  });

test('datum: wire round trip for sets and maps', () => {
  fc.assert(fc.property(intSet, (d) => datumEquals(datumFromJson(setOfInts, datumToJson(setOfInts, d)), d)));
  fc.assert(fc.property(strMap, (d) => datumEquals(datumFromJson(mapStrStr, datumToJson(mapStrStr, d)), d)));
});

test('datum: a one-element set is written as the bare atom, maps always as ["map", …]', () => {
  assert.deepEqual(datumToJson(setOfInts, { keys: [3], values: null }), 3);
  assert.deepEqual(datumToJson(setOfInts, { keys: [], values: null }), ['set', []]);
  assert.deepEqual(datumToJson(mapStrStr, { keys: ['a'], values: ['b'] }), ['map', [['a', 'b']]]);
  assert.deepEqual(datumToJson(optional, { keys: [], values: null }), ['set', []]);
});

test('datum: sets are sets (duplicates merged, order normalised)', () => {
  assert.deepEqual(datumFromJson(setOfInts, ['set', [3, 1, 3, 2]]).keys, [1, 2, 3]);
});

test('datum: update2 diffs — applyDiff(a, makeDiff(a, b)) == b', () => {
  fc.assert(fc.property(intSet, intSet, (a, b) => datumEquals(applyDiff(a, makeDiff(a, b)), b)));
  fc.assert(fc.property(strMap, strMap, (a, b) => datumEquals(applyDiff(a, makeDiff(a, b)), b)));
});

test('datum: includes/excludes agree with union/difference', () => {
  fc.assert(fc.property(intSet, intSet, (a, b) => {
    const u = union(a, b);
    assert.ok(includes(u, a) && includes(u, b));
    const d = difference(a, b, false);
    assert.ok(excludes(d, b));
    assert.ok(includes(a, d));
  }));
});

test('datum: type errors are "syntax error"', () => {
  for (const [t, v] of [[setOfInts, 'x'], [setOfInts, 1.5], [mapStrStr, ['set', []]], [optional, ['set', ['a', 'b']]]] as [ColumnType, unknown][]) {
    assert.throws(() => datumFromJson(t, v), (e: unknown) => e instanceof OvsdbError && e.error === 'syntax error');
  }
});

test('types: normalised JSON matches ovsdb-server (shortest form, defaults omitted)', () => {
  const cases: [unknown, unknown][] = [
    ['string', 'string'],
    [{ key: 'string' }, 'string'],
    [{ key: 'string', min: 0, max: 1 }, { key: 'string', min: 0 }],
    [{ key: { type: 'integer', minInteger: 0, maxInteger: 100 } }, { key: { maxInteger: 100, minInteger: 0, type: 'integer' } }],
    [{ key: { type: 'string', enum: ['set', ['red', 'blue']] }, min: 0 }, { key: { enum: ['set', ['blue', 'red']], type: 'string' }, min: 0 }],
    [{ key: { type: 'uuid', refTable: 'T', refType: 'strong' }, min: 0, max: 'unlimited' }, { key: { refTable: 'T', type: 'uuid' }, max: 'unlimited', min: 0 }],
    [{ key: 'string', value: 'integer', min: 0, max: 'unlimited' }, { key: 'string', max: 'unlimited', min: 0, value: 'integer' }],
  ];
  for (const [input, want] of cases) assert.deepEqual(columnTypeToJson(parseColumnType(input, 't')), want);
});
