import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { reader, type Reader } from '../../src/packet/reader.js';
import { encodeToBytes, type Writer } from '../../src/packet/writer.js';
import { DecodeError } from '../../src/packet/errors.js';
import { decodeEthernet, encodeEthernet, pushVlan, popVlan } from '../../src/packet/ethernet.js';
import { decodeArp, encodeArp } from '../../src/packet/arp.js';
import { decodeIpv4, encodeIpv4, decodeIpv4Options, ipv4HeaderChecksumOk } from '../../src/packet/ipv4.js';
import { decodeIpv6, encodeIpv6, walkIpv6Extensions } from '../../src/packet/ipv6.js';
import { decodeIcmp, encodeIcmp } from '../../src/packet/icmp.js';
import { decodeIcmpv6, encodeIcmpv6, decodeNd, encodeNd, ndLinkAddresses, ndLinkOption } from '../../src/packet/icmpv6.js';
import { decodeUdp, encodeUdp } from '../../src/packet/udp.js';
import { decodeTcp, encodeTcp } from '../../src/packet/tcp.js';
import { decodeVxlan, encodeVxlan } from '../../src/packet/vxlan.js';
import { decodeGeneve, encodeGeneve } from '../../src/packet/geneve.js';
import { decodeGre, encodeGre } from '../../src/packet/gre.js';
import { decodeLacp, encodeLacp, LACPDU_LEN, type Lacpdu } from '../../src/packet/lacp.js';
import { decodeBpdu, encodeBpdu, decodeLlc } from '../../src/packet/stp.js';
import { decodeDhcp, encodeDhcp, dhcpChaddr, dhcpMessageType, ipv4Option } from '../../src/packet/dhcp.js';
import { checksum, updateChecksum16, updateChecksum32, updateChecksumBytes } from '../../src/packet/checksum.js';
import { l4ChecksumOk } from '../../src/packet/l4sum.js';
import { buildBpdu, buildLacpdu, buildUdpIpv4, buildTcpIpv6, buildIcmpv6Echo, buildVxlan, buildGeneve, buildGre } from '../../src/packet/build.js';
import { decapsulate } from '../../src/packet/tunnel.js';
import { parseIpv6, type Ipv4, type Ipv6, type Mac } from '../../src/packet/types.js';

type Enc<T> = (w: Writer, v: T) => void;
type Dec<T> = (r: Reader) => T;

const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/\s+/g, ''), 'hex'));

function strip<T>(v: T): unknown {
  if (v instanceof Uint8Array) return Uint8Array.from(v);
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (k !== 'checksum') o[k] = strip(x);
    return o;
  }
  return v;
}

/** encode → decode gives the value back, and re-encoding gives the same bytes. */
function roundTrip<T>(enc: Enc<T>, dec: Dec<T>, v: T): Uint8Array {
  const bytes = encodeToBytes(enc, v);
  const back = dec(reader(bytes));
  assert.deepEqual(strip(back), strip(v));
  assert.deepEqual(encodeToBytes(enc, back), bytes);
  return bytes;
}

/** Every prefix either decodes or raises DecodeError (never anything else); prefixes shorter than `minLen` must raise. */
function truncations<T>(dec: Dec<T>, bytes: Uint8Array, minLen: number): void {
  for (let n = 0; n < bytes.length; n++) {
    try {
      dec(reader(bytes.subarray(0, n)));
      assert.ok(n >= minLen, `decoded a ${n}-byte prefix, expected DecodeError below ${minLen}`);
    } catch (e) {
      if (!(e instanceof DecodeError)) throw e;
      assert.ok(e.field.length > 0 && e.offset >= 0 && e.offset <= n, `bad error ${e.message}`);
    }
  }
}

const u8 = fc.integer({ min: 0, max: 0xff });
const u16 = fc.integer({ min: 0, max: 0xffff });
const u32 = fc.integer({ min: 0, max: 0xffffffff });
const mac = fc.integer({ min: 0, max: 0xffffffffffff }).map((m) => m as Mac);
const ip4 = u32.map((a) => a as Ipv4);
const ip6 = fc.uint8Array({ minLength: 16, maxLength: 16 }).map((a) => a as Ipv6);
const bytes = (max = 64) => fc.uint8Array({ maxLength: max });
const words = (maxWords: number) => fc.integer({ min: 0, max: maxWords }).chain((n) => fc.uint8Array({ minLength: 4 * n, maxLength: 4 * n }));

const ethArb = fc.record({
  dst: mac, src: mac,
  tags: fc.array(fc.record({ tpid: fc.constantFrom(0x8100, 0x88a8), pcp: fc.integer({ min: 0, max: 7 }), dei: fc.integer({ min: 0, max: 1 }), vid: fc.integer({ min: 0, max: 4095 }) }), { maxLength: 3 }),
  type: fc.integer({ min: 0, max: 0xffff }).filter((t) => t !== 0x8100 && t !== 0x88a8),
  payload: bytes(),
}) as unknown as fc.Arbitrary<Parameters<typeof encodeEthernet>[1]>;

test('ethernet: round trip, stacked tags, truncation', () => {
  fc.assert(fc.property(ethArb, (f) => { truncations(decodeEthernet, roundTrip(encodeEthernet, decodeEthernet, f), 14 + 4 * f.tags.length); }), { numRuns: 200 });
  const f = decodeEthernet(reader(hex('ffffffffffff 505400000001 88a8 a00a 8100 2014 0800 45')));
  assert.deepEqual(f.tags.map((t) => [t.tpid, t.pcp, t.dei, t.vid as number]), [[0x88a8, 5, 0, 10], [0x8100, 1, 0, 20]]);
  assert.equal(f.type, 0x0800);
  const plain = hex('ffffffffffff 505400000001 0806 00');
  assert.deepEqual(popVlan(pushVlan(plain, { vid: 7, pcp: 3, dei: 0 })), plain);
});

test('arp: round trip, known bytes, refuses non-Ethernet/IPv4 and short input', () => {
  fc.assert(fc.property(fc.record({ op: u16, sha: mac, spa: ip4, tha: mac, tpa: ip4 }), (a) => { truncations(decodeArp, roundTrip(encodeArp, decodeArp, a), 28); }));
  const b = hex('0001 0800 06 04 0001 505400000001 0a000001 000000000000 0a000002');
  assert.deepEqual(decodeArp(reader(b)), { op: 1, sha: 0x505400000001, spa: 0x0a000001, tha: 0, tpa: 0x0a000002 });
  const bad = Uint8Array.from(b); bad[1] = 6;
  assert.throws(() => decodeArp(reader(bad)), (e: DecodeError) => e.field === 'arp.htype' && e.offset === 0);
});

const ipv4Arb = fc.record({
  tos: u8, id: u16, flags: fc.integer({ min: 0, max: 7 }), fragOffset: fc.integer({ min: 0, max: 0x1fff }), ttl: u8, protocol: u8,
  src: ip4, dst: ip4, options: words(10), payload: bytes(),
}) as fc.Arbitrary<Parameters<typeof encodeIpv4>[1]>;

test('ipv4: round trip with options, checksum, truncation, length checks', () => {
  fc.assert(fc.property(ipv4Arb, (h) => {
    const b = roundTrip(encodeIpv4, decodeIpv4, h);
    assert.ok(ipv4HeaderChecksumOk(b));
    truncations(decodeIpv4, b, b.length);
  }), { numRuns: 200 });
  // The classic example header: checksum 0xb861.
  const hdr = hex('4500 0073 0000 4000 4011 0000 c0a8 0001 c0a8 00c7');
  assert.equal(checksum(hdr), 0xb861);
  const padded = new Uint8Array(0x73 + 10); padded.set(hdr); padded[10] = 0xb8; padded[11] = 0x61;
  const d = decodeIpv4(reader(padded));
  assert.equal(d.payload.length, 0x73 - 20, 'payload cut to Total Length');
  const badLen = Uint8Array.from(padded); badLen[2] = 0xff;
  assert.throws(() => decodeIpv4(reader(badLen)), (e: DecodeError) => e.field === 'ipv4.total_length' && e.offset === 2);
  const badIhl = Uint8Array.from(padded); badIhl[0] = 0x44;
  assert.throws(() => decodeIpv4(reader(badIhl)), (e: DecodeError) => e.field === 'ipv4.ihl');
  const opts = decodeIpv4Options(reader(hex('01 01 0704 aabb 00 00')));
  assert.deepEqual(opts.map((o) => o.type), [1, 1, 7, 0]);
});

test('ipv6: round trip, extension walk, bounded chain', () => {
  const arb = fc.record({ trafficClass: u8, flowLabel: fc.integer({ min: 0, max: 0xfffff }), nextHeader: u8, hopLimit: u8, src: ip6, dst: ip6, payload: bytes() });
  fc.assert(fc.property(arb, (h) => { const b = roundTrip(encodeIpv6, decodeIpv6, h as never); truncations(decodeIpv6, b, b.length); }), { numRuns: 100 });
  // Hop-by-hop (8 bytes) → fragment (first, M=1) → UDP.
  const chain = hex('2c00 0000 0000 0000  1100 0001 1234 5678  0035 0035 0008 0000');
  const walk = walkIpv6Extensions(reader(chain), 0);
  assert.equal(walk.protocol, 17);
  assert.equal(walk.offset, 16);
  assert.deepEqual(walk.fragment, { offset: 0, more: true, id: 0x12345678 });
  const loop = new Uint8Array(8 * 40); // 40 hop-by-hop headers chained
  assert.throws(() => walkIpv6Extensions(reader(loop), 0), (e: DecodeError) => e.field === 'ipv6.extension' && /more than 16/.test(e.reason));
  truncations((r) => walkIpv6Extensions(r, 0), chain, 16);
});

test('udp/tcp: round trip, pseudo-header checksums for v4 and v6, truncation', () => {
  const pseudo4 = { v: 4 as const, src: 0x0a000001, dst: 0x0a000002 };
  const pseudo6 = { v: 6 as const, src: parseIpv6('2001:db8::1')!, dst: parseIpv6('2001:db8::2')! };
  fc.assert(fc.property(u16, u16, bytes(), fc.boolean(), (sp, dp, payload, six) => {
    const p = six ? pseudo6 : pseudo4;
    const b = encodeToBytes((w, v) => encodeUdp(w, v, p), { srcPort: sp, dstPort: dp, payload });
    assert.ok(l4ChecksumOk(p, 17, b));
    roundTrip(encodeUdp, decodeUdp, decodeUdp(reader(b)));
    truncations(decodeUdp, b, b.length);
  }), { numRuns: 100 });
  const tcpArb = fc.record({ srcPort: u16, dstPort: u16, seq: u32, ack: u32, flags: fc.integer({ min: 0, max: 0xfff }), window: u16, urgent: u16, options: words(10), payload: bytes() });
  fc.assert(fc.property(tcpArb, fc.boolean(), (s, six) => {
    const p = six ? pseudo6 : pseudo4;
    const b = encodeToBytes((w, v) => encodeTcp(w, v, p), s);
    assert.ok(l4ChecksumOk(p, 6, b));
    const back = decodeTcp(reader(b));
    assert.deepEqual(strip(back), strip(s));
    assert.deepEqual(encodeToBytes(encodeTcp, back), b);
    truncations(decodeTcp, b, 20 + s.options.length);
  }), { numRuns: 100 });
  const udpBad = hex('0035 0035 0004 0000');
  assert.throws(() => decodeUdp(reader(udpBad)), (e: DecodeError) => e.field === 'udp.length' && e.offset === 4);
});

test('icmp and icmpv6/ND: round trip, checksums, ND options', () => {
  fc.assert(fc.property(fc.record({ type: u8, code: u8, rest: u32, payload: bytes() }), (m) => {
    const b = roundTrip(encodeIcmp, decodeIcmp, m);
    assert.equal(checksum(b), 0);
    truncations(decodeIcmp, b, 8);
  }));
  const src = parseIpv6('fe80::1')!, dst = parseIpv6('ff02::1:ff00:2')!;
  const nd = { type: 135, word: 0, target: parseIpv6('fe80::2')!, destination: null, reachable: 0, retrans: 0, options: [ndLinkOption(1, 0x505400000001 as Mac)] };
  const body = encodeToBytes(encodeNd, nd);
  const msg = encodeToBytes((w, v) => encodeIcmpv6(w, v, { src, dst }), { type: 135, code: 0, body });
  assert.ok(l4ChecksumOk({ v: 6, src, dst }, 58, msg));
  const back = decodeIcmpv6(reader(msg));
  const ndBack = decodeNd(back.type, reader(back.body));
  assert.deepEqual(strip(ndBack), strip(nd));
  assert.equal(ndLinkAddresses(ndBack).sll, 0x505400000001);
  truncations((r) => decodeNd(135, r), body, 20);
  assert.throws(() => decodeNd(135, reader(hex('00000000' + '00'.repeat(16) + '0100' + '000000000000'))), (e: DecodeError) => e.field === 'nd.option.length');
});

test('vxlan, geneve, gre: round trip and refusals', () => {
  fc.assert(fc.property(fc.record({ flags: u8.map((f) => f | 0x08), reserved1: fc.integer({ min: 0, max: 0xffffff }), vni: fc.integer({ min: 0, max: 0xffffff }), reserved2: u8, payload: bytes() }), (h) => {
    truncations(decodeVxlan, roundTrip(encodeVxlan, decodeVxlan, h), 8);
  }));
  assert.throws(() => decodeVxlan(reader(hex('0000000000000100'))), (e: DecodeError) => e.field === 'vxlan.flags');
  const opt = fc.record({ optClass: u16, type: u8, flags: fc.integer({ min: 0, max: 7 }), data: words(8) });
  const gnArb = fc.record({ oam: fc.boolean(), critical: fc.boolean(), reserved1: fc.integer({ min: 0, max: 0x3f }), protocol: u16, vni: fc.integer({ min: 0, max: 0xffffff }), reserved2: u8, options: fc.array(opt, { maxLength: 4 }), payload: bytes() });
  fc.assert(fc.property(gnArb, (h) => {
    const b = roundTrip(encodeGeneve, decodeGeneve, h);
    truncations(decodeGeneve, b, b.length - h.payload.length);
  }));
  assert.throws(() => decodeGeneve(reader(hex('4000655800000100'))), (e: DecodeError) => e.field === 'geneve.version');
  assert.throws(() => decodeGeneve(reader(hex('0100655800000100 0001 01 02 00000000'))), (e: DecodeError) => e.field === 'geneve.option.data');
  const greArb = fc.record({ reserved0: fc.constant(0), protocol: u16, checksum: fc.constant(null), key: fc.option(u32), seq: fc.option(u32), payload: bytes() });
  fc.assert(fc.property(greArb, (h) => {
    const b = roundTrip(encodeGre, decodeGre, h);
    truncations(decodeGre, b, b.length - h.payload.length);
  }));
  const withSum = encodeToBytes(encodeGre, { reserved0: 0, protocol: 0x6558, checksum: undefined, key: 5, seq: null, payload: hex('0102030405') });
  assert.equal(checksum(withSum), 0);
  assert.equal(decodeGre(reader(withSum)).key, 5);
  assert.throws(() => decodeGre(reader(hex('0001 6558'))), (e: DecodeError) => e.field === 'gre.version');
});

test('lacp: every field round trips; wrong TLV lengths are refused', () => {
  const info = fc.record({ systemPriority: u16, system: mac, key: u16, portPriority: u16, port: u16, state: u8 });
  fc.assert(fc.property(fc.record({ version: u8, actor: info, partner: info, collectorMaxDelay: u16 }), (p) => {
    const b = roundTrip(encodeLacp, decodeLacp, p as Lacpdu);
    assert.equal(b.length, LACPDU_LEN);
    truncations(decodeLacp, b, LACPDU_LEN);
  }));
  const pdu: Lacpdu = { version: 1, actor: { systemPriority: 65534, system: 0x505400000001 as Mac, key: 1, portPriority: 65535, port: 3, state: 0x3d }, partner: { systemPriority: 0, system: 0 as Mac, key: 0, portPriority: 0, port: 0, state: 0 }, collectorMaxDelay: 0 };
  const frame = buildLacpdu(0x505400000001 as Mac, pdu);
  const eth = decodeEthernet(reader(frame));
  assert.equal(eth.type, 0x8809);
  assert.deepEqual(decodeLacp(reader(eth.payload)), pdu);
  const bad = Uint8Array.from(eth.payload); bad[3] = 19;
  assert.throws(() => decodeLacp(reader(bad)), (e: DecodeError) => e.field === 'lacp.actor.length' && e.offset === 3);
});

test('stp: configuration, RST and TCN BPDUs', () => {
  const id = fc.record({ priority: u16, mac });
  const arb = fc.record({ version: fc.constantFrom(0, 2), type: fc.constantFrom(0x00, 0x02), flags: u8, rootId: id, rootPathCost: u32, bridgeId: id, portId: u16, messageAge: u16, maxAge: u16, helloTime: u16, forwardDelay: u16, version1Length: fc.constant(0) });
  fc.assert(fc.property(arb, (b) => { const bytes_ = roundTrip(encodeBpdu, decodeBpdu, b); truncations(decodeBpdu, bytes_, bytes_.length); }));
  const tcn = hex('0000 00 80');
  assert.equal(decodeBpdu(reader(tcn)).type, 0x80);
  const frame = buildBpdu(0x505400000001 as Mac, decodeBpdu(reader(hex('0000 00 00 01 8000505400000001 00000004 8000505400000002 8001 0000 1400 0200 0f00'))));
  const eth = decodeEthernet(reader(frame));
  assert.ok(eth.type < 0x600);
  const llc = decodeLlc(reader(eth.payload.subarray(0, eth.type)));
  assert.equal(llc.dsap, 0x42);
  const bpdu = decodeBpdu(reader(llc.payload));
  assert.equal(bpdu.rootPathCost, 4);
  assert.equal(bpdu.forwardDelay, 0x0f00);
});

test('dhcp: options round trip, magic cookie checked', () => {
  const optArb = fc.record({ code: fc.integer({ min: 1, max: 254 }), data: fc.uint8Array({ maxLength: 20 }) });
  const arb = fc.record({ op: fc.constantFrom(1, 2), htype: fc.constant(1), hlen: fc.constant(6), hops: u8, xid: u32, secs: u16, flags: u16, ciaddr: ip4, yiaddr: ip4, siaddr: ip4, giaddr: ip4, chaddr: mac.map(dhcpChaddr), sname: fc.uint8Array({ minLength: 64, maxLength: 64 }), file: fc.uint8Array({ minLength: 128, maxLength: 128 }), options: fc.array(optArb, { maxLength: 6 }) });
  fc.assert(fc.property(arb, (m) => { truncations(decodeDhcp, roundTrip(encodeDhcp, decodeDhcp, m), 240); }), { numRuns: 50 });
  const msg = decodeDhcp(reader(encodeToBytes(encodeDhcp, { op: 1, htype: 1, hlen: 6, hops: 0, xid: 1, secs: 0, flags: 0x8000, ciaddr: 0 as Ipv4, yiaddr: 0 as Ipv4, siaddr: 0 as Ipv4, giaddr: 0 as Ipv4, chaddr: dhcpChaddr(1 as Mac), sname: new Uint8Array(64), file: new Uint8Array(128), options: [{ code: 53, data: Uint8Array.of(1) }, ipv4Option(50, 0x0a000005)] })));
  assert.equal(dhcpMessageType(msg), 1);
  const bad = encodeToBytes(encodeDhcp, msg); bad[236] = 0;
  assert.throws(() => decodeDhcp(reader(bad)), (e: DecodeError) => e.field === 'dhcp.magic' && e.offset === 236);
});

test('checksum known answers (RFC 1071 §3) and RFC 1624 incremental updates', () => {
  // RFC 1071 §3 example: the words 0001 f203 f4f5 f6f7 sum to ddf2 (one's complement 220d).
  assert.equal(checksum(hex('0001f203f4f5f6f7')), 0x220d);
  assert.equal(checksum(hex('01')), 0xfeff);
  // RFC 1624 §4 example: HC = 0xdd2f, m = 0x5555 -> m' = 0x3285 gives HC' = 0x0000 via eqn. 3.
  assert.equal(updateChecksum16(0xdd2f, 0x5555, 0x3285), 0x0000);
  fc.assert(fc.property(fc.uint8Array({ minLength: 20, maxLength: 60 }).filter((b) => b.length % 2 === 0), fc.nat(8), u32, (b, i, nv) => {
    const orig = Uint8Array.from(b);
    const sum = checksum(orig);
    const at = 2 * i;
    const ov = (orig[at]! << 24 >>> 0) + (orig[at + 1]! << 16) + (orig[at + 2]! << 8) + orig[at + 3]!;
    const changed = Uint8Array.from(orig);
    changed[at] = nv >>> 24; changed[at + 1] = nv >>> 16; changed[at + 2] = nv >>> 8; changed[at + 3] = nv;
    const inc = updateChecksum32(sum, ov, nv);
    const full = checksum(changed);
    // Both are valid one's complement representations of the same sum.
    assert.ok(inc === full || (inc === 0xffff && full === 0) || (inc === 0 && full === 0xffff), `${inc} vs ${full}`);
    const inc2 = updateChecksumBytes(sum, orig.subarray(at, at + 4), changed.subarray(at, at + 4));
    assert.ok(inc2 === full || (inc2 ^ full) === 0xffff);
  }));
});

test('builders produce frames their decoders accept; tunnels decapsulate', () => {
  const l2 = { srcMac: 0x505400000001 as Mac, dstMac: 0x505400000002 as Mac };
  const udp = buildUdpIpv4({ ...l2, src: 0x0a000001 as Ipv4, dst: 0x0a000002 as Ipv4, srcPort: 1, dstPort: 2, payload: hex('abcd') });
  const ip = decodeIpv4(reader(decodeEthernet(reader(udp)).payload));
  assert.ok(l4ChecksumOk({ v: 4, src: ip.src, dst: ip.dst }, 17, ip.payload));
  const s6 = parseIpv6('2001:db8::1')!, d6 = parseIpv6('2001:db8::2')!;
  const tcp6 = buildTcpIpv6({ ...l2, src: s6, dst: d6, srcPort: 1000, dstPort: 22 });
  const ip6h = decodeIpv6(reader(decodeEthernet(reader(tcp6)).payload));
  assert.ok(l4ChecksumOk({ v: 6, src: s6, dst: d6 }, 6, ip6h.payload));
  const echo6 = decodeIpv6(reader(decodeEthernet(reader(buildIcmpv6Echo({ ...l2, src: s6, dst: d6, id: 1, seq: 2 }))).payload));
  assert.ok(l4ChecksumOk({ v: 6, src: s6, dst: d6 }, 58, echo6.payload));
  const outer = { srcMac: 0xaa as Mac, dstMac: 0xbb as Mac, src: 0xc0a80001 as Ipv4, dst: 0xc0a80002 as Ipv4, ttl: 63, tos: 4 };
  for (const [frame, kind, id] of [[buildVxlan({ outer, vni: 5000, inner: udp }), 'vxlan', 5000n], [buildGeneve({ outer, vni: 77, inner: udp, options: [{ optClass: 0x102, type: 0x80, flags: 0, data: hex('00000001') }] }), 'geneve', 77n], [buildGre({ outer, key: 0x1234, inner: udp, checksum: true }), 'gre', 0x1234n]] as const) {
    const d = decapsulate(frame)!;
    assert.equal(d.kind, kind);
    assert.equal(d.tunnel.tun_id, id);
    assert.equal(d.tunnel.tun_src, 0xc0a80001);
    assert.equal(d.tunnel.tun_dst, 0xc0a80002);
    assert.equal(d.tunnel.tun_ttl, 63);
    assert.deepEqual(Uint8Array.from(d.inner), udp);
  }
  assert.equal(decapsulate(udp), null);
  const vx = buildVxlan({ outer, vni: 1, inner: udp });
  for (let n = 0; n < vx.length - udp.length; n++) {
    try { decapsulate(vx.subarray(0, n)); } catch (e) { assert.ok(e instanceof DecodeError, String(e)); }
  }
});
