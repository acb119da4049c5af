/**
 * The reconnecting session against small scripted peers: backoff timing,
 * the inactivity probe, answering the peer's probes, fail-fast requests,
 * and close(). Timers are real but short (tens of milliseconds).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type * as net from 'node:net';
import { Connection } from '../../src/jsonrpc/connection.js';
import { listen } from '../../src/jsonrpc/stream.js';
import { ReconnectingSession, NotConnectedError } from '../../src/ovsdb/client/session.js';

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function sockPath(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-session-'));
  dirs.push(d);
  return path.join(d, 'sock');
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(cond: () => boolean, what: string, ms = 2000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

/** A peer that hands every accepted socket to `onConn`. */
async function peer(file: string, onConn: (c: Connection, s: net.Socket) => void): Promise<net.Server> {
  return listen({ kind: 'punix', path: file }, (s) => onConn(new Connection(s), s));
}

test('session: request() fails fast while disconnected', async () => {
  const s = new ReconnectingSession({ remote: `unix:${sockPath()}`, minBackoffMs: 1000 });
  await assert.rejects(s.request('echo', []), NotConnectedError);
  s.start();
  await until(() => s.state === 'backoff', 'first failed attempt');
  const t0 = Date.now();
  await assert.rejects(s.request('echo', []), NotConnectedError);
  assert.ok(Date.now() - t0 < 50);
  s.close();
  assert.equal(s.state, 'closed');
});

test('session: backoff doubles from the minimum to the maximum while the peer drops us at once', { timeout: 5000 }, async () => {
  const file = sockPath();
  const accepts: number[] = [];
  const srv = await peer(file, (c) => { accepts.push(Date.now()); c.close(); });
  const s = new ReconnectingSession({ remote: `unix:${file}`, minBackoffMs: 20, maxBackoffMs: 160, probeIntervalMs: 0 });
  s.start();
  await until(() => accepts.length >= 7, 'seven connections', 3000);
  s.close();
  srv.close();
  const gaps = accepts.slice(1).map((t, i) => t - accepts[i]!);
  // Expected about 20, 40, 80, 160, 160, 160 ms.
  const expect = [20, 40, 80, 160, 160, 160];
  gaps.forEach((g, i) => assert.ok(g >= expect[i]! - 5 && g < expect[i]! + 80, `gap ${i} was ${g} ms, expected ~${expect[i]} (all: ${gaps})`));
});

test('session: a connection that was healthy earns a quick retry; connected/disconnected events', { timeout: 5000 }, async () => {
  const file = sockPath();
  const conns: Connection[] = [];
  const accepts: number[] = [];
  const srv = await peer(file, (c) => {
    conns.push(c);
    accepts.push(Date.now());
    c.setHandler({ onRequest: (cc, r) => cc.reply(r.id, r.params) });
  });
  const s = new ReconnectingSession({ remote: `unix:${file}`, minBackoffMs: 30, maxBackoffMs: 2000, probeIntervalMs: 0 });
  const events: string[] = [];
  s.on('connected', () => events.push('connected'));
  s.on('disconnected', (why) => events.push(`disconnected: ${why}`));
  s.start();
  await until(() => s.isConnected, 'connected');
  assert.deepEqual(await s.request('echo', ['x']), ['x']);
  await sleep(60);
  const dropped = Date.now();
  conns[0]!.close();
  await until(() => accepts.length === 2 && s.isConnected, 'reconnected');
  assert.ok(accepts[1]! - dropped < 30 + 60, `retried after ${accepts[1]! - dropped} ms`);
  assert.equal(s.connections, 2);
  s.close();
  assert.deepEqual(events, ['connected', 'disconnected: connection closed', 'connected', 'disconnected: closed by client']);
  await sleep(50);
  assert.equal(accepts.length, 2, 'no attempt after close()');
  srv.close();
});

test('session: the inactivity probe drops a silent peer after two intervals', { timeout: 5000 }, async () => {
  const file = sockPath();
  const got: { method: string; at: number }[] = [];
  const srv = await peer(file, (c) => c.setHandler({ onRequest: (_c, r) => got.push({ method: r.method, at: Date.now() }) }));
  const s = new ReconnectingSession({ remote: `unix:${file}`, probeIntervalMs: 80, minBackoffMs: 5000 });
  let reason = '';
  // The silence starts when the session connects (polling for isConnected would start the clock late).
  let t0 = 0;
  s.on('connected', () => { t0 = Date.now(); });
  s.on('disconnected', (why) => { reason = why; });
  try {
    s.start();
    await until(() => s.isConnected, 'connected');
    await until(() => reason !== '', 'probe timeout', 1000);
    const dt = Date.now() - t0;
    assert.match(reason, /no response to inactivity probe/);
    assert.ok(dt >= 150 && dt < 400, `dropped after ${dt} ms`);
    assert.deepEqual(got.map((g) => g.method), ['echo']);
    assert.ok(got[0]!.at - t0 >= 70, 'probe sent after one interval of silence');
  } finally {
    // Closed even when an assertion fails, so a failure never leaves the test file hanging.
    s.close();
    srv.close();
  }
});

test('session: a peer that answers probes stays connected; the peer\'s own echo is answered', { timeout: 5000 }, async () => {
  const file = sockPath();
  let echoes = 0;
  let server: Connection | null = null;
  const srv = await peer(file, (c) => {
    server = c;
    c.setHandler({ onRequest: (cc, r) => { echoes++; cc.reply(r.id, r.params); } });
  });
  const s = new ReconnectingSession({ remote: `unix:${file}`, probeIntervalMs: 40 });
  let drops = 0;
  s.on('disconnected', () => drops++);
  s.start();
  await until(() => s.isConnected, 'connected');
  await sleep(300);
  assert.equal(drops, 0);
  assert.ok(echoes >= 3, `${echoes} probes answered`);
  assert.deepEqual(await server!.request('echo', ['from server']), ['from server']);
  s.close();
  srv.close();
});

test('session: forceReconnect() reconnects at once', { timeout: 5000 }, async () => {
  const file = sockPath();
  let accepts = 0;
  const srv = await peer(file, () => { accepts++; });
  const s = new ReconnectingSession({ remote: `unix:${file}`, minBackoffMs: 1000, probeIntervalMs: 0 });
  s.start();
  await until(() => s.isConnected, 'connected');
  const t0 = Date.now();
  s.forceReconnect();
  assert.equal(s.isConnected, false);
  await until(() => s.isConnected && accepts === 2, 'reconnected', 500);
  assert.ok(Date.now() - t0 < 200);
  s.close();
  srv.close();
});
