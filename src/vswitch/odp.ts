/**
 * Datapath actions: what the translation of a flow compiles to, what the
 * megaflow cache stores, and what the datapath executes per packet (after
 * OVS's ODP actions). They are applied in order to the packet; `output`
 * transmits the packet as it is at that point, so
 * `pop_vlan,1,push_vlan(vid=10,pcp=0),2` sends it untagged on 1 and tagged on 2.
 *
 * Formatting follows `ovs-appctl ofproto/trace`'s "Datapath actions:" line.
 */
import { segmentForWire } from '../netdev/offload.js';

export type DpAction =
  | { readonly t: 'output'; readonly port: number }
  | { readonly t: 'push_vlan'; readonly vid: number; readonly pcp: number; readonly tpid?: number }
  | { readonly t: 'pop_vlan' }
  | { readonly t: 'userspace'; readonly reason: string; readonly handler: (frame: Buffer) => void }
  /** Runs nested actions on a copy, so what they do (e.g. encapsulation) does not leak into later actions. */
  | { readonly t: 'clone'; readonly actions: readonly DpAction[] }
  /** Wraps the packet in outer headers (VXLAN over IPv4/UDP); the lengths and checksums are per packet. */
  | { readonly t: 'tnl_push'; readonly encap: (inner: Buffer) => Buffer; readonly text: string }
  /** Strips a tunnel header and hands the inner packet back to the datapath with its tunnel metadata. */
  | { readonly t: 'tnl_pop'; readonly vport: number }
  /** Rewrites header fields an OpenFlow action changed (`set(ipv4(src=...))`); `apply` fixes checksums too. */
  | { readonly t: 'set'; readonly text: string; readonly apply: (frame: Buffer) => Buffer };

export function formatDpActions(actions: readonly DpAction[]): string {
  if (actions.length === 0) return 'drop';
  return actions.map((a) => {
    switch (a.t) {
      case 'output': return String(a.port);
      case 'push_vlan': return a.tpid && a.tpid !== 0x8100
        ? `push_vlan(tpid=0x${a.tpid.toString(16)},vid=${a.vid},pcp=${a.pcp})`
        : `push_vlan(vid=${a.vid},pcp=${a.pcp})`;
      case 'pop_vlan': return 'pop_vlan';
      case 'userspace': return `userspace(${a.reason})`;
      case 'clone': return `clone(${formatDpActions(a.actions)})`;
      case 'tnl_push': return `tnl_push(${a.text})`;
      case 'tnl_pop': return `tnl_pop(${a.vport})`;
      case 'set': return a.text;
    }
  }).join(',');
}

const TPID_8021Q = 0x8100, TPID_8021AD = 0x88a8;
/** The largest frame a 1500-byte MTU carries (with one VLAN tag). */
const MAX_WIRE_FRAME = 1518;

export function hasVlanTag(frame: Buffer): boolean {
  if (frame.length < 18) return false;
  const t = frame.readUInt16BE(12);
  return t === TPID_8021Q || t === TPID_8021AD;
}

export function popVlan(frame: Buffer): Buffer {
  if (!hasVlanTag(frame)) return frame;
  return Buffer.concat([frame.subarray(0, 12), frame.subarray(16)]);
}

export function pushVlan(frame: Buffer, vid: number, pcp: number, tpid = TPID_8021Q): Buffer {
  const out = Buffer.allocUnsafe(frame.length + 4);
  frame.copy(out, 0, 0, 12);
  out.writeUInt16BE(tpid, 12);
  out.writeUInt16BE(((pcp & 7) << 13) | (vid & 0xfff), 14);
  frame.copy(out, 16, 12);
  return out;
}

/** Runs actions on one frame; `send(port, frame)` transmits, `pop(vport, frame)` decapsulates. */
export function executeActions(actions: readonly DpAction[], frame: Buffer, send: (port: number, frame: Buffer) => void,
  pop: (vport: number, frame: Buffer) => void = () => undefined): void {
  let pkt = frame;
  for (let i = 0; i < actions.length; i++) {
    const a = actions[i]!;
    switch (a.t) {
      case 'output': send(a.port, pkt); break;
      case 'push_vlan': pkt = pushVlan(pkt, a.vid, a.pcp, a.tpid); break;
      case 'pop_vlan': pkt = popVlan(pkt); break;
      case 'userspace': a.handler(pkt); break;
      case 'clone': executeActions(a.actions, pkt, send, pop); break;
      case 'tnl_push':
        if (pkt.length > MAX_WIRE_FRAME) {
          // A TCP super-segment from a TSO-capable port: cut it to wire-size frames first, each
          // encapsulated on its own (an encapsulated super-segment would be cut across headers).
          const rest = actions.slice(i + 1);
          for (const seg of segmentForWire(pkt, 1500)) executeActions(rest, a.encap(seg), send, pop);
          return;
        }
        pkt = a.encap(pkt);
        break;
      case 'tnl_pop': pop(a.vport, pkt); break;
      case 'set': pkt = a.apply(pkt); break;
    }
  }
}
