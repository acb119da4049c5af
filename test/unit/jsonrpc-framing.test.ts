import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JsonFramer, FramingError } from '../../src/jsonrpc/framing.js';

const messages = [
  { id: 1, method: 'echo', params: ['a{b}[c]', 'q"uote\\'] },
  { id: null, method: 'update', params: [null, { t: { u: { new: { x: [1, 2, { y: '}' }] } } } }] },
  { id: 'x', result: [], error: null },
];
const wire = Buffer.from(messages.map((m) => JSON.stringify(m)).join(' \n'));

test('framing: delivery split at every offset yields the same messages', () => {
  for (let cut = 0; cut <= wire.length; cut++) {
    const f = new JsonFramer();
    const got = [...f.push(wire.subarray(0, cut)), ...f.push(wire.subarray(cut))];
    assert.deepEqual(got, messages, `cut at ${cut}`);
    assert.equal(f.partial, false);
  }
});

test('framing: one byte at a time', () => {
  const f = new JsonFramer();
  const got: unknown[] = [];
  for (const b of wire) got.push(...f.push(Buffer.from([b])));
  assert.deepEqual(got, messages);
});

test('framing: multi-byte UTF-8 split inside a character', () => {
  const text = Buffer.from(JSON.stringify({ id: 1, method: 'echo', params: ['héllo ✓ 🎉'] }));
  for (let cut = 0; cut <= text.length; cut++) {
    const f = new JsonFramer();
    const got = [...f.push(text.subarray(0, cut)), ...f.push(text.subarray(cut))];
    assert.deepEqual(got, [{ id: 1, method: 'echo', params: ['héllo ✓ 🎉'] }]);
  }
});

test('framing: non-object top level, bad JSON and deep nesting are errors', () => {
  assert.throws(() => new JsonFramer().push(Buffer.from('[1,2]')), FramingError);
  assert.throws(() => new JsonFramer().push(Buffer.from('42')), FramingError);
  assert.throws(() => new JsonFramer().push(Buffer.from('{"a":}')), FramingError);
  assert.throws(() => new JsonFramer().push(Buffer.from('{"a":' + '['.repeat(5000))), FramingError);
});
