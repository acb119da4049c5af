/**
 * ICMPv6 (RFC 4443) and Neighbor Discovery (RFC 4861).
 *
 * The ICMPv6 checksum covers the IPv6 pseudo-header (RFC 4443 §2.3), so
 * encoding without a given checksum needs the addresses (`pseudo`).
 *
 * ND messages: Router Solicitation/Advertisement (133/134), Neighbor
 * Solicitation/Advertisement (135/136) and Redirect (137) are decoded from
 * an ICMPv6 message's body into their fixed part and their options, each
 * option a type, a length in 8-octet units (never 0, RFC 4861 §4.6) and
 * data. `ndLinkAddresses` pulls out the source/target link-layer address
 * options that OVS matches as nd_sll and nd_tll.
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { DecodeError, EncodeError } from './errors.js';
import { checksum, pseudoSumV6 } from './checksum.js';
import { type Ipv6, type Mac, IP_PROTO, macFromBytes } from './types.js';

export const ICMPV6_HEADER_LEN = 4;
export const ICMPV6_TYPE = {
  DEST_UNREACH: 1, PACKET_TOO_BIG: 2, TIME_EXCEEDED: 3, PARAM_PROBLEM: 4,
  ECHO_REQUEST: 128, ECHO_REPLY: 129, MLD_QUERY: 130, MLD_REPORT: 131, MLD_DONE: 132,
  ROUTER_SOLICIT: 133, ROUTER_ADVERT: 134, NEIGHBOR_SOLICIT: 135, NEIGHBOR_ADVERT: 136, REDIRECT: 137,
  MLD2_REPORT: 143,
} as const;
export const ND_OPT = { SOURCE_LL: 1, TARGET_LL: 2, PREFIX_INFO: 3, REDIRECTED: 4, MTU: 5 } as const;
/** Neighbor Advertisement flags (RFC 4861 §4.4): Router, Solicited, Override. */
export const ND_NA_FLAG = { ROUTER: 0x80000000, SOLICITED: 0x40000000, OVERRIDE: 0x20000000 } as const;

export interface Icmpv6Message {
  readonly type: number;
  readonly code: number;
  readonly checksum?: number;
  /** Everything after the checksum. */
  readonly body: Uint8Array;
}

export interface Ipv6Pseudo { readonly src: Uint8Array; readonly dst: Uint8Array }

export function decodeIcmpv6(r: Reader): Icmpv6Message {
  r.need(ICMPV6_HEADER_LEN, 'icmpv6', 'RFC 4443 §2.1');
  const type = r.u8('icmpv6.type');
  const code = r.u8('icmpv6.code');
  const csum = r.u16('icmpv6.checksum');
  return { type, code, checksum: csum, body: r.rest() };
}

export function encodeIcmpv6(w: Writer, m: Icmpv6Message, pseudo?: Ipv6Pseudo): void {
  const at = w.length;
  w.u8(m.type, 'icmpv6.type').u8(m.code, 'icmpv6.code').u16(m.checksum ?? 0, 'icmpv6.checksum').bytes(m.body);
  if (m.checksum === undefined) {
    if (!pseudo) throw new EncodeError('icmpv6.checksum', 'computing the checksum needs the IPv6 addresses');
    const len = w.length - at;
    w.set16(at + 2, checksum(w.view(at), 0, len, pseudoSumV6(pseudo.src, pseudo.dst, IP_PROTO.ICMPV6, len)));
  }
}

export interface NdOption {
  readonly type: number;
  /** Option bytes after type and length. */
  readonly data: Uint8Array;
}

export interface NdMessage {
  readonly type: number;
  /** The 32-bit word after the checksum: flags for NA, reserved for NS, hop limit/flags/lifetime for RA. */
  readonly word: number;
  /** Target address (NS, NA), destination's first hop (Redirect); absent for RS and RA. */
  readonly target: Ipv6 | null;
  /** Redirect's destination address. */
  readonly destination: Ipv6 | null;
  /** RA's reachable time and retransmit timer. */
  readonly reachable: number;
  readonly retrans: number;
  readonly options: readonly NdOption[];
}

export function isNdType(type: number): boolean {
  return type >= ICMPV6_TYPE.ROUTER_SOLICIT && type <= ICMPV6_TYPE.REDIRECT;
}

/** Decodes an ND message from an ICMPv6 message's body; `r` covers the body. */
export function decodeNd(type: number, r: Reader): NdMessage {
  if (!isNdType(type)) throw new DecodeError('nd.type', r.offset, `ICMPv6 type ${type} is not Neighbor Discovery`, 'RFC 4861 §4');
  const word = r.u32('nd.reserved');
  let target: Ipv6 | null = null, destination: Ipv6 | null = null, reachable = 0, retrans = 0;
  if (type === ICMPV6_TYPE.NEIGHBOR_SOLICIT || type === ICMPV6_TYPE.NEIGHBOR_ADVERT || type === ICMPV6_TYPE.REDIRECT) {
    r.need(16, 'nd.target', 'RFC 4861 §4.3');
    target = r.copy(16, 'nd.target') as Ipv6;
  }
  if (type === ICMPV6_TYPE.REDIRECT) destination = r.copy(16, 'nd.destination') as Ipv6;
  if (type === ICMPV6_TYPE.ROUTER_ADVERT) {
    reachable = r.u32('nd.reachable_time');
    retrans = r.u32('nd.retrans_timer');
  }
  return { type, word, target, destination, reachable, retrans, options: decodeNdOptions(r) };
}

export function decodeNdOptions(r: Reader): NdOption[] {
  const out: NdOption[] = [];
  while (r.remaining > 0) {
    const at = r.offset;
    r.need(2, 'nd.option', 'RFC 4861 §4.6');
    const type = r.u8('nd.option.type');
    const len = r.u8('nd.option.length');
    if (len === 0) throw new DecodeError('nd.option.length', at + 1, 'option length 0', 'RFC 4861 §4.6');
    out.push({ type, data: r.bytes(len * 8 - 2, 'nd.option.data', 'RFC 4861 §4.6') });
  }
  return out;
}

export function encodeNd(w: Writer, m: NdMessage): void {
  w.u32(m.word, 'nd.reserved');
  if (m.type === ICMPV6_TYPE.ROUTER_ADVERT) w.u32(m.reachable, 'nd.reachable_time').u32(m.retrans, 'nd.retrans_timer');
  if (m.target) w.bytes(m.target);
  if (m.destination) w.bytes(m.destination);
  for (const o of m.options) {
    if ((o.data.length + 2) % 8 !== 0) throw new EncodeError('nd.option.length', `option of ${o.data.length + 2} bytes is not a multiple of 8`);
    w.u8(o.type, 'nd.option.type').u8((o.data.length + 2) / 8, 'nd.option.length').bytes(o.data);
  }
}

/** A source or target link-layer address option carrying an Ethernet address. */
export function ndLinkOption(type: number, mac: Mac): NdOption {
  const d = new Uint8Array(6);
  let v = mac as number;
  for (let i = 5; i >= 0; i--) { d[i] = v % 256; v = Math.floor(v / 256); }
  return { type, data: d };
}

/** The first source and target link-layer addresses among the options (0 where absent). */
export function ndLinkAddresses(m: Pick<NdMessage, 'options'>): { sll: Mac; tll: Mac } {
  let sll = 0 as Mac, tll = 0 as Mac;
  for (const o of m.options) {
    if (o.data.length < 6) continue;
    if (o.type === ND_OPT.SOURCE_LL && sll === 0) sll = macFromBytes(o.data);
    else if (o.type === ND_OPT.TARGET_LL && tll === 0) tll = macFromBytes(o.data);
  }
  return { sll, tll };
}
