/**
 * ovs-vsctl(8) "Database Values": parsing of command-line words into datums
 * and printing back, with ovs-vsctl's error texts (taken from the real tool).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import {
  parseToken, datumFromString, datumToString, datumToBare, atomToString, formatReal, ValueError, isDefaultDatum,
} from '../../src/vsctl/values.js';
import { type ColumnType, UNLIMITED } from '../../src/ovsdb/types.js';

const strSet: ColumnType = { key: { type: 'string' }, min: 0, max: UNLIMITED };
const intSet: ColumnType = { key: { type: 'integer', minInteger: 0, maxInteger: 4095 }, min: 0, max: 4096 };
const tag: ColumnType = { key: { type: 'integer', minInteger: 0, maxInteger: 4095 }, min: 0, max: 1 };
const strMap: ColumnType = { key: { type: 'string' }, value: { type: 'string' }, min: 0, max: UNLIMITED };
const mode: ColumnType = { key: { type: 'string', enum: ['access', 'native-tagged', 'native-untagged', 'trunk'] }, min: 0, max: 1 };

function err(f: () => unknown): string {
  try { f(); } catch (e) { if (e instanceof ValueError) return e.message; throw e; }
  return '';
}

test('tokens stop at delimiters; backslash escapes; quotes protect', () => {
  assert.deepEqual(parseToken('abc=def', 0), { token: 'abc', end: 3 });
  assert.deepEqual(parseToken('a\\:b:c', 0), { token: 'a:b', end: 4 });
  assert.deepEqual(parseToken('"a:b"=c', 0), { token: '"a:b"', end: 5 });
  assert.equal(err(() => parseToken('"abc', 0)), '"abc: quoted string extends past end of argument');
  assert.equal(err(() => parseToken('abc\\', 0)), 'abc\\: backslash at end of argument');
});

test('sets, maps, ranges and their errors', () => {
  assert.deepEqual(datumFromString(intSet, '1,2 3', null).keys, [1, 2, 3]);
  assert.deepEqual(datumFromString(intSet, '[5-7, 1]', null).keys, [1, 5, 6, 7]);
  assert.deepEqual(datumFromString(intSet, '[]', null).keys, []);
  assert.equal(err(() => datumFromString(intSet, '', null)), 'use "[]" to specify the empty set');
  assert.equal(err(() => datumFromString(strMap, '', null)), 'use "{}" to specify the empty map');
  assert.equal(err(() => datumFromString(intSet, '5-1', null)), '"5-1" is not a valid range. Range end cannot be before start.');
  assert.equal(err(() => datumFromString(intSet, '1,1', null)), '1,1: set contains duplicate value');
  assert.equal(err(() => datumFromString(tag, '[1,2]', null)), '[1,2]: 2 value(s) specified but the maximum number is 1');
  assert.equal(err(() => datumFromString(tag, '5000', null)), 'constraint violation: 5000 is not in the valid range 0 to 4095 (inclusive)');
  assert.equal(err(() => datumFromString(tag, 'x', null)), '"x" is not a valid integer or range');
  assert.equal(err(() => datumFromString(intSet, '[1', null)), '[1: missing "]" at end of data');
  assert.equal(err(() => datumFromString(intSet, '[1]x', null)), '[1]x: trailing garbage after "]"');
  assert.equal(err(() => datumFromString(strSet, 'a=b', null)), 'a=b: unexpected "=" parsing set of strings');
  const m = datumFromString(strMap, '{b=2, a="x y"}', null);
  assert.deepEqual([m.keys, m.values], [['a', 'b'], ['x y', '2']]);
  assert.equal(err(() => datumFromString(strMap, '{a}', null)), 'a}: syntax error at "}" expecting "="');
  assert.equal(err(() => datumFromString(strMap, '{a=1,a=2}', null)), '{a=1,a=2}: map contains duplicate key');
  assert.equal(err(() => datumFromString(mode, 'bogus', null)),
    'constraint violation: bogus is not one of the allowed values ([access, native-tagged, native-untagged, trunk])');
});

test('printing: quoting rules, brackets, bare form, reals', () => {
  assert.equal(atomToString('string', 'br-int'), 'br-int');
  assert.equal(atomToString('string', '10.0.0.1'), '"10.0.0.1"');
  assert.equal(atomToString('string', 'true'), '"true"');
  assert.equal(atomToString('string', ''), '""');
  assert.equal(atomToString('string', '12345678-1234-1234-1234-123456789012'), '"12345678-1234-1234-1234-123456789012"');
  assert.equal(datumToString(tag, { keys: [], values: null }), '[]');
  assert.equal(datumToString(tag, { keys: [5], values: null }), '5');
  assert.equal(datumToString(intSet, { keys: [5], values: null }), '[5]');
  assert.equal(datumToString(strMap, { keys: ['k', 'x'], values: ['a b', 'y'] }), '{k="a b", x=y}');
  assert.equal(datumToBare(strMap, { keys: ['k', 'x'], values: ['a b', 'y'] }), 'k=a b x=y');
  assert.equal(formatReal(1.5), '1.5');
  assert.equal(formatReal(1000), '1000');
  assert.equal(formatReal(1e21), '1e+21');
  assert.equal(formatReal(0.0001), '0.0001');
  assert.equal(formatReal(0.00001), '1e-05');
  assert.equal(formatReal(1 / 3), '0.333333333333333');
  assert.ok(isDefaultDatum(tag, { keys: [], values: null }));
  assert.ok(!isDefaultDatum(mode, { keys: ['trunk'], values: null }));
});

test('property: a printed string map parses back to itself', () => {
  const key = fc.string({ minLength: 1, maxLength: 8 });
  fc.assert(fc.property(fc.dictionary(key, fc.string({ maxLength: 8 }), { maxKeys: 5 }), (obj) => {
    const keys = Object.keys(obj).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const d = { keys, values: keys.map((k) => obj[k]!) };
    const back = datumFromString(strMap, datumToString(strMap, d), null);
    assert.deepEqual(back, d);
  }), { numRuns: 300 });
});
