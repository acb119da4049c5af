/**
 * Session behaviour: controller roles (a new master demotes the old one;
 * a slave may not change the tables), asynchronous message rules (service
 * connections get packet-ins only after asking with miss_send_len;
 * OpenFlow 1.3 connections get no table-miss packet-ins), inactivity
 * probes (echo after one interval, disconnect after two), and port-status
 * for ports that come and go.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startWeft } from '../system/openflow-harness.js';
import { OfSession } from '../../src/openflow/connmgr/session.js';
import { bridgeView } from '../../src/openflow/connmgr/manager.js';
import { encodeHello } from '../../src/openflow/switch-msgs.js';
import { buildMessage } from '../../src/openflow/message.js';
import { encodeFlowMod } from '../../src/openflow/flow-mod.js';
import { parseFlowModString } from '../../src/openflow/ofctl-syntax.js';
import { msgName } from '../../src/openflow/constants.js';
import { errorName } from '../../src/openflow/errors.js';
import { emptyMatch, setMatchField } from '../../src/packet/match.js';
import { OfClient } from '../../src/openflow/client.js';

const weft = startWeft([{ name: 'br0', ports: ['p1', 'p2'] }]);
after(() => weft.close());
const bridge = bridgeView(weft.sw, weft.sw.bridges.get('br0')!, weft.clock);

interface Peer { s: OfSession; out: Uint8Array[]; closed: boolean }

function connect(v: number, primary: boolean, peers: Peer[] = [], probeMs = 0, now?: () => number): Peer {
  const p: Peer = { s: null as never, out: [], closed: false };
  const b = now ? { ...bridge, now } : bridge;
  p.s = new OfSession({ versions: [1, 4], primary, bridge: b, probeMs, name: 't' }, {
    send: (x) => p.out.push(x), close: () => { p.closed = true; }, flowRemoved: () => {},
    becameMaster: (self) => { for (const o of peers) if (o.s !== self && o.s.state.role === 'master') o.s.state.role = 'slave'; },
  });
  p.s.start();
  p.s.receive(encodeHello([v], 1));
  peers.push(p);
  return p;
}

const last = (p: Peer) => p.out[p.out.length - 1]!;
const name = (b: Uint8Array) => msgName(b[0]!, b[1]!);
const errOf = (b: Uint8Array) => errorName(b[0]!, (b[8]! << 8) | b[9]!, (b[10]! << 8) | b[11]!, b.subarray(12)).name;

function roleRequest(role: number): Uint8Array {
  return buildMessage(4, 'ROLE_REQUEST', 5, (w) => w.u32(role).zeros(4).u64(0n));
}

test('a new master demotes the old one, and a slave cannot modify the flow table', () => {
  const peers: Peer[] = [];
  const a = connect(4, true, peers), b = connect(4, true, peers);
  a.s.receive(roleRequest(2));
  assert.equal(name(last(a)), 'ROLE_REPLY');
  b.s.receive(roleRequest(2));
  assert.equal(a.s.state.role, 'slave');
  assert.equal(b.s.state.role, 'master');
  a.s.receive(encodeFlowMod(parseFlowModString('actions=drop', 'add').fm, { version: 4, nxm: false, tableIdExt: false }, 9));
  assert.equal(name(last(a)), 'ERROR');
  assert.equal(errOf(last(a)), 'OFPBRC_IS_SECONDARY');
  a.s.receive(roleRequest(7));
  assert.equal(errOf(last(a)), 'OFPRRFC_BAD_ROLE');
});

test('packet-ins: controllers get them; service connections only after setting miss_send_len; 1.3 gets no table misses', () => {
  const ctl = connect(4, true), svc = connect(1, false), old = connect(1, true);
  const metadata = emptyMatch();
  setMatchField(metadata, 'in_port', 1);
  const pi = { data: new Uint8Array(60), totalLen: 60, reason: 1, tableId: 0, cookie: 0n, metadata, userdata: null };
  const counts = () => [ctl.out.length, svc.out.length, old.out.length];
  const before = counts();
  for (const p of [ctl, svc, old]) p.s.sendPacketIn(pi);
  assert.deepEqual(counts(), [before[0]! + 1, before[1], before[2]! + 1]);
  svc.s.receive(buildMessage(1, 'SET_CONFIG', 3, (w) => w.u16(0).u16(128)));
  svc.s.sendPacketIn(pi);
  assert.equal(svc.out.length, before[1]! + 1);
  const miss = { ...pi, reason: 0 };
  const mid = counts();
  for (const p of [ctl, svc, old]) p.s.sendPacketIn(miss);
  assert.deepEqual(counts(), [mid[0], mid[1]! + 1, mid[2]! + 1]);
});

test('inactivity probe: echo after one interval, disconnect after two', () => {
  let t = 0;
  const p = connect(4, true, [], 1000, () => t);
  t = 999; p.s.tick(t);
  assert.notEqual(name(last(p)), 'ECHO_REQUEST');
  t = 1000; p.s.tick(t);
  assert.equal(name(last(p)), 'ECHO_REQUEST');
  t = 1999; p.s.tick(t);
  assert.equal(p.closed, false);
  t = 2000; p.s.tick(t);
  assert.equal(p.closed, true);
});

test('port-status reaches a connection that asked for asynchronous messages, as ports come and go', async () => {
  const c = await OfClient.connect(weft.mgmt('br0'), { versions: [4], rundir: weft.dir, timeoutMs: 5000 });
  const seen: string[] = [];
  c.onAsync((m) => { if (msgName(m.version, m.type) === 'PORT_STATUS') seen.push(['ADD', 'DELETE', 'MODIFY'][m.bytes[8]!]!); });
  await c.transactNoReply([buildMessage(4, 'SET_CONFIG', 50, (w) => w.u16(0).u16(128))], buildMessage(4, 'BARRIER_REQUEST', 51));
  weft.reconfigure([{ name: 'br0', ports: ['p1', 'p2', 'p7'] }]);
  await new Promise((r) => setTimeout(r, 200));
  weft.reconfigure([{ name: 'br0', ports: ['p1', 'p2'] }]);
  await new Promise((r) => setTimeout(r, 200));
  c.close();
  assert.deepEqual(seen, ['ADD', 'DELETE']);
});
