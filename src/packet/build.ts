/**
 * Frame builders: whole, valid frames for the common cases the switch and
 * the agent emit or tests inject (ARP requests and replies, UDP/TCP/ICMP
 * over IPv4 and IPv6, tunnel encapsulations, LACPDUs, BPDUs, DHCP). Each
 * is a composition of the codecs' encoders, with checksums and lengths
 * computed, so a builder never produces something its decoder would
 * refuse. Frames are not padded to the 60-byte minimum unless asked
 * (`padFrame` in ethernet.ts), so that tests see exact sizes.
 */
import { Writer } from './writer.js';
import { encodeEthernet, padFrame, type VlanTag } from './ethernet.js';
import { ARP_OP, encodeArp } from './arp.js';
import { IPV4_FLAG_DF, encodeIpv4 } from './ipv4.js';
import { encodeIpv6 } from './ipv6.js';
import { encodeUdp, UDP_PORT } from './udp.js';
import { encodeTcp, TCP_FLAG } from './tcp.js';
import { ICMP_TYPE, encodeIcmp, icmpEchoRest } from './icmp.js';
import { encodeIcmpv6 } from './icmpv6.js';
import { encodeVxlan, vxlanHeader } from './vxlan.js';
import { encodeGeneve, geneveHeader, type GeneveOption } from './geneve.js';
import { encodeGre } from './gre.js';
import { encodeLacp, LACP_DST, type Lacpdu } from './lacp.js';
import { encodeBpdu, LLC_SAP_STP, STP_DST, type Bpdu } from './stp.js';
import { encodeDhcp, type DhcpMessage } from './dhcp.js';
import { type EthType, type Ipv4, type Ipv6, type Mac, type Vid, ETH_TYPE, IP_PROTO, MAC_BROADCAST } from './types.js';

export interface VlanSpec { readonly vid: number; readonly pcp?: number; readonly tpid?: number }

export interface L2Spec {
  readonly srcMac: Mac;
  readonly dstMac: Mac;
  /** One tag, or several (outermost first). */
  readonly vlan?: VlanSpec | readonly VlanSpec[];
}

function tags(v: L2Spec['vlan']): VlanTag[] {
  if (!v) return [];
  const list = Array.isArray(v) ? v : [v as VlanSpec];
  return list.map((t) => ({ tpid: t.tpid ?? ETH_TYPE.VLAN, pcp: t.pcp ?? 0, dei: 0, vid: t.vid as Vid }));
}

function bytesOf(fn: (w: Writer) => void): Uint8Array {
  const w = new Writer(256);
  fn(w);
  return w.finish();
}

export function buildEthernet(l2: L2Spec, type: number, payload: Uint8Array): Uint8Array {
  return bytesOf((w) => encodeEthernet(w, { dst: l2.dstMac, src: l2.srcMac, tags: tags(l2.vlan), type: type as EthType, payload }));
}

export interface ArpRequestSpec {
  readonly srcMac: Mac;
  readonly srcIp: Ipv4;
  readonly dstIp: Ipv4;
  readonly vlan?: L2Spec['vlan'];
}

/** Broadcast who-has `dstIp` (RFC 826); a gratuitous ARP when dstIp equals srcIp. */
export function buildArpRequest(s: ArpRequestSpec): Uint8Array {
  const arp = bytesOf((w) => encodeArp(w, { op: ARP_OP.REQUEST, sha: s.srcMac, spa: s.srcIp, tha: 0 as Mac, tpa: s.dstIp }));
  return buildEthernet({ srcMac: s.srcMac, dstMac: MAC_BROADCAST, vlan: s.vlan }, ETH_TYPE.ARP, arp);
}

export interface ArpReplySpec {
  readonly srcMac: Mac;
  readonly srcIp: Ipv4;
  readonly dstMac: Mac;
  readonly dstIp: Ipv4;
  readonly vlan?: L2Spec['vlan'];
}

export function buildArpReply(s: ArpReplySpec): Uint8Array {
  const arp = bytesOf((w) => encodeArp(w, { op: ARP_OP.REPLY, sha: s.srcMac, spa: s.srcIp, tha: s.dstMac, tpa: s.dstIp }));
  return buildEthernet({ srcMac: s.srcMac, dstMac: s.dstMac, vlan: s.vlan }, ETH_TYPE.ARP, arp);
}

export interface Ipv4Spec {
  readonly src: Ipv4;
  readonly dst: Ipv4;
  readonly ttl?: number;
  readonly tos?: number;
  readonly id?: number;
  /** Default DF. */
  readonly flags?: number;
  readonly fragOffset?: number;
}

export function buildIpv4(ip: Ipv4Spec, protocol: number, payload: Uint8Array): Uint8Array {
  return bytesOf((w) => encodeIpv4(w, {
    tos: ip.tos ?? 0, id: ip.id ?? 0, flags: ip.flags ?? IPV4_FLAG_DF, fragOffset: ip.fragOffset ?? 0,
    ttl: ip.ttl ?? 64, protocol, src: ip.src, dst: ip.dst, options: new Uint8Array(0), payload,
  }));
}

export interface Ipv6Spec {
  readonly src: Ipv6;
  readonly dst: Ipv6;
  readonly hopLimit?: number;
  readonly trafficClass?: number;
  readonly flowLabel?: number;
}

export function buildIpv6(ip: Ipv6Spec, nextHeader: number, payload: Uint8Array): Uint8Array {
  return bytesOf((w) => encodeIpv6(w, {
    trafficClass: ip.trafficClass ?? 0, flowLabel: ip.flowLabel ?? 0, nextHeader, hopLimit: ip.hopLimit ?? 64,
    src: ip.src, dst: ip.dst, payload,
  }));
}

export interface PortsSpec { readonly srcPort: number; readonly dstPort: number; readonly payload?: Uint8Array }

export function buildUdpIpv4(s: L2Spec & Ipv4Spec & PortsSpec): Uint8Array {
  const udp = bytesOf((w) => encodeUdp(w, { srcPort: s.srcPort, dstPort: s.dstPort, payload: s.payload ?? new Uint8Array(0) }, { v: 4, src: s.src, dst: s.dst }));
  return buildEthernet(s, ETH_TYPE.IPV4, buildIpv4(s, IP_PROTO.UDP, udp));
}

export function buildUdpIpv6(s: L2Spec & Ipv6Spec & PortsSpec): Uint8Array {
  const udp = bytesOf((w) => encodeUdp(w, { srcPort: s.srcPort, dstPort: s.dstPort, payload: s.payload ?? new Uint8Array(0) }, { v: 6, src: s.src, dst: s.dst }));
  return buildEthernet(s, ETH_TYPE.IPV6, buildIpv6(s, IP_PROTO.UDP, udp));
}

export interface TcpSpec extends PortsSpec {
  readonly seq?: number;
  readonly ack?: number;
  /** Default SYN. */
  readonly tcpFlags?: number;
  readonly window?: number;
}

function tcpBytes(s: TcpSpec, pseudo: Parameters<typeof encodeTcp>[2]): Uint8Array {
  return bytesOf((w) => encodeTcp(w, {
    srcPort: s.srcPort, dstPort: s.dstPort, seq: s.seq ?? 0, ack: s.ack ?? 0, flags: s.tcpFlags ?? TCP_FLAG.SYN,
    window: s.window ?? 65535, urgent: 0, options: new Uint8Array(0), payload: s.payload ?? new Uint8Array(0),
  }, pseudo));
}

export function buildTcpIpv4(s: L2Spec & Ipv4Spec & TcpSpec): Uint8Array {
  return buildEthernet(s, ETH_TYPE.IPV4, buildIpv4(s, IP_PROTO.TCP, tcpBytes(s, { v: 4, src: s.src, dst: s.dst })));
}

export function buildTcpIpv6(s: L2Spec & Ipv6Spec & TcpSpec): Uint8Array {
  return buildEthernet(s, ETH_TYPE.IPV6, buildIpv6(s, IP_PROTO.TCP, tcpBytes(s, { v: 6, src: s.src, dst: s.dst })));
}

export interface EchoSpec { readonly id?: number; readonly seq?: number; readonly reply?: boolean; readonly payload?: Uint8Array }

/** ICMP echo request (or reply) over IPv4 (RFC 792). */
export function buildIcmpEcho(s: L2Spec & Ipv4Spec & EchoSpec): Uint8Array {
  const icmp = bytesOf((w) => encodeIcmp(w, {
    type: s.reply ? ICMP_TYPE.ECHO_REPLY : ICMP_TYPE.ECHO_REQUEST, code: 0, rest: icmpEchoRest(s.id ?? 0, s.seq ?? 0),
    payload: s.payload ?? new Uint8Array(0),
  }));
  return buildEthernet(s, ETH_TYPE.IPV4, buildIpv4(s, IP_PROTO.ICMP, icmp));
}

/** ICMPv6 echo request (or reply) (RFC 4443 §4.1). */
export function buildIcmpv6Echo(s: L2Spec & Ipv6Spec & EchoSpec): Uint8Array {
  const body = new Uint8Array(4 + (s.payload?.length ?? 0));
  body[0] = (s.id ?? 0) >>> 8; body[1] = s.id ?? 0; body[2] = (s.seq ?? 0) >>> 8; body[3] = s.seq ?? 0;
  if (s.payload) body.set(s.payload, 4);
  const icmp = bytesOf((w) => encodeIcmpv6(w, { type: s.reply ? 129 : 128, code: 0, body }, { src: s.src, dst: s.dst }));
  return buildEthernet(s, ETH_TYPE.IPV6, buildIpv6(s, IP_PROTO.ICMPV6, icmp));
}

/** The outer headers of a tunnel: Ethernet and IPv4 between the tunnel endpoints. */
export interface OuterSpec extends L2Spec, Ipv4Spec {
  /** UDP source port (RFC 7348 §5 suggests a hash of the inner flow); default 49152. */
  readonly srcPort?: number;
}

export interface VxlanSpec { readonly outer: OuterSpec; readonly vni: number; readonly inner: Uint8Array; readonly dstPort?: number }

/** VXLAN over UDP/IPv4 (RFC 7348 §5). The outer UDP checksum is zero, as RFC 7348 recommends. */
export function buildVxlan(s: VxlanSpec): Uint8Array {
  const vx = bytesOf((w) => encodeVxlan(w, vxlanHeader(s.vni, s.inner)));
  const udp = bytesOf((w) => encodeUdp(w, { srcPort: s.outer.srcPort ?? 49152, dstPort: s.dstPort ?? UDP_PORT.VXLAN, checksum: 0, payload: vx }));
  return buildEthernet(s.outer, ETH_TYPE.IPV4, buildIpv4(s.outer, IP_PROTO.UDP, udp));
}

export interface GeneveSpec extends VxlanSpec { readonly options?: readonly GeneveOption[] }

/** Geneve over UDP/IPv4 (RFC 8926). */
export function buildGeneve(s: GeneveSpec): Uint8Array {
  const gn = bytesOf((w) => encodeGeneve(w, geneveHeader(s.vni, s.inner, s.options ?? [])));
  const udp = bytesOf((w) => encodeUdp(w, { srcPort: s.outer.srcPort ?? 49152, dstPort: s.dstPort ?? UDP_PORT.GENEVE, checksum: 0, payload: gn }));
  return buildEthernet(s.outer, ETH_TYPE.IPV4, buildIpv4(s.outer, IP_PROTO.UDP, udp));
}

export interface GreSpec {
  readonly outer: OuterSpec;
  readonly key?: number | null;
  readonly seq?: number | null;
  readonly checksum?: boolean;
  /** Default 0x6558, transparent Ethernet bridging. */
  readonly protocol?: number;
  readonly inner: Uint8Array;
}

/** GRE over IPv4 (RFC 2784, keys and sequence numbers per RFC 2890). */
export function buildGre(s: GreSpec): Uint8Array {
  const gre = bytesOf((w) => encodeGre(w, {
    reserved0: 0, protocol: s.protocol ?? ETH_TYPE.TEB, checksum: s.checksum ? undefined : null,
    key: s.key ?? null, seq: s.seq ?? null, payload: s.inner,
  }));
  return buildEthernet(s.outer, ETH_TYPE.IPV4, buildIpv4(s.outer, IP_PROTO.GRE, gre));
}

/** A LACPDU in a Slow Protocols frame to 01:80:c2:00:00:02 (IEEE 802.1AX §6.4.2). */
export function buildLacpdu(src: Mac, pdu: Lacpdu): Uint8Array {
  return padFrame(buildEthernet({ srcMac: src, dstMac: LACP_DST }, ETH_TYPE.LACP, bytesOf((w) => encodeLacp(w, pdu))));
}

/** A BPDU in an 802.3/LLC frame to 01:80:c2:00:00:00 (IEEE 802.1D §9.3, §7.12.3). */
export function buildBpdu(src: Mac, bpdu: Bpdu): Uint8Array {
  const body = bytesOf((w) => { w.u8(LLC_SAP_STP).u8(LLC_SAP_STP).u8(0x03); encodeBpdu(w, bpdu); });
  return padFrame(buildEthernet({ srcMac: src, dstMac: STP_DST }, body.length, body));
}

export interface DhcpFrameSpec extends L2Spec, Ipv4Spec { readonly message: DhcpMessage; readonly fromServer?: boolean }

/** A DHCP message over UDP/IPv4, client port 68 to server port 67 or back (RFC 2131 §4.1). */
export function buildDhcp(s: DhcpFrameSpec): Uint8Array {
  const dhcp = bytesOf((w) => encodeDhcp(w, s.message));
  return buildUdpIpv4({ ...s, srcPort: s.fromServer ? 67 : 68, dstPort: s.fromServer ? 68 : 67, payload: dhcp });
}
