/**
 * DHCP messages (RFC 2131 §2, Figure 1) with options (RFC 2132).
 *
 * The fixed part is 236 bytes: op, htype, hlen, hops, xid, secs, flags,
 * ciaddr, yiaddr, siaddr, giaddr, chaddr (16), sname (64), file (128);
 * then the magic cookie 99.130.83.99 (RFC 2131 §3) and options. Options
 * are code/length/data, except Pad (0) and End (255) which are single
 * octets (RFC 2132 §3.1-3.2). Decoding keeps the options in order and
 * drops Pad; it stops at End. It does not merge options overloaded into
 * sname/file (option 52); `dhcpOption` finds the first instance of a code.
 * chaddr is kept as the client's MAC (its first 6 bytes) when hlen is 6,
 * with the whole 16-byte field kept for exact encoding.
 */
import { Reader } from './reader.js';
import { Writer } from './writer.js';
import { DecodeError, EncodeError } from './errors.js';
import { type Ipv4, type Mac, macFromBytes, macToBytes } from './types.js';

export const DHCP_FIXED_LEN = 236;
export const DHCP_MAGIC = 0x63825363;
export const DHCP_OP = { BOOTREQUEST: 1, BOOTREPLY: 2 } as const;
export const DHCP_MSG = { DISCOVER: 1, OFFER: 2, REQUEST: 3, DECLINE: 4, ACK: 5, NAK: 6, RELEASE: 7, INFORM: 8 } as const;
export const DHCP_OPT = {
  PAD: 0, SUBNET_MASK: 1, ROUTER: 3, DNS: 6, HOSTNAME: 12, DOMAIN_NAME: 15, MTU: 26, BROADCAST: 28,
  STATIC_ROUTE: 33, REQUESTED_IP: 50, LEASE_TIME: 51, MSG_TYPE: 53, SERVER_ID: 54, PARAM_LIST: 55,
  RENEWAL_TIME: 58, REBINDING_TIME: 59, CLIENT_ID: 61, CLASSLESS_ROUTE: 121, END: 255,
} as const;

export interface DhcpOption {
  readonly code: number;
  readonly data: Uint8Array;
}

export interface DhcpMessage {
  readonly op: number;
  readonly htype: number;
  readonly hlen: number;
  readonly hops: number;
  readonly xid: number;
  readonly secs: number;
  readonly flags: number;
  readonly ciaddr: Ipv4;
  readonly yiaddr: Ipv4;
  readonly siaddr: Ipv4;
  readonly giaddr: Ipv4;
  /** The full 16-byte client hardware address field. */
  readonly chaddr: Uint8Array;
  readonly sname: Uint8Array;
  readonly file: Uint8Array;
  readonly options: readonly DhcpOption[];
}

export function decodeDhcp(r: Reader): DhcpMessage {
  r.need(DHCP_FIXED_LEN + 4, 'dhcp', 'RFC 2131 §2');
  const op = r.u8('dhcp.op');
  const htype = r.u8('dhcp.htype');
  const hlen = r.u8('dhcp.hlen');
  const hops = r.u8('dhcp.hops');
  const xid = r.u32('dhcp.xid');
  const secs = r.u16('dhcp.secs');
  const flags = r.u16('dhcp.flags');
  const ciaddr = r.u32('dhcp.ciaddr') as Ipv4;
  const yiaddr = r.u32('dhcp.yiaddr') as Ipv4;
  const siaddr = r.u32('dhcp.siaddr') as Ipv4;
  const giaddr = r.u32('dhcp.giaddr') as Ipv4;
  const chaddr = r.bytes(16, 'dhcp.chaddr');
  const sname = r.bytes(64, 'dhcp.sname');
  const file = r.bytes(128, 'dhcp.file');
  const at = r.offset;
  const magic = r.u32('dhcp.magic');
  if (magic !== DHCP_MAGIC) throw new DecodeError('dhcp.magic', at, `magic cookie 0x${magic.toString(16)}, expected 0x63825363`, 'RFC 2131 §3');
  const options: DhcpOption[] = [];
  while (r.remaining > 0) {
    const code = r.u8('dhcp.option.code');
    if (code === DHCP_OPT.PAD) continue;
    if (code === DHCP_OPT.END) break;
    const len = r.u8('dhcp.option.length');
    options.push({ code, data: r.bytes(len, 'dhcp.option.data', 'RFC 2132 §2') });
  }
  return { op, htype, hlen, hops, xid, secs, flags, ciaddr, yiaddr, siaddr, giaddr, chaddr, sname, file, options };
}

export function encodeDhcp(w: Writer, m: DhcpMessage): void {
  const fixed = (f: Uint8Array, n: number, name: string) => {
    if (f.length > n) throw new EncodeError(name, `${f.length} bytes exceed ${n}`);
    w.bytes(f).zeros(n - f.length);
  };
  w.u8(m.op, 'dhcp.op').u8(m.htype, 'dhcp.htype').u8(m.hlen, 'dhcp.hlen').u8(m.hops, 'dhcp.hops');
  w.u32(m.xid, 'dhcp.xid').u16(m.secs, 'dhcp.secs').u16(m.flags, 'dhcp.flags');
  w.u32(m.ciaddr, 'dhcp.ciaddr').u32(m.yiaddr, 'dhcp.yiaddr').u32(m.siaddr, 'dhcp.siaddr').u32(m.giaddr, 'dhcp.giaddr');
  fixed(m.chaddr, 16, 'dhcp.chaddr');
  fixed(m.sname, 64, 'dhcp.sname');
  fixed(m.file, 128, 'dhcp.file');
  w.u32(DHCP_MAGIC);
  for (const o of m.options) {
    if (o.code === DHCP_OPT.PAD || o.code === DHCP_OPT.END) throw new EncodeError('dhcp.option.code', `${o.code} is written implicitly`);
    if (o.data.length > 255) throw new EncodeError('dhcp.option.length', `${o.data.length} exceeds 255`);
    w.u8(o.code, 'dhcp.option.code').u8(o.data.length).bytes(o.data);
  }
  w.u8(DHCP_OPT.END);
}

/** The client's Ethernet address (first 6 bytes of chaddr). */
export function dhcpClientMac(m: Pick<DhcpMessage, 'chaddr'>): Mac {
  return macFromBytes(m.chaddr);
}

export function dhcpChaddr(mac: Mac): Uint8Array {
  const b = new Uint8Array(16);
  b.set(macToBytes(mac));
  return b;
}

export function dhcpOption(m: Pick<DhcpMessage, 'options'>, code: number): Uint8Array | undefined {
  for (const o of m.options) if (o.code === code) return o.data;
  return undefined;
}

/** The DHCP Message Type (option 53), or 0 for a plain BOOTP message. */
export function dhcpMessageType(m: Pick<DhcpMessage, 'options'>): number {
  const d = dhcpOption(m, DHCP_OPT.MSG_TYPE);
  return d && d.length === 1 ? d[0]! : 0;
}

export function ipv4Option(code: number, ...addrs: number[]): DhcpOption {
  const d = new Uint8Array(4 * addrs.length);
  addrs.forEach((a, i) => { d[4 * i] = a >>> 24; d[4 * i + 1] = a >>> 16; d[4 * i + 2] = a >>> 8; d[4 * i + 3] = a; });
  return { code, data: d };
}

export function u32Option(code: number, v: number): DhcpOption {
  return ipv4Option(code, v);
}
