/**
 * The NORMAL action: what a classic learning switch does with a frame,
 * after Open vSwitch's xlate_normal().
 *
 *   1. VLAN admission: the input port's VLAN rules map the frame's VID to
 *      a VLAN, or drop it (vlan.ts).
 *   2. Admissibility: reserved multicast destinations (01:80:c2:00:00:0x,
 *      the IEEE 802.1D link-local group) are never forwarded; bonds add
 *      their own rules (only the active member of an active-backup bond
 *      receives; balance-slb accepts floods on one member only and drops
 *      frames whose source is learned on a non-bond port).
 *   3. Learning: (VLAN, source MAC) -> input port, unless tracing.
 *   4. Forwarding: a known unicast destination goes to its port only (and
 *      is dropped if that is the input port: no hairpin); broadcast,
 *      multicast and unknown unicast flood to every other port that carries
 *      the VLAN, including the bridge's own port.
 *
 * Pure: the inputs are the bridge's ports, its MAC table and the frame's L2
 * fields; the result lists the output ports with the VID each one needs,
 * the learning to perform, and for `ofproto/trace` the reasoning.
 * Which fields were examined is reported so the megaflow cache can
 * wildcard the rest.
 */
import { type Fdb, type BundleId, type MacKey, isMulticastMac } from './fdb.js';
import { type PortVlan, ingressVlan, carriesVlan, egressVid } from './vlan.js';
import type { RuleCounters } from './megaflow.js';

export interface Bundle {
  readonly id: BundleId;
  readonly name: string;
  readonly vlan: PortVlan;
  /** OpenFlow port numbers of the member interfaces that may carry traffic now. */
  readonly members: readonly number[];
  /**
   * For bonds: picks the member a frame leaves on (hashing, active member); absent for plain ports.
   * `vid` is the VID the frame carries on this port (0 untagged); `flow` the frame's flow (L3/L4 hashing).
   */
  readonly selectMember?: (src: MacKey, vid: number, flow: Readonly<Record<string, number>>) => MemberChoice | null;
  /** For bonds: whether a frame may be received on `member` (active-backup, SLB rules). */
  readonly admits?: (member: number, dst: MacKey, srcLearnedElsewhere: boolean) => string | null;
  readonly isBond: boolean;
  readonly floodable: boolean;
}

/** A bond's choice of member for one frame. */
export interface MemberChoice {
  readonly ofport: number;
  /** Counters the datapath credits for every packet sent this way (the bond's per-bucket load). */
  readonly counters?: RuleCounters;
  /** Flow fields the choice depended on beyond the L2 ones NORMAL examines (balance-tcp hashes L3/L4). */
  readonly fields?: readonly string[];
}

export interface NormalFrame {
  readonly inBundle: Bundle;
  /** The whole flow, for bonds that hash more than L2. */
  readonly flow?: Readonly<Record<string, number>>;
  readonly inMember: number;
  /** VID of the frame's 802.1Q tag, 0 when untagged or priority-tagged. */
  readonly vid: number;
  readonly dlSrc: MacKey;
  readonly dlDst: MacKey;
}

export interface NormalOutput {
  readonly bundle: Bundle;
  readonly ofport: number;
  /** VID to transmit with, 0 = untagged. */
  readonly vid: number;
  readonly counters?: RuleCounters;
  readonly fields?: readonly string[];
}

export interface NormalResult {
  readonly outputs: NormalOutput[];
  /** VLAN the frame was classified into (undefined if dropped at admission). */
  readonly vlan?: number;
  readonly drop?: string;
  /** Learning performed (or that would be performed, when tracing). */
  readonly learn?: { vlan: number; mac: MacKey; bundle: BundleId };
  readonly notes: string[];
}

export interface NormalEnv {
  readonly bundles: Iterable<Bundle>;
  readonly fdb: Fdb;
  readonly now: number;
  /** False when tracing: ofproto/trace must not change the MAC table. */
  readonly mayLearn: boolean;
  readonly forwardBpdu: boolean;
  bundleById(id: BundleId): Bundle | undefined;
}

const RESERVED_PREFIX = 0x0180c2000000;

export function isReservedMulticast(mac: MacKey): boolean {
  return mac >= RESERVED_PREFIX && mac <= RESERVED_PREFIX + 0x0f;
}

export function normal(f: NormalFrame, env: NormalEnv): NormalResult {
  const notes: string[] = [];
  const inb = f.inBundle;

  const ing = ingressVlan(inb.vlan, f.vid, inb.name);
  if (!ing.ok) return { outputs: [], drop: ing.reason, notes };
  const vlan = ing.vlan;

  if (!env.forwardBpdu && isReservedMulticast(f.dlDst)) {
    return { outputs: [], vlan, drop: 'packet has reserved destination MAC, dropping', notes };
  }
  if (inb.admits) {
    const learnedOn = env.fdb.lookup(vlan, f.dlSrc, env.now);
    const srcElsewhere = !!learnedOn && learnedOn.bundle !== inb.id;
    const why = inb.admits(f.inMember, f.dlDst, srcElsewhere);
    if (why) return { outputs: [], vlan, drop: why, notes };
  }

  let learn: NormalResult['learn'];
  if (!isMulticastMac(f.dlSrc)) {
    learn = { vlan, mac: f.dlSrc, bundle: inb.id };
    if (env.mayLearn) env.fdb.learn(vlan, f.dlSrc, inb.id, env.now);
  }

  if (!isMulticastMac(f.dlDst)) {
    const e = env.fdb.lookup(vlan, f.dlDst, env.now);
    const out = e && env.bundleById(e.bundle);
    if (out) {
      if (out.id === inb.id) {
        return { outputs: [], vlan, learn, drop: 'learned port is input port, dropping', notes };
      }
      notes.push(`forwarding to learned port`);
      const o = outputTo(out, vlan, f);
      return { outputs: o ? [o] : [], vlan, learn, notes, ...(o ? {} : { drop: 'learned port has no usable member' }) };
    }
    notes.push('no learned MAC for destination, flooding');
  } else {
    notes.push('multicast or broadcast destination, flooding');
  }

  const outputs: NormalOutput[] = [];
  for (const b of env.bundles) {
    if (b.id === inb.id || !b.floodable || !carriesVlan(b.vlan, vlan)) continue;
    const o = outputTo(b, vlan, f);
    if (o) outputs.push(o);
  }
  return { outputs, vlan, learn, notes };
}

function outputTo(b: Bundle, vlan: number, f: NormalFrame): NormalOutput | null {
  if (!carriesVlan(b.vlan, vlan)) return null;
  const vid = egressVid(b.vlan, vlan);
  if (b.selectMember) {
    const c = b.selectMember(f.dlSrc, vid, f.flow ?? {});
    return c ? { bundle: b, ofport: c.ofport, vid, counters: c.counters, fields: c.fields } : null;
  }
  const ofport = b.members[0];
  return ofport === undefined ? null : { bundle: b, ofport, vid };
}
