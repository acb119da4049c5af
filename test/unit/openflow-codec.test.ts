/**
 * OpenFlow codec tests: stream framing split at every offset, flow_mod
 * round trips through every wire form (1.0, NXM, 1.3) for flows in
 * ovs-ofctl syntax, truncation of encoded messages at every offset (a
 * refusal in OpenFlow's terms, never another exception), the error
 * catalogue in every version, NXM/OXM match round trips on random
 * matches, and action syntax round trips.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { OfFramer, type OfMessage } from '../../src/openflow/message.js';
import { encodeHello, helloVersions } from '../../src/openflow/switch-msgs.js';
import { decodeFlowMod, encodeFlowMod, type Protocol } from '../../src/openflow/flow-mod.js';
import { parseFlowModString, formatFlowMod } from '../../src/openflow/ofctl-syntax.js';
import { errorName, errorWire, OfError, type OfErrorName } from '../../src/openflow/errors.js';
import { decodeNxMatch, encodeNxMatch } from '../../src/openflow/nx-match.js';
import { formatActions, parseActions } from '../../src/openflow/action-syntax.js';
import { Reader } from '../../src/packet/reader.js';
import { Writer } from '../../src/packet/writer.js';
import { DecodeError } from '../../src/packet/errors.js';
import { emptyMatch, matchesEqual, setMatchField } from '../../src/packet/match.js';

const FLOWS = [
  'priority=100,dl_src=50:54:00:00:00:66,actions=drop',
  'priority=50,in_port=3,tun_id=5,actions=set_tunnel:7,set_field:1.2.3.4->tun_dst,output:1',
  'tcp,nw_src=10.0.0.0/8,tp_dst=80,actions=mod_nw_src:1.2.3.4,mod_tp_dst:8080,output:2',
  'reg0=5,reg1=0x10/0xff,actions=resubmit(,3),resubmit:2',
  'udp6,ipv6_src=2001:db8::/32,udp_dst=53,actions=ALL',
  'arp,arp_tpa=10.0.0.1,arp_op=1,actions=FLOOD',
  'dl_vlan=10,actions=strip_vlan,output:3',
  'actions=learn(table=1,priority=10,idle_timeout=5,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[])',
  'metadata=0x5/0xff,cookie=0x42,idle_timeout=10,send_flow_rem,actions=controller(reason=no_match,id=3),note:01.02.03.04.05.06',
  'tcp,tcp_flags=+syn-ack,actions=dec_ttl(1,2),CONTROLLER:100',
];

const PROTOS: Protocol[] = [
  { version: 1, nxm: false, tableIdExt: true }, { version: 1, nxm: true, tableIdExt: true }, { version: 4, nxm: false, tableIdExt: false },
];

function encodings(): Array<{ flow: string; proto: Protocol; bytes: Uint8Array }> {
  const out: Array<{ flow: string; proto: Protocol; bytes: Uint8Array }> = [];
  for (const flow of FLOWS) {
    const p = parseFlowModString(flow, 'add');
    for (const proto of PROTOS) {
      if (proto.version === 1 && !proto.nxm && p.needsNxm) continue;
      out.push({ flow, proto, bytes: encodeFlowMod(p.fm, proto, 7) });
    }
  }
  return out;
}

const asMessage = (b: Uint8Array): OfMessage => ({ version: b[0]!, type: b[1]!, xid: new DataView(b.buffer, b.byteOffset).getUint32(4), bytes: b });

test('framing yields the same messages whatever the read boundaries', () => {
  const msgs = [encodeHello([1, 4], 1), ...encodings().slice(0, 5).map((e) => e.bytes)];
  const stream = Buffer.concat(msgs.map((m) => Buffer.from(m)));
  for (let cut = 0; cut <= stream.length; cut++) {
    const f = new OfFramer();
    const got = [...f.push(stream.subarray(0, cut)).messages, ...f.push(stream.subarray(cut)).messages];
    assert.deepEqual(got.map((m) => Buffer.from(m.bytes).toString('hex')), msgs.map((m) => Buffer.from(m).toString('hex')));
  }
  assert.match(new OfFramer().push(Uint8Array.from([1, 0, 0, 4, 0, 0, 0, 0])).error ?? '', /length 4/);
});

test('hello negotiation data: bitmaps and plain headers', () => {
  assert.deepEqual(helloVersions(asMessage(encodeHello([1, 4], 1))), [1, 4]);
  assert.deepEqual(helloVersions(asMessage(encodeHello([1, 2, 3, 4], 1))), [1, 2, 3, 4]);
});

test('flow_mod round trips through OpenFlow 1.0, NXM and 1.3', () => {
  for (const { flow, proto, bytes } of encodings()) {
    const fm = decodeFlowMod(asMessage(bytes), proto, proto.nxm);
    const again = encodeFlowMod(fm, proto, 7);
    assert.equal(Buffer.from(again).toString('hex'), Buffer.from(bytes).toString('hex'), `${flow} v${proto.version} nxm=${proto.nxm}`);
    assert.equal(formatFlowMod(fm, proto.version), formatFlowMod(decodeFlowMod(asMessage(again), proto, proto.nxm), proto.version));
  }
});

test('a flow_mod truncated at any offset is refused in OpenFlow terms', () => {
  for (const { proto, bytes } of encodings()) {
    for (let n = 8; n < bytes.length; n++) {
      const cut = Uint8Array.from(bytes.subarray(0, n));
      new DataView(cut.buffer).setUint16(2, n);
      try {
        decodeFlowMod(asMessage(cut), proto, proto.nxm);
      } catch (e) {
        assert.ok(e instanceof OfError || e instanceof DecodeError, `unexpected ${String(e)}`);
      }
    }
  }
});

test('every error encodes and decodes to its own name in every version (or to the unencodable fallback)', () => {
  const names: OfErrorName[] = ['OFPBRC_BAD_LEN', 'OFPBAC_BAD_OUT_PORT', 'OFPBRC_BAD_TABLE_ID', 'OFPFMFC_OVERLAP', 'OFPBIC_BAD_TABLE_ID',
    'NXBRC_NXM_INVALID', 'OFPBAC_BAD_SET_MASK', 'OFPBFC_BAD_ID', 'OFPMMFC_INVALID_METER', 'OFPBMC_BAD_PREREQ'];
  for (const v of [1, 4]) {
    for (const name of names) {
      const { type, code, vendorBody } = errorWire(v, name);
      const back = errorName(v, type, code, vendorBody ?? new Uint8Array(0)).name;
      assert.ok(back === name || back === 'NXBRC_UNENCODABLE_ERROR', `${name} in ${v}: ${back}`);
    }
  }
  assert.deepEqual(errorWire(1, 'OFPBRC_BAD_TABLE_ID'), { type: 0xb0c2, code: 0, vendorBody: Uint8Array.from([0, 0, 0x23, 0x20, 0, 1, 2, 0]) });
  assert.equal(errorWire(4, 'OFPBRC_BAD_TABLE_ID').type, 1);
});

test('NXM and OXM matches round trip', () => {
  const fieldArb = fc.record({
    inPort: fc.option(fc.integer({ min: 1, max: 0xfeff })), dlSrc: fc.option(fc.integer({ min: 0, max: 0xffffffffffff })),
    tunId: fc.option(fc.bigInt({ min: 0n, max: 0xffffffffffffffffn })), reg: fc.option(fc.tuple(fc.integer({ min: 0, max: 15 }), fc.nat(), fc.nat())),
    ip: fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 32 }))), tcpDst: fc.option(fc.integer({ min: 0, max: 0xffff })),
    vlan: fc.option(fc.integer({ min: 0, max: 0xfff })),
  });
  fc.assert(fc.property(fieldArb, (s) => {
    const m = emptyMatch();
    if (s.inPort !== null) setMatchField(m, 'in_port', s.inPort);
    if (s.dlSrc !== null) setMatchField(m, 'dl_src', s.dlSrc as never);
    if (s.tunId !== null) setMatchField(m, 'tun_id', s.tunId);
    if (s.reg !== null) setMatchField(m, `reg${s.reg[0]}` as never, (s.reg[1] >>> 0) as never, ((s.reg[2] >>> 0) || 1) as never);
    if (s.vlan !== null) setMatchField(m, 'vlan_tci', 0x1000 | s.vlan, 0x1fff);
    if (s.ip !== null || s.tcpDst !== null) {
      setMatchField(m, 'dl_type', 0x0800 as never);
      if (s.ip !== null) setMatchField(m, 'nw_src', (s.ip[0] >>> 0) as never, (s.ip[1] ? (0xffffffff << (32 - s.ip[1])) >>> 0 : 0) as never);
      if (s.tcpDst !== null) { setMatchField(m, 'nw_proto', 6); setMatchField(m, 'tp_dst', s.tcpDst); }
    }
    for (const oxm of [0, 4]) {
      const w = new Writer();
      const n = encodeNxMatch(w, m, oxm);
      const back = decodeNxMatch(new Reader(w.finish()), n).match;
      assert.ok(matchesEqual(back, m), `oxm=${oxm}: ${JSON.stringify(back, (_k, v) => (typeof v === 'bigint' ? `${v}` : v))}`);
    }
  }), { numRuns: 300 });
});

test('action syntax: format(parse(x)) is what ovs-ofctl prints', () => {
  const cases: Array<[string, string]> = [
    ['output:1,NORMAL', 'output:1,NORMAL'],
    ['controller', 'CONTROLLER:65535'],
    ['mod_vlan_vid:0x10', 'mod_vlan_vid:16'],
    ['set_tunnel:0x1234567890', 'set_tunnel64:0x1234567890'],
    ['load:0x1->reg0[1..2]', 'load:0x1->NXM_NX_REG0[1..2]'],
    ['move:reg0[0..7]->reg1[8..15]', 'move:NXM_NX_REG0[0..7]->NXM_NX_REG1[8..15]'],
    ['set_field:5->reg3', 'set_field:0x5->reg3'],
    ['resubmit:3,resubmit(,4),resubmit(1,2)', 'resubmit:3,resubmit(,4),resubmit(1,2)'],
    ['enqueue(1,2)', 'enqueue:1:2'],
    ['dec_ttl()', 'dec_ttl'],
    ['learn(table=1,eth_dst=01:02:03:04:05:06,reg0=5,vlan_tci[0..11]=0x5,load:5->reg1[0..3])',
      'learn(table=1,eth_dst=01:02:03:04:05:06,reg0=0x5,NXM_OF_VLAN_TCI[0..11]=0x5,load:0x5->NXM_NX_REG1[0..3])'],
    ['drop', 'drop'],
  ];
  for (const [input, want] of cases) assert.equal(formatActions(parseActions(input)), want, input);
  assert.throws(() => parseActions('drop,output:1'), /must not be accompanied/);
  assert.throws(() => parseActions('bogus'), /unknown action bogus/);
});

test('the datapath key of live frames: L2, VLAN, IPv4/UDP, ARP and TCP fields as OVS names them', async () => {
  const { datapathFlowKey } = await import('../../src/openflow/odp-key.js');
  const A = 0x505400000001, B = 0x505400000002;
  const cases: [string, Record<string, number>][] = [
    ['505400000002505400000001' + '88b5' + '00'.repeat(46), { dl_dst: B, dl_src: A, dl_type: 0x88b5, vlan_tci: 0, nw_src: 0, nw_proto: 0, tp_src: 0 }],
    ['5054000000025054000000018100000a' + '0800' + '450000200000000040110000' + '0a000001' + '0a000002' + '0035004400080000' + '00'.repeat(4),
      { vlan_tci: 0x1000 | 10, dl_type: 0x0800, nw_src: 0x0a000001, nw_dst: 0x0a000002, nw_proto: 17, nw_ttl: 64, tp_src: 53, tp_dst: 68 }],
    // ARP: the addresses in nw_src/nw_dst and the opcode in nw_proto, as OVS's flow has them.
    ['ffffffffffff505400000001' + '0806' + '0001080006040001' + '505400000001' + '0a000001' + '000000000000' + '0a000002',
      { dl_dst: 0xffffffffffff, dl_type: 0x0806, nw_src: 0x0a000001, nw_dst: 0x0a000002, nw_proto: 1, arp_sha: A, arp_tha: 0, tp_src: 0 }],
    ['505400000002505400000001' + '0800' + '450000280000000040060000' + '0a000001' + '0a000002' + '0050d431' + '00'.repeat(8) + '5002ffff00000000',
      { nw_proto: 6, tp_src: 80, tp_dst: 54321, tcp_flags: 0x002, nw_frag: 0 }],
  ];
  for (const [hex, want] of cases) {
    const k = datapathFlowKey(Buffer.from(hex, 'hex'), 3, { tun_id: 7, tun_src: 1, tun_dst: 2 })!;
    assert.equal(k.in_port, 3);
    assert.equal(k.tun_id, 7);
    for (const [f, v] of Object.entries(want)) assert.equal(k[f], v, `${f} of ${hex}`);
  }
  assert.equal(datapathFlowKey(Buffer.alloc(10), 1), null);
});
