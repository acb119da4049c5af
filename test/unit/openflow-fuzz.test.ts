/**
 * Fuzzing the switch side of OpenFlow: valid requests mutated (bytes
 * flipped, bodies truncated, lengths and types changed, versions swapped)
 * and plain garbage are fed to a session on a real Weft bridge. Every one
 * must be answered with well-formed messages — an OFPT_ERROR among them
 * for a refused request — or close the connection; nothing may throw, and
 * the bridge must keep serving fresh connections afterwards.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { startWeft } from '../system/openflow-harness.js';
import { OfSession } from '../../src/openflow/connmgr/session.js';
import { bridgeView } from '../../src/openflow/connmgr/manager.js';
import { encodeHello } from '../../src/openflow/switch-msgs.js';
import { buildMessage, buildNx, statsHeader, nxStatsHeader, OfFramer } from '../../src/openflow/message.js';
import { encodeFlowMod, encodeFlowStatsRequest } from '../../src/openflow/flow-mod.js';
import { parseFlowModString } from '../../src/openflow/ofctl-syntax.js';
import { encodePacketOut } from '../../src/openflow/packet-msgs.js';
import { encodeGroupMod } from '../../src/openflow/group.js';
import { msgName, NXT, OFPMP } from '../../src/openflow/constants.js';
import { parseActions } from '../../src/openflow/action-syntax.js';
import { emptyMatch } from '../../src/packet/match.js';

const weft = startWeft([{ name: 'br0', ports: ['p1', 'p2'] }]);
after(() => weft.close());
const of = weft.sw.bridges.get('br0')!;
const bridge = bridgeView(weft.sw, of, weft.clock);

function seeds(v: number): Uint8Array[] {
  const proto = { version: v, nxm: v === 1, tableIdExt: true };
  const flows = ['tcp,tp_dst=80,actions=output:2', 'reg0=5,actions=load:0x1->NXM_NX_REG1[],resubmit(,1)', 'table=1,actions=learn(table=2,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],output:NXM_OF_IN_PORT[])', 'dl_vlan=5,actions=strip_vlan,controller'];
  const out: Uint8Array[] = flows.map((f, i) => encodeFlowMod(parseFlowModString(f, 'add').fm, proto, i + 10));
  out.push(encodeFlowStatsRequest({ aggregate: false, match: emptyMatch(), tableId: 0xff, outPort: 0xffff, outGroup: 0xffffffff, cookie: 0n, cookieMask: 0n }, proto, 20));
  out.push(buildMessage(v, 'ECHO_REQUEST', 21, (w) => w.u32(7)));
  out.push(buildMessage(v, 'FEATURES_REQUEST', 22));
  out.push(buildMessage(v, 'SET_CONFIG', 23, (w) => w.u16(0).u16(128)));
  out.push(buildMessage(v, 'STATS_REQUEST', 24, (w) => { statsHeader(w, v, OFPMP.PORT_STATS); if (v === 1) w.u16(0xffff).zeros(6); else w.u32(0xffffffff).zeros(4); }));
  out.push(buildMessage(v, 'STATS_REQUEST', 25, (w) => statsHeader(w, v, OFPMP.TABLE)));
  out.push(encodePacketOut({ bufferId: 0xffffffff, inPort: 1, actions: parseActions('mod_vlan_vid:3,output:2'), data: new Uint8Array(60) }, v, 26));
  out.push(buildNx(v, 27, NXT.SET_PACKET_IN_FORMAT, (w) => w.u32(2)));
  if (v === 1) out.push(buildMessage(v, 'STATS_REQUEST', 28, (w) => { nxStatsHeader(w, v, 0); w.u16(0xffff).u16(0).u8(0xff).zeros(3); }));
  else out.push(encodeGroupMod({ command: 0, type: 0, groupId: 7, buckets: [{ weight: 0, watchPort: 0xffff, watchGroup: 0xffffffff, actions: parseActions('output:1') }] }, v, 29));
  return out;
}

type Mutation =
  | { kind: 'flip'; at: number; value: number }
  | { kind: 'truncate'; keep: number; fixLength: boolean }
  | { kind: 'type'; value: number }
  | { kind: 'version'; value: number }
  | { kind: 'length'; value: number }
  | { kind: 'garbage'; bytes: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('truncate' as const), keep: fc.nat(), fixLength: fc.boolean() }),
  fc.record({ kind: fc.constant('type' as const), value: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ kind: fc.constant('version' as const), value: fc.integer({ min: 0, max: 8 }) }),
  fc.record({ kind: fc.constant('length' as const), value: fc.integer({ min: 0, max: 0xffff }) }),
  fc.record({ kind: fc.constant('garbage' as const), bytes: fc.uint8Array({ minLength: 8, maxLength: 80 }) }),
);

function mutate(msg: Uint8Array, m: Mutation): Uint8Array {
  const b = Uint8Array.from(msg);
  const dv = new DataView(b.buffer);
  switch (m.kind) {
    case 'flip': b[8 + (m.at % Math.max(1, b.length - 8))] = m.value; return b;
    case 'truncate': {
      const n = 8 + (m.keep % Math.max(1, b.length - 8));
      const c = b.slice(0, n);
      if (m.fixLength) new DataView(c.buffer).setUint16(2, n);
      return c;
    }
    case 'type': b[1] = m.value; return b;
    case 'version': b[0] = m.value; return b;
    case 'length': dv.setUint16(2, m.value); return b;
    case 'garbage': { const g = Uint8Array.from(m.bytes); new DataView(g.buffer).setUint16(2, g.length); return g; }
  }
}

/** Internal errors (exceptions that are not OpenFlow refusals) the sessions logged: each one is a bug. */
const internal: string[] = [];
const stats = { errors: 0, replies: 0 };

function session(v: number): { s: OfSession; replies: Uint8Array[]; closed: () => boolean } {
  const replies: Uint8Array[] = [];
  let closed = false;
  const s = new OfSession({ versions: [1, 4], primary: false, bridge, probeMs: 0, name: 'fuzz' }, {
    send: (b) => replies.push(b), close: () => { closed = true; }, flowRemoved: () => {}, becameMaster: () => {},
    log: (level, msg) => { if (level === 'warn') internal.push(msg); },
  });
  s.start();
  s.receive(encodeHello([v], 1));
  return { s, replies, closed: () => closed };
}

function wellFormed(replies: readonly Uint8Array[], v: number): void {
  for (const r of replies.slice(1)) {
    const { messages, error } = new OfFramer().push(r);
    assert.equal(error, null);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.bytes.length, r.length);
    assert.equal(r[0], v, 'replies use the negotiated version');
  }
}

for (const v of [1, 4]) {
  test(`mutated and random OpenFlow ${v === 1 ? '1.0' : '1.3'} messages get well-formed answers or a closed connection`, () => {
    const base = seeds(v);
    fc.assert(fc.property(fc.nat(), fc.array(mutation, { minLength: 1, maxLength: 3 }), (pick, muts) => {
      const { s, replies, closed } = session(v);
      let msg = base[pick % base.length]!;
      for (const m of muts) msg = mutate(msg, m);
      const before = replies.length;
      assert.doesNotThrow(() => s.receive(msg));
      wellFormed(replies, v);
      // A message whose length field is honest and at least a header gets exactly one verdict or none (async ones).
      const errors = replies.slice(before).filter((r) => msgName(v, r[1]!) === 'ERROR');
      stats.errors += errors.length;
      stats.replies += replies.length - before;
      assert.ok(errors.length <= 1 || closed());
      assert.deepEqual(internal, []);
    }), { numRuns: 1500 });
    assert.ok(stats.errors > 100, `only ${stats.errors} refusals: the mutations do not reach the decoders`);
    // The bridge still answers a fresh connection.
    const { s, replies } = session(v);
    s.receive(buildMessage(v, 'ECHO_REQUEST', 99));
    assert.equal(msgName(v, replies[replies.length - 1]![1]!), 'ECHO_REPLY');
  });
}

test('a message shorter than a header closes the connection; one before HELLO too', () => {
  const a = session(1);
  a.s.receive(Uint8Array.from([1, 2, 0, 4, 0, 0, 0, 1]));
  assert.ok(a.closed());
  const replies: Uint8Array[] = [];
  let closed = false;
  const s = new OfSession({ versions: [1, 4], primary: false, bridge, probeMs: 0, name: 'early' }, { send: (b) => replies.push(b), close: () => { closed = true; }, flowRemoved: () => {}, becameMaster: () => {} });
  s.start();
  s.receive(buildMessage(1, 'FEATURES_REQUEST', 5));
  assert.ok(closed);
});

test('no common version: OFPET_HELLO_FAILED with both sides\' versions, then close', () => {
  const replies: Uint8Array[] = [];
  let closed = false;
  const s = new OfSession({ versions: [1, 4], primary: false, bridge, probeMs: 0, name: 'v' }, { send: (b) => replies.push(b), close: () => { closed = true; }, flowRemoved: () => {}, becameMaster: () => {} });
  s.start();
  s.receive(encodeHello([2, 3], 9));
  const err = replies[1]!;
  assert.equal(err[1], 1);
  assert.match(Buffer.from(err.subarray(12)).toString(), /We support versions 0x01, 0x04, you support 0x02, 0x03/);
  assert.ok(closed);
});
