/**
 * The unixctl protocol as OVS's lib/unixctl.c speaks it: command checks and
 * their error texts, exact reply bytes, requests split across writes and
 * several in one write, in-order replies, the client and target lookup.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { CommandRegistry } from '../../src/unixctl/commands.js';
import { Vlog } from '../../src/base/vlog.js';
import { UnixctlServer } from '../../src/unixctl/server.js';
import { UnixctlClient, UnixctlClientError, resolveTarget, readPidfile } from '../../src/unixctl/client.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-unixctl-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

function registry(): CommandRegistry {
  const r = new CommandRegistry('weft-test (Weft) 0.1.0');
  r.register({ name: 'fdb/show', usage: 'bridge', minArgs: 1, maxArgs: 1, handler: ([br]) => ({ ok: `shown ${br}` }) });
  r.register({ name: 'test/fail', usage: '', minArgs: 0, maxArgs: 0, handler: () => ({ error: 'no such bridge\n' }) });
  r.register({ name: 'test/throw', usage: '', minArgs: 0, maxArgs: 0, handler: () => { throw new Error('boom'); } });
  r.register({
    name: 'test/slow', usage: 'MS', minArgs: 1, maxArgs: 1,
    handler: async ([ms]) => { await new Promise((res) => setTimeout(res, Number(ms))); return { ok: `slept ${ms}` }; },
  });
  r.register({ name: 'test/hidden', usage: null, minArgs: 0, maxArgs: 0, handler: () => ({ ok: '' }) });
  r.register({ name: 'a-command-name-longer-than-23', usage: 'X', minArgs: 0, maxArgs: 0, handler: () => ({ ok: '' }) });
  return r;
}

test('dispatch: OVS error texts, in OVS order', async () => {
  const r = registry();
  assert.deepEqual(await r.dispatch('nosuch/command', []),
    { error: '"nosuch/command" is not a valid command (use "list-commands" to see a list of valid commands)\n' });
  assert.deepEqual(await r.dispatch('fdb/show', []), { error: '"fdb/show" command requires at least 1 arguments\n' });
  assert.deepEqual(await r.dispatch('fdb/show', ['a', 'b']), { error: '"fdb/show" command takes at most 1 arguments\n' });
  assert.deepEqual(await r.dispatch('fdb/show', [5]), { error: '"fdb/show" command has non-string argument\n' });
  assert.deepEqual(await r.dispatch('fdb/show', [5, 6]), { error: '"fdb/show" command takes at most 1 arguments\n' });
});

test('dispatch: texts get a final newline; empty stays empty; a throwing handler is an error reply', async () => {
  const r = registry();
  assert.deepEqual(await r.dispatch('fdb/show', ['br0']), { ok: 'shown br0\n' });
  assert.deepEqual(await r.dispatch('test/fail', []), { error: 'no such bridge\n' });
  assert.deepEqual(await r.dispatch('test/hidden', []), { ok: '' });
  assert.deepEqual(await r.dispatch('test/throw', []), { error: 'boom\n' });
  assert.deepEqual(await r.dispatch('version', []), { ok: 'weft-test (Weft) 0.1.0\n' });
  assert.throws(() => r.register({ name: 'version', usage: '', minArgs: 0, maxArgs: 0, handler: () => ({ ok: '' }) }));
});

test('list-commands: sorted, "  %-23s %s", hidden commands left out', async () => {
  assert.equal((await registry().dispatch('list-commands', []) as { ok: string }).ok, [
    'The available commands are:',
    '  a-command-name-longer-than-23 X',
    '  fdb/show                bridge',
    '  list-commands           ',
    '  test/fail               ',
    '  test/slow               MS',
    '  test/throw              ',
    '  version                 ',
    '',
  ].join('\n'));
});

let nextSocket = 0;
async function serve(r = registry()): Promise<UnixctlServer> {
  const log = new Vlog({ console: () => { /* quiet */ } }).module('unixctl');
  return UnixctlServer.listen({ path: path.join(dir, `s${nextSocket++}.ctl`), commands: r, log });
}

/** A raw client: writes bytes, collects what comes back. */
class Raw {
  readonly sock: net.Socket;
  private buf = '';
  private waiters: Array<() => void> = [];
  closed = false;
  constructor(p: string) {
    this.sock = net.createConnection({ path: p });
    this.sock.setEncoding('utf8');
    this.sock.on('data', (d: string) => { this.buf += d; this.wake(); });
    this.sock.on('close', () => { this.closed = true; this.wake(); });
    this.sock.on('error', () => { /* seen as close */ });
  }
  private wake(): void { for (const w of this.waiters.splice(0)) w(); }
  /** Waits until at least `n` bytes arrived (or the peer closed) and takes them. */
  async take(n: number): Promise<string> {
    while (this.buf.length < n && !this.closed) await new Promise<void>((res) => this.waiters.push(res));
    const out = this.buf.slice(0, n);
    this.buf = this.buf.slice(n);
    return out;
  }
  async waitClosed(): Promise<string> {
    while (!this.closed) await new Promise<void>((res) => this.waiters.push(res));
    return this.buf;
  }
}

test('wire: exact reply bytes for success and error (no "result" in errors)', async () => {
  const s = await serve();
  const c = new Raw(s.path);
  c.sock.write('{"method":"fdb/show","params":["br0"],"id":7}');
  const ok = '{"id":7,"result":"shown br0\\n","error":null}';
  assert.equal(await c.take(ok.length), ok);
  c.sock.write('{"method":"nosuch","params":[],"id":"x"}');
  const err = '{"id":"x","error":"\\"nosuch\\" is not a valid command (use \\"list-commands\\" to see a list of valid commands)\\n"}';
  assert.equal(await c.take(err.length), err);
  c.sock.destroy();
  await s.close();
  assert.equal(fs.existsSync(s.path), false);
});

test('wire: a request split at every offset gets the same reply', async () => {
  const s = await serve();
  const c = new Raw(s.path);
  const req = '{"method":"fdb/show","params":["br\\"0"],"id":1}';
  const reply = '{"id":1,"result":"shown br\\"0\\n","error":null}';
  for (let k = 1; k < req.length; k++) {
    c.sock.write(req.slice(0, k));
    await new Promise((res) => setImmediate(res));
    c.sock.write(req.slice(k));
    assert.equal(await c.take(reply.length), reply, `split at ${k}`);
  }
  c.sock.destroy();
  await s.close();
});

test('wire: several requests in one write are answered in order, even when the first is slow', async () => {
  const s = await serve();
  const c = new Raw(s.path);
  c.sock.write('{"method":"test/slow","params":["30"],"id":1}' +
    '{"method":"version","params":[],"id":2}\n{"method":"fdb/show","params":[],"id":3}');
  const expected = '{"id":1,"result":"slept 30\\n","error":null}' +
    '{"id":2,"result":"weft-test (Weft) 0.1.0\\n","error":null}' +
    '{"id":3,"error":"\\"fdb/show\\" command requires at least 1 arguments\\n"}';
  assert.equal(await c.take(expected.length), expected);
  c.sock.destroy();
  await s.close();
});

test('wire: a notification or a non-object closes the connection unanswered', async () => {
  const s = await serve();
  for (const bad of ['{"method":"version","params":[],"id":null}', '[1]', '{"method":"version","params":"x","id":1}']) {
    const c = new Raw(s.path);
    c.sock.write(bad + '{"method":"version","params":[],"id":9}');
    assert.equal(await c.waitClosed(), '', bad);
  }
  await s.close();
});

test('wire: `after` runs once the reply has been sent', async () => {
  const r = registry();
  const events: string[] = [];
  r.register({ name: 'exit', usage: '', minArgs: 0, maxArgs: 0, handler: () => ({ ok: '', after: () => events.push('after') }) });
  const s = await serve(r);
  const client = await UnixctlClient.connect(s.path);
  assert.deepEqual(await client.transact('exit', []), { result: '' });
  await new Promise((res) => setTimeout(res, 10));
  assert.deepEqual(events, ['after']);
  client.close();
  await s.close();
});

test('client: results, errors, and a peer that closes without answering', async () => {
  const s = await serve();
  const client = await UnixctlClient.connect(s.path);
  assert.deepEqual(await client.transact('fdb/show', ['br0']), { result: 'shown br0\n' });
  assert.deepEqual(await client.transact('test/fail', []), { error: 'no such bridge\n' });
  client.close();
  await s.close();

  const mute = path.join(dir, 'mute.ctl');
  const server = net.createServer((c) => c.on('data', () => c.end())).listen(mute);
  await new Promise((res) => server.once('listening', res));
  const c2 = await UnixctlClient.connect(mute);
  await assert.rejects(c2.transact('version', []), (e: unknown) => e instanceof UnixctlClientError && e.code === 'EOF');
  c2.close();
  await new Promise((res) => server.close(res));

  await assert.rejects(UnixctlClient.connect(path.join(dir, 'absent.ctl')), { code: 'ENOENT' });
});

test('targets: absolute path, program name through its pidfile, pid, and OVS failure reasons', () => {
  const run = fs.mkdtempSync(path.join(dir, 'run-'));
  assert.deepEqual(resolveTarget('/x/y.ctl', run), { ok: true, socket: '/x/y.ctl' });
  assert.deepEqual(resolveTarget('prog', run), { ok: false, pidfile: `${run}/prog.pid`, reason: 'No such file or directory' });

  fs.writeFileSync(`${run}/prog.pid`, `${process.pid}\n`);
  assert.deepEqual(resolveTarget('prog', run), { ok: true, socket: `${run}/prog.${process.pid}.ctl` });
  assert.equal(readPidfile(`${run}/prog.pid`), process.pid);

  fs.writeFileSync(`${run}/stale.pid`, '999999999\n');
  assert.deepEqual(resolveTarget('stale', run), { ok: false, pidfile: `${run}/stale.pid`, reason: 'No such process' });
  fs.writeFileSync(`${run}/garbage.pid`, 'garbage\n');
  assert.deepEqual(resolveTarget('garbage', run), { ok: false, pidfile: `${run}/garbage.pid`, reason: 'No such process' });

  fs.writeFileSync(`${run}/prog.${process.pid}.ctl`, '');
  assert.deepEqual(resolveTarget(String(process.pid), run), { ok: true, socket: `${run}/prog.${process.pid}.ctl` });
});
