/**
 * Committing a translated flow's header changes to the datapath (after
 * OVS's commit_odp_actions): before a packet is output, every field the
 * OpenFlow actions changed since the last commit becomes a datapath
 * `set(...)` action, grouped by header — eth, then ipv4/ipv6, then the
 * transport header — printed as `ofproto/trace`'s "Datapath actions:"
 * prints them (`set(ipv4(src=1.2.3.4,tos=0x8/0xfc,ttl=63))`).
 *
 * Each set carries the function that rewrites a frame, fixing the IPv4
 * header checksum and the TCP/UDP checksums (RFC 1624 incremental
 * updates; a UDP checksum of 0 stays 0). Rewrites never throw: a frame too
 * short for the header is left alone.
 */
import { bytesEqual, formatIpv4, formatIpv6, formatMac } from '../packet/types.js';
import { updateChecksum16, updateChecksum32, updateChecksumBytes, checksum } from '../packet/checksum.js';
import type { FlowRec } from './flow-edit.js';
import { readKey } from './flow-edit.js';
import { toBig } from './fields.js';

export interface SetAction {
  readonly text: string;
  readonly apply: (frame: Buffer) => Buffer;
}

const n = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : (v as number) ?? 0);

function l3Offset(f: Buffer): { off: number; type: number } | null {
  if (f.length < 14) return null;
  let off = 12, type = f.readUInt16BE(12);
  while ((type === 0x8100 || type === 0x88a8) && f.length >= off + 6) { off += 4; type = f.readUInt16BE(off); }
  return { off: off + 2, type };
}

function bytesEq(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a instanceof Uint8Array && b instanceof Uint8Array) return bytesEqual(a, b);
  return toBig((a ?? 0) as never) === toBig((b ?? 0) as never);
}

/** Set actions that turn `base` (the datapath's view) into `flow`; updates `base`. */
export function commitSets(base: FlowRec, flow: FlowRec): SetAction[] {
  const out: SetAction[] = [];
  const changed = (f: string) => !bytesEq(readKey(base, f as never), readKey(flow, f as never));
  const sync = (...fs: string[]) => { for (const f of fs) base[f] = flow[f]; };

  // Ethernet.
  const eth: string[] = [];
  if (changed('dl_src')) eth.push(`src=${formatMac(n(flow.dl_src))}`);
  if (changed('dl_dst')) eth.push(`dst=${formatMac(n(flow.dl_dst))}`);
  if (eth.length) {
    const src = n(flow.dl_src), dst = n(flow.dl_dst), setSrc = changed('dl_src'), setDst = changed('dl_dst');
    out.push({
      text: `set(eth(${eth.join(',')}))`,
      apply: (fr) => {
        if (fr.length < 12) return fr;
        const b = Buffer.from(fr);
        if (setDst) b.writeUIntBE(dst, 0, 6);
        if (setSrc) b.writeUIntBE(src, 6, 6);
        return b;
      },
    });
    sync('dl_src', 'dl_dst');
  }

  const dlType = n(flow.dl_type);
  if (dlType === 0x0800) {
    const parts: string[] = [];
    const cs = changed('nw_src'), cd = changed('nw_dst'), ct = changed('nw_ttl');
    const oldTos = n(base.nw_tos), newTos = n(flow.nw_tos), tosMask = (oldTos ^ newTos) & 0xfc ? ((oldTos ^ newTos) & 3 ? 0xff : 0xfc) : ((oldTos ^ newTos) & 3 ? 3 : 0);
    if (cs) parts.push(`src=${formatIpv4(n(flow.nw_src))}`);
    if (cd) parts.push(`dst=${formatIpv4(n(flow.nw_dst))}`);
    if (tosMask) parts.push(tosMask === 0xff ? `tos=0x${newTos.toString(16)}` : `tos=0x${(newTos & tosMask).toString(16)}/0x${tosMask.toString(16)}`);
    if (ct) parts.push(`ttl=${n(flow.nw_ttl)}`);
    if (parts.length) {
      const src = n(flow.nw_src), dst = n(flow.nw_dst), ttl = n(flow.nw_ttl);
      out.push({ text: `set(ipv4(${parts.join(',')}))`, apply: (fr) => rewriteIpv4(fr, { src: cs ? src : null, dst: cd ? dst : null, tos: tosMask ? { v: newTos, m: tosMask } : null, ttl: ct ? ttl : null }) });
      sync('nw_src', 'nw_dst', 'nw_tos', 'nw_ttl');
    }
  } else if (dlType === 0x86dd) {
    const parts: string[] = [];
    const cs = changed('ipv6_src'), cd = changed('ipv6_dst'), ch = changed('nw_ttl');
    if (cs) parts.push(`src=${formatIpv6(flow.ipv6_src as Uint8Array)}`);
    if (cd) parts.push(`dst=${formatIpv6(flow.ipv6_dst as Uint8Array)}`);
    if (ch) parts.push(`hlimit=${n(flow.nw_ttl)}`);
    if (parts.length) {
      const src = flow.ipv6_src as Uint8Array, dst = flow.ipv6_dst as Uint8Array, hl = n(flow.nw_ttl);
      out.push({ text: `set(ipv6(${parts.join(',')}))`, apply: (fr) => rewriteIpv6(fr, cs ? src : null, cd ? dst : null, ch ? hl : null) });
      sync('ipv6_src', 'ipv6_dst', 'nw_ttl');
    }
  }

  const proto = n(flow.nw_proto);
  if ((dlType === 0x0800 || dlType === 0x86dd) && (proto === 6 || proto === 17 || proto === 132)) {
    const cs = changed('tp_src'), cd = changed('tp_dst');
    if (cs || cd) {
      const name = proto === 6 ? 'tcp' : proto === 17 ? 'udp' : 'sctp';
      const parts = [cs ? `src=${n(flow.tp_src)}` : '', cd ? `dst=${n(flow.tp_dst)}` : ''].filter(Boolean);
      const sp = n(flow.tp_src), dp = n(flow.tp_dst);
      out.push({ text: `set(${name}(${parts.join(',')}))`, apply: (fr) => rewritePorts(fr, proto, cs ? sp : null, cd ? dp : null) });
      sync('tp_src', 'tp_dst');
    }
  }
  return out;
}

function l4Csum(b: Buffer, l4: number, proto: number): number | null {
  if (proto === 6 && b.length >= l4 + 18) return l4 + 16;
  if (proto === 17 && b.length >= l4 + 8 && b.readUInt16BE(l4 + 6) !== 0) return l4 + 6;
  return null;
}

function rewriteIpv4(fr: Buffer, s: { src: number | null; dst: number | null; tos: { v: number; m: number } | null; ttl: number | null }): Buffer {
  const l = l3Offset(fr);
  if (!l || l.type !== 0x0800 || fr.length < l.off + 20) return fr;
  const b = Buffer.from(fr), o = l.off;
  const ihl = (b[o]! & 15) * 4, proto = b[o + 9]!;
  const frag = b.readUInt16BE(o + 6) & 0x1fff;
  const csumAt = frag === 0 ? l4Csum(b, o + ihl, proto) : null;
  const addr = (at: number, v: number) => {
    const old = b.readUInt32BE(at);
    if (csumAt !== null) b.writeUInt16BE(updateChecksum32(b.readUInt16BE(csumAt), old, v), csumAt);
    b.writeUInt32BE(v >>> 0, at);
  };
  if (s.src !== null) addr(o + 12, s.src);
  if (s.dst !== null) addr(o + 16, s.dst);
  if (s.tos) b[o + 1] = (b[o + 1]! & ~s.tos.m) | (s.tos.v & s.tos.m);
  if (s.ttl !== null) b[o + 8] = s.ttl & 0xff;
  if (b.length >= o + ihl) { b.writeUInt16BE(0, o + 10); b.writeUInt16BE(checksum(b, o, ihl), o + 10); }
  return b;
}

function rewriteIpv6(fr: Buffer, src: Uint8Array | null, dst: Uint8Array | null, hlimit: number | null): Buffer {
  const l = l3Offset(fr);
  if (!l || l.type !== 0x86dd || fr.length < l.off + 40) return fr;
  const b = Buffer.from(fr), o = l.off;
  const csumAt = l4Csum(b, o + 40, b[o + 6]!);
  const addr = (at: number, v: Uint8Array) => {
    if (csumAt !== null) b.writeUInt16BE(updateChecksumBytes(b.readUInt16BE(csumAt), b.subarray(at, at + 16), v), csumAt);
    b.set(v, at);
  };
  if (src) addr(o + 8, src);
  if (dst) addr(o + 24, dst);
  if (hlimit !== null) b[o + 7] = hlimit & 0xff;
  return b;
}

function rewritePorts(fr: Buffer, proto: number, sp: number | null, dp: number | null): Buffer {
  const l = l3Offset(fr);
  if (!l) return fr;
  const b = Buffer.from(fr);
  let l4: number;
  if (l.type === 0x0800 && b.length >= l.off + 20) l4 = l.off + (b[l.off]! & 15) * 4;
  else if (l.type === 0x86dd && b.length >= l.off + 40) l4 = l.off + 40;
  else return fr;
  if (b.length < l4 + 4) return fr;
  const csumAt = l4Csum(b, l4, proto);
  const port = (at: number, v: number) => {
    if (csumAt !== null) b.writeUInt16BE(updateChecksum16(b.readUInt16BE(csumAt), b.readUInt16BE(at), v), csumAt);
    b.writeUInt16BE(v & 0xffff, at);
  };
  if (sp !== null) port(l4, sp);
  if (dp !== null) port(l4 + 2, dp);
  return b;
}
