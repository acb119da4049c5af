import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { extractFlow, extractFlowInto, newFlowKey, type FlowKey } from '../../src/packet/flow.js';
import { buildArpRequest, buildTcpIpv4, buildUdpIpv6, buildIcmpEcho, buildVxlan, buildBpdu } from '../../src/packet/build.js';
import { composePacket, composable } from '../../src/packet/compose.js';
import { decapsulate } from '../../src/packet/tunnel.js';
import { formatFlow } from '../../src/packet/flow-syntax.js';
import { parseIpv6, formatIpv6, type Ipv4, type Ipv6, type Mac, type EthType } from '../../src/packet/types.js';

const l2 = { srcMac: 0x505400000001 as Mac, dstMac: 0x505400000002 as Mac };
const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

test('L2 and VLAN fields: untagged, priority-tagged, QinQ', () => {
  const arp = buildArpRequest({ srcMac: l2.srcMac, srcIp: 0x0a000001 as Ipv4, dstIp: 0x0a000002 as Ipv4 });
  const { key, status } = extractFlow(arp, 7);
  assert.equal(status, 'ok');
  assert.equal(key.in_port, 7);
  assert.equal(key.dl_dst, 0xffffffffffff);
  assert.equal(key.dl_type, 0x0806);
  assert.equal(key.vlan_tci, 0);
  assert.deepEqual([key.nw_proto, key.nw_src, key.nw_dst, key.arp_sha, key.arp_tha], [1, 0x0a000001, 0x0a000002, 0x505400000001, 0]);

  const prio = extractFlow(buildArpRequest({ srcMac: l2.srcMac, srcIp: 1 as Ipv4, dstIp: 2 as Ipv4, vlan: { vid: 0, pcp: 5 } }), 1).key;
  assert.equal(prio.vlan_tci, (5 << 13) | 0x1000, 'VID 0 with the present bit is a priority tag');

  const qinq = extractFlow(buildTcpIpv4({ ...l2, vlan: [{ vid: 100, tpid: 0x88a8 }, { vid: 10, pcp: 3 }], src: 1 as Ipv4, dst: 2 as Ipv4, srcPort: 5, dstPort: 6 }), 1);
  assert.equal(qinq.status, 'ok');
  assert.deepEqual([qinq.key.vlan_tpid, qinq.key.vlan_tci, qinq.key.vlan_tpid1, qinq.key.vlan_tci1], [0x88a8, 0x1000 | 100, 0x8100, 0x1000 | (3 << 13) | 10]);
  assert.equal(qinq.key.dl_type, 0x0800);
  assert.equal(qinq.key.tp_dst, 6);
  assert.equal(formatFlow(qinq.key).includes('dl_vlan=100,dl_vlan_pcp=0,dl_vlan1=10,dl_vlan_pcp1=3'), true, formatFlow(qinq.key));
});

test('L3/L4 fields for TCP, UDPv6, ICMP; 802.3 frames; BPDUs', () => {
  const tcp = extractFlow(buildTcpIpv4({ ...l2, src: 0x0a000001 as Ipv4, dst: 0x0a000002 as Ipv4, ttl: 9, tos: 0xb9, srcPort: 1234, dstPort: 80, tcpFlags: 0x12 }), 1).key;
  assert.deepEqual([tcp.nw_proto, tcp.nw_src, tcp.nw_dst, tcp.nw_ttl, tcp.nw_tos, tcp.tp_src, tcp.tp_dst, tcp.tcp_flags, tcp.nw_frag], [6, 0x0a000001, 0x0a000002, 9, 0xb9, 1234, 80, 0x12, 0]);
  const v6 = extractFlow(buildUdpIpv6({ ...l2, src: parseIpv6('2001:db8::1')!, dst: parseIpv6('2001:db8::2')!, flowLabel: 0xabcde, trafficClass: 0x20, srcPort: 53, dstPort: 5353 }), 1).key;
  assert.equal(formatIpv6(v6.ipv6_src), '2001:db8::1');
  assert.deepEqual([v6.nw_proto, v6.ipv6_label, v6.nw_tos, v6.tp_src, v6.tp_dst], [17, 0xabcde, 0x20, 53, 5353]);
  const icmp = extractFlow(buildIcmpEcho({ ...l2, src: 1 as Ipv4, dst: 2 as Ipv4, id: 9, seq: 1 }), 1).key;
  assert.deepEqual([icmp.nw_proto, icmp.tp_src, icmp.tp_dst], [1, 8, 0]);
  const bpdu = extractFlow(buildBpdu(l2.srcMac, { version: 0, type: 0x80, flags: 0, rootId: { priority: 0, mac: 0 as Mac }, rootPathCost: 0, bridgeId: { priority: 0, mac: 0 as Mac }, portId: 0, messageAge: 0, maxAge: 0, helloTime: 0, forwardDelay: 0, version1Length: 0 }), 1);
  assert.equal(bpdu.key.dl_type, 0x05ff);
  assert.equal(bpdu.status, 'ok');
  const snap = extractFlow(hex('ffffffffffff 505400000001 0010 aaaa03 000000 0806'), 1).key;
  assert.equal(snap.dl_type, 0x0806, 'SNAP carries an EtherType');
});

test('fragments: later fragments have no L4 fields; IPv6 later fragments report protocol 44', () => {
  const later = composePacket({ ...newFlowKey(), dl_type: 0x0800 as EthType, nw_proto: 6, nw_frag: 3, tp_dst: 80 });
  const k = extractFlow(later, 1).key;
  assert.deepEqual([k.nw_frag, k.nw_proto, k.tp_dst], [3, 6, 0]);
  const first = extractFlow(composePacket({ ...newFlowKey(), dl_type: 0x0800 as EthType, nw_proto: 17, nw_frag: 1, tp_dst: 80 }), 1).key;
  assert.deepEqual([first.nw_frag, first.tp_dst], [1, 80]);
  const l6 = extractFlow(composePacket({ ...newFlowKey(), dl_type: 0x86dd as EthType, nw_proto: 17, nw_frag: 3 }), 1).key;
  assert.deepEqual([l6.nw_frag, l6.nw_proto], [3, 44]);
});

test('ND: target and link-layer options; duplicate options invalidate', () => {
  const flow: FlowKey = { ...newFlowKey(), dl_type: 0x86dd as EthType, nw_proto: 58, tp_src: 135, nd_target: parseIpv6('fe80::9')!, arp_sha: 0x0a as Mac };
  const k = extractFlow(composePacket(flow), 1).key;
  assert.equal(formatIpv6(k.nd_target), 'fe80::9');
  assert.equal(k.arp_sha, 0x0a);
  const frame = composePacket(flow);
  const dup = new Uint8Array(frame.length + 8);
  dup.set(frame);
  dup.set(frame.subarray(frame.length - 8), frame.length);
  dup[19] += 8; // IPv6 payload length
  const d = extractFlow(dup, 1);
  assert.equal(d.status, 'bad_nd');
  assert.equal(d.key.arp_sha, 0);
  assert.equal(formatIpv6(d.key.nd_target), '::');
});

test('truncation at every offset: never throws, reports where it stopped', () => {
  const frames = [
    buildTcpIpv4({ ...l2, vlan: { vid: 5 }, src: 1 as Ipv4, dst: 2 as Ipv4, srcPort: 1, dstPort: 2 }),
    buildUdpIpv6({ ...l2, src: parseIpv6('::1')!, dst: parseIpv6('::2')!, srcPort: 1, dstPort: 2 }),
    buildArpRequest({ srcMac: l2.srcMac, srcIp: 1 as Ipv4, dstIp: 2 as Ipv4 }),
    composePacket({ ...newFlowKey(), dl_type: 0x86dd as EthType, nw_proto: 58, tp_src: 136, nd_target: parseIpv6('fe80::1')!, arp_tha: 5 as Mac }),
  ];
  const key = newFlowKey();
  for (const f of frames) {
    const full = extractFlowInto(key, f, 1);
    assert.equal(full, 'ok');
    for (let n = 0; n < f.length; n++) {
      const st = extractFlowInto(key, f.subarray(0, n), 1);
      if (n < 14) assert.equal(st, 'short_frame');
      else assert.notEqual(st, 'short_frame');
    }
  }
  const cut = extractFlow(frames[0]!.subarray(0, 14 + 4 + 20 + 10), 1);
  assert.equal(cut.status, 'bad_ipv4', 'IPv4 total length beyond the frame');
  assert.equal(cut.key.vlan_tci, 0x1005);
  assert.equal(cut.key.nw_src, 0);
});

test('random frames: extraction never throws, and a reused key equals a fresh one', () => {
  const prefix = fc.constantFrom('', '8100 0005 ', '88a8 0064 8100 000a ');
  const type = fc.constantFrom('0800', '86dd', '0806', '8035', '0010', '1234');
  const key = newFlowKey();
  fc.assert(fc.property(prefix, type, fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 0, max: 200 }), (p, t, body, cut) => {
    const head = hex('505400000002 505400000001 ' + p + t);
    const f = new Uint8Array(head.length + body.length);
    f.set(head); f.set(body, head.length);
    // Make IP headers plausible often enough to reach L4.
    if (t === '0800' && body.length > 0) body[0] = 0x45;
    const frame = f.subarray(0, Math.min(f.length, cut));
    const fresh = extractFlow(frame, 3);
    const st = extractFlowInto(key, frame, 3);
    assert.equal(st, fresh.status);
    assert.equal(formatFlow(key), formatFlow(fresh.key));
  }), { numRuns: 2000 });
});

test('random flows: compose then extract gives the flow back', () => {
  const ip6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => a as Ipv6);
  const arb = fc.record({
    dl_src: fc.integer({ min: 0, max: 0xffffffffffff }), dl_dst: fc.integer({ min: 0, max: 0xffffffffffff }),
    vlan: fc.option(fc.integer({ min: 0, max: 0xefff })),
    dl_type: fc.constantFrom(0x0800, 0x86dd, 0x0806, 0x8035, 0x88cc, 0x05ff),
    nw_src: fc.nat(), nw_dst: fc.nat(), ipv6_src: ip6, ipv6_dst: ip6, ipv6_label: fc.integer({ min: 0, max: 0xfffff }),
    nw_proto: fc.constantFrom(1, 2, 6, 17, 58, 132, 47), nw_tos: fc.integer({ min: 0, max: 255 }), nw_ttl: fc.integer({ min: 0, max: 255 }),
    nw_frag: fc.constantFrom(0, 1, 3), tp_src: fc.integer({ min: 0, max: 65535 }), tp_dst: fc.integer({ min: 0, max: 65535 }),
    tcp_flags: fc.integer({ min: 0, max: 0xfff }), arp_op: fc.integer({ min: 0, max: 255 }),
  });
  fc.assert(fc.property(arb, (r) => {
    const k = newFlowKey();
    k.dl_src = r.dl_src as Mac; k.dl_dst = r.dl_dst as Mac; k.dl_type = r.dl_type as EthType;
    if (r.vlan !== null) { k.vlan_tci = (r.vlan & ~0x1000) | 0x1000; k.vlan_tpid = 0x8100; }
    if (r.dl_type === 0x0806 || r.dl_type === 0x8035) {
      k.nw_proto = r.arp_op; k.nw_src = r.nw_src as Ipv4; k.nw_dst = r.nw_dst as Ipv4; k.arp_sha = r.dl_src as Mac; k.arp_tha = r.dl_dst as Mac;
    } else if (r.dl_type === 0x0800 || r.dl_type === 0x86dd) {
      const v6 = r.dl_type === 0x86dd;
      const proto = v6 && (r.nw_proto === 1 || r.nw_proto === 2) ? 58 : !v6 && r.nw_proto === 58 ? 1 : r.nw_proto;
      k.nw_proto = proto; k.nw_tos = r.nw_tos; k.nw_ttl = r.nw_ttl; k.nw_frag = r.nw_frag;
      if (v6) { k.ipv6_src = r.ipv6_src; k.ipv6_dst = r.ipv6_dst; k.ipv6_label = r.ipv6_label; } else { k.nw_src = r.nw_src as Ipv4; k.nw_dst = r.nw_dst as Ipv4; }
      if (v6 && r.nw_frag & 2) k.nw_proto = 44;
      if (!(r.nw_frag & 2) && proto !== 47) {
        const icmpish = proto === 1 || proto === 2 || proto === 58;
        k.tp_src = icmpish ? r.tp_src & 0xff : r.tp_src;
        k.tp_dst = icmpish ? r.tp_dst & 0xff : r.tp_dst;
        if (proto === 58 && (k.tp_src === 135 || k.tp_src === 136)) k.tp_src = 128;
        if (proto === 6) k.tcp_flags = r.tcp_flags;
      }
    }
    assert.ok(composable(k));
    const { key, status } = extractFlow(composePacket(k), 0);
    assert.equal(status, 'ok');
    assert.equal(formatFlow(key), formatFlow(k));
  }), { numRuns: 500 });
});

test('tunnel metadata from decapsulation reaches the key', () => {
  const inner = buildIcmpEcho({ ...l2, src: 1 as Ipv4, dst: 2 as Ipv4 });
  const outer = { srcMac: 0xa as Mac, dstMac: 0xb as Mac, src: 0xc0a80001 as Ipv4, dst: 0xc0a80002 as Ipv4 };
  const d = decapsulate(buildVxlan({ outer, vni: 42, inner }))!;
  const k = extractFlow(d.inner, { in_port: 9, tunnel: d.tunnel }).key;
  assert.deepEqual([k.tun_id, k.tun_src, k.tun_dst, k.in_port, k.nw_proto], [42n, 0xc0a80001, 0xc0a80002, 9, 1]);
  assert.match(formatFlow(k), /^icmp,tun_id=0x2a,tun_src=192\.168\.0\.1,tun_dst=192\.168\.0\.2,tun_tos=0,tun_ttl=64,in_port=9,/);
});
