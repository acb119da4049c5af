/**
 * 802.1Q port VLAN semantics of NORMAL switching, as Open vSwitch applies
 * them (ovs-vswitchd.conf.db(5), Port table, "VLAN Configuration").
 *
 * A port is in one of four modes:
 *   access           one VLAN (`tag`); accepts untagged and priority-tagged
 *                    (VID 0) frames only; transmits untagged.
 *   trunk            the VLANs in `trunks` (all, when empty) including VLAN 0,
 *                    which is untagged traffic; transmits tagged except VLAN 0.
 *   native-untagged  like trunk, plus untagged input belongs to the native
 *                    VLAN (`tag`), which is transmitted untagged.
 *   native-tagged    like native-untagged, but the native VLAN is transmitted
 *                    tagged too.
 * The default mode is access when `tag` is set, trunk otherwise. A native
 * port carries exactly its trunks; with a non-zero native VLAN, that VLAN is
 * forced into them and VLAN 0 out of them (even if listed, and also when
 * trunks is empty, meaning "every other VLAN"): untagged input there is the
 * native VLAN, so VLAN 0 traffic of other ports cannot leave by it. With
 * native VLAN 0 the trunks are taken as they are.
 *
 * Ingress maps a frame's VID (0 when untagged or priority-tagged) to the
 * VLAN it belongs to, or to a drop with the reason `ofproto/trace` prints.
 * Egress decides, for a frame of VLAN v, whether a port carries v and with
 * which VID (0 = untagged).
 */
export type VlanMode = 'access' | 'trunk' | 'native-tagged' | 'native-untagged';

export interface PortVlan {
  readonly mode: VlanMode;
  /** Access or native VLAN; meaningless for trunk. */
  readonly tag: number;
  /** Trunked VLANs; null means all. */
  readonly trunks: ReadonlySet<number> | null;
}

export const TRUNK_ALL: PortVlan = Object.freeze({ mode: 'trunk', tag: 0, trunks: null });

/** Builds a port's VLAN configuration from its database columns, as ovs-vswitchd interprets them. */
export function portVlan(cfg: { tag: number | null; trunks: readonly number[]; vlanMode: string | null }): PortVlan {
  const trunkSet = cfg.trunks.length ? new Set(cfg.trunks.filter((v) => v >= 0 && v <= 4095)) : null;
  let mode: VlanMode;
  if (cfg.vlanMode === 'access' || cfg.vlanMode === 'trunk' || cfg.vlanMode === 'native-tagged' || cfg.vlanMode === 'native-untagged') {
    mode = cfg.vlanMode;
  } else {
    mode = cfg.tag !== null ? 'access' : 'trunk';
  }
  const tag = cfg.tag ?? 0;
  if (mode === 'access') return { mode, tag, trunks: null };
  if (mode === 'trunk') return { mode, tag: 0, trunks: trunkSet };
  // Native modes: the native VLAN is always carried and VLAN 0 never is (unless the native VLAN is 0).
  if (tag !== 0 && (!trunkSet || !trunkSet.has(tag) || trunkSet.has(0))) {
    const forced = trunkSet ?? allVlans();
    forced.add(tag);
    forced.delete(0);
    return { mode, tag, trunks: forced };
  }
  return { mode, tag, trunks: trunkSet };
}

function allVlans(): Set<number> {
  const all = new Set<number>();
  for (let v = 0; v <= 4095; v++) all.add(v);
  return all;
}

export type Ingress = { ok: true; vlan: number } | { ok: false; reason: string };

/** Classifies a frame with VID `vid` (0 if untagged or priority-tagged) received on a port. */
export function ingressVlan(p: PortVlan, vid: number, portName: string): Ingress {
  switch (p.mode) {
    case 'access':
      if (vid !== 0) {
        return { ok: false, reason: `dropping VLAN ${vid} tagged packet received on port ${portName} configured as VLAN ${p.tag} access port` };
      }
      return { ok: true, vlan: p.tag };
    case 'trunk':
      if (p.trunks && !p.trunks.has(vid)) {
        return { ok: false, reason: `dropping VLAN ${vid} packet received on port ${portName} not configured for trunking VLAN ${vid}` };
      }
      return { ok: true, vlan: vid };
    case 'native-tagged':
    case 'native-untagged':
      if (vid === 0) return { ok: true, vlan: p.tag };
      if (p.trunks && !p.trunks.has(vid)) {
        return { ok: false, reason: `dropping VLAN ${vid} packet received on port ${portName} not configured for trunking VLAN ${vid}` };
      }
      return { ok: true, vlan: vid };
  }
}

/** True if the port carries VLAN `vlan` (native ports: their trunks, into which the native VLAN was forced). */
export function carriesVlan(p: PortVlan, vlan: number): boolean {
  if (p.mode === 'access') return vlan === p.tag;
  return p.trunks === null || p.trunks.has(vlan);
}

/** The VID a frame of `vlan` is transmitted with on the port (0 = untagged). */
export function egressVid(p: PortVlan, vlan: number): number {
  switch (p.mode) {
    case 'access': return 0;
    case 'trunk': return vlan;
    case 'native-untagged': return vlan === p.tag ? 0 : vlan;
    case 'native-tagged': return vlan;
  }
}
