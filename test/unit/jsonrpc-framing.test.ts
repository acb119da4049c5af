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

test('connection: replies with ids we never send (objects whose toString is not callable, arrays) are dropped, the connection keeps working', async () => {
  const net = await import('node:net');
  const { Connection } = await import('../../src/jsonrpc/connection.js');
  const dir = (await import('node:fs')).mkdtempSync((await import('node:path')).join((await import('node:os')).tmpdir(), 'weft-rpc-'));
  const sock = `${dir}/s`;
  const crashes: unknown[] = [];
  const onCrash = (e: unknown) => { crashes.push(e); };
  process.on('uncaughtException', onCrash);
  const server = net.createServer((s) => {
    new Connection(s, { onRequest: (c, req) => { c.socket.write(JSON.stringify({ id: req.id, result: req.params, error: null })); } });
  });
  await new Promise<void>((r) => server.listen(sock, r));
  const client = net.connect(sock);
  await new Promise((r) => client.once('connect', r));
  const got: string[] = [];
  client.on('data', (d) => got.push(String(d)));
  for (const id of ['{"toString":1}', '{"valueOf":1,"toString":1}', '[1]', 'true', '{"__proto__":{"x":1}}']) {
    client.write(`{"id":${id},"result":{"toString":1},"error":null}`);
  }
  client.write('{"id":7,"method":"echo","params":["still here"]}');
  for (let i = 0; i < 100 && !got.join('').includes('still here'); i++) await new Promise((r) => setTimeout(r, 10));
  process.off('uncaughtException', onCrash);
  client.destroy();
  await new Promise((r) => server.close(r));
  assert.deepEqual(crashes, []);
  assert.match(got.join(''), /"id":7,"result":\["still here"\]/);
});
