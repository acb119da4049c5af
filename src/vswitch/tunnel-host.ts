/**
 * Tunnels through the host's own UDP/IP stack: the alternative to userspace
 * tunnelling when no bridge owns a route to the remote VTEP (no `br-phy`
 * with the endpoint address). Encapsulated packets then leave and arrive
 * through an ordinary UDP socket bound to the tunnel's destination port, and
 * the kernel does the IP routing, ARP and the outer headers; Weft adds and
 * strips only the VXLAN or Geneve header. GRE has no UDP and needs a raw
 * socket, so it is not offered here.
 *
 * Sockets exist only for tunnel ports on real (non-dummy) datapaths, one
 * per (type, UDP port), opened and closed as the configuration changes. The
 * outer UDP source port is the socket's (the kernel cannot vary it per
 * flow), so ECMP entropy is lost on this path.
 */
import * as dgram from 'node:dgram';
import { formatIpv4, parseIpv4 } from './tunnel.js';
import type { TunnelMetadata } from './flowkey.js';
import { segmentForWire } from '../netdev/offload.js';

export type UdpTunnelType = 'vxlan' | 'geneve';

/** Delivers a decapsulated frame into the datapath that owns the tunnel port. */
export type HostTunnelDeliver = (type: UdpTunnelType, port: number, inner: Buffer, tun: TunnelMetadata) => void;

const ETH_P_TEB = 0x6558;

function header(type: UdpTunnelType, vni: number): Buffer {
  const h = Buffer.alloc(8);
  if (type === 'vxlan') h.writeUInt32BE(0x08000000, 0);
  else h.writeUInt16BE(ETH_P_TEB, 2);
  h.writeUInt32BE(((vni & 0xffffff) << 8) >>> 0, 4);
  return h;
}

/** The inner frame and VNI of a VXLAN or Geneve UDP payload, or null. */
export function parseUdpTunnelPayload(type: UdpTunnelType, msg: Buffer): { vni: number; inner: Buffer } | null {
  if (msg.length < 8 + 14) return null;
  if (type === 'vxlan') {
    if (!(msg.readUInt32BE(0) & 0x08000000)) return null;
    return { vni: msg.readUInt32BE(4) >>> 8, inner: msg.subarray(8) };
  }
  if (msg[0]! >> 6 !== 0 || msg.readUInt16BE(2) !== ETH_P_TEB) return null;
  const opt = (msg[0]! & 0x3f) * 4;
  if (msg.length < 8 + opt + 14) return null;
  return { vni: msg.readUInt32BE(4) >>> 8, inner: msg.subarray(8 + opt) };
}

export class HostTunnels {
  private readonly socks = new Map<string, dgram.Socket>();
  /** Datagrams sent and received, and what could not be (shown by tnl/ports/show's callers and tests). */
  readonly stats = { tx: 0, rx: 0, rxErrors: 0, txErrors: 0 };

  constructor(private readonly deliver: HostTunnelDeliver, private readonly warn: (msg: string) => void = () => undefined) {}

  private static key(type: UdpTunnelType, port: number): string {
    return `${type}:${port}`;
  }

  has(type: string, port: number): boolean {
    return (type === 'vxlan' || type === 'geneve') && this.socks.has(HostTunnels.key(type, port));
  }

  /** Opens the sockets `wanted` names (type, port) and closes the others. */
  reconcile(wanted: readonly { type: UdpTunnelType; port: number }[]): void {
    const keys = new Set(wanted.map((w) => HostTunnels.key(w.type, w.port)));
    for (const [k, s] of this.socks) if (!keys.has(k)) { s.close(); this.socks.delete(k); }
    for (const w of wanted) {
      const k = HostTunnels.key(w.type, w.port);
      if (this.socks.has(k)) continue;
      const s = dgram.createSocket({ type: 'udp4', reuseAddr: false });
      s.on('error', (e) => { this.warn(`${w.type} port ${w.port}: host UDP socket: ${e.message}`); s.close(); this.socks.delete(k); });
      s.on('message', (msg, rinfo) => {
        const p = parseUdpTunnelPayload(w.type, msg);
        const src = parseIpv4(rinfo.address);
        if (!p || src === null) { this.stats.rxErrors++; return; }
        this.stats.rx++;
        this.deliver(w.type, w.port, Buffer.from(p.inner), { tun_id: p.vni, tun_src: src, tun_dst: 0 });
      });
      s.bind(w.port);
      s.unref();
      this.socks.set(k, s);
    }
  }

  /** Sends `inner` to `remote` over the host's stack (super-segments are cut to wire size first). */
  send(type: UdpTunnelType, port: number, remote: number, vni: number, inner: Buffer): void {
    const s = this.socks.get(HostTunnels.key(type, port));
    if (!s) { this.stats.txErrors++; return; }
    const h = header(type, vni);
    for (const f of segmentForWire(inner, 1500)) {
      this.stats.tx++;
      // One copy, header and frame: the send completes after this call, and a received frame's
      // memory is reused by the next batch (netdev ReceiveHandler).
      s.send(Buffer.concat([h, f]), port, formatIpv4(remote), (e) => { if (e) this.stats.txErrors++; });
    }
  }

  close(): void {
    for (const s of this.socks.values()) s.close();
    this.socks.clear();
  }
}
