/**
 * Network segments: the provider attributes of a network, checked against
 * ML2's type-driver configuration, and the allocation of a segment for a
 * tenant network that names none.
 *
 * The vocabulary is ML2's (neutron/plugins/ml2/drivers/type_*.py):
 *   - `flat` needs a physical network listed in `flat_networks` ("*": any)
 *     and takes the whole physical network: one flat network per physnet.
 *   - `vlan` needs a physical network listed in `network_vlan_ranges`; an
 *     admin may name any VLAN 1..4094 on it; tenant networks get a VLAN
 *     from the listed ranges. One network per (physnet, VLAN).
 *   - `vxlan`/`geneve` need no physnet; ids 1..2^24-1; tenant networks get
 *     a VNI from `vni_ranges`. One network per id.
 * A segment's uniqueness key (`segmentKey`) is what "in use" means.
 *
 * Allocation keeps a cursor per type (a hint, as in ipam.ts), so creating
 * many tenant networks does not rescan the used ids.
 */
import { ApiError, conflict, invalidInput, unavailable } from './errors.js';

export type Range = readonly [number, number];

export interface SegmentConfig {
  readonly typeDrivers: readonly string[];
  /** Types tried in order for networks created without provider attributes. */
  readonly tenantTypes: readonly string[];
  readonly flatNetworks: '*' | ReadonlySet<string>;
  /** physnet -> VLAN ranges for tenant allocation (an empty list: provider networks only). */
  readonly vlanRanges: ReadonlyMap<string, readonly Range[]>;
  readonly vxlanRanges: readonly Range[];
  readonly geneveRanges: readonly Range[];
  readonly globalMtu: number;
}

export interface Segment {
  readonly type: string;
  readonly physnet: string | null;
  readonly segId: number | null;
}

export const MAX_VLAN = 4094;
export const MAX_VNI = 2 ** 24 - 1;

/** Parses `network_vlan_ranges` ("default:1:1399,physnet2"). Throws Error with the offending entry. */
export function parseVlanRanges(text: string): Map<string, Range[]> {
  const out = new Map<string, Range[]>();
  for (const entry of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const parts = entry.split(':');
    const physnet = parts[0]!;
    if (!physnet) throw new Error(`network_vlan_ranges: '${entry}' has no physical network`);
    if (!out.has(physnet)) out.set(physnet, []);
    if (parts.length === 1) continue;
    if (parts.length !== 3) throw new Error(`network_vlan_ranges: '${entry}' is not PHYSNET[:MIN:MAX]`);
    out.get(physnet)!.push(parseRange(`${parts[1]}:${parts[2]}`, 1, MAX_VLAN, 'network_vlan_ranges'));
  }
  return out;
}

/** Parses `vni_ranges` ("1:1000,2000:3000"). */
export function parseVniRanges(text: string): Range[] {
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((r) => parseRange(r, 1, MAX_VNI, 'vni_ranges'));
}

function parseRange(text: string, lo: number, hi: number, what: string): Range {
  const m = /^(\d+):(\d+)$/.exec(text);
  if (!m) throw new Error(`${what}: '${text}' is not MIN:MAX`);
  const a = Number(m[1]), b = Number(m[2]);
  if (a < lo || b > hi || a > b) throw new Error(`${what}: '${text}' is outside ${lo}:${hi} or reversed`);
  return [a, b];
}

export function defaultSegmentConfig(): SegmentConfig {
  return {
    typeDrivers: ['flat', 'vlan', 'vxlan', 'geneve'],
    tenantTypes: ['vxlan'],
    flatNetworks: new Set(['default']),
    vlanRanges: new Map([['default', [[1, 1399] as Range]]]),
    vxlanRanges: [[1, MAX_VNI]],
    geneveRanges: [[1, MAX_VNI]],
    globalMtu: 1500,
  };
}

/** What makes two segments collide; null for types that never collide (local). */
export function segmentKey(s: Segment): string | null {
  switch (s.type) {
    case 'flat': return `flat|${s.physnet}`;
    case 'vlan': return `vlan|${s.physnet}|${s.segId}`;
    case 'vxlan': case 'geneve': case 'gre': return `${s.type}|${s.segId}`;
    default: return null;
  }
}

/** The largest MTU a network of this type can have (Neutron: global_physnet_mtu minus encapsulation). */
export function maxMtu(cfg: SegmentConfig, type: string): number {
  switch (type) {
    case 'vxlan': return cfg.globalMtu - 50;
    case 'geneve': return cfg.globalMtu - 58;
    case 'gre': return cfg.globalMtu - 42;
    default: return cfg.globalMtu;
  }
}

export interface ProviderRequest {
  type?: string | undefined;
  physnet?: string | null | undefined;
  segId?: number | null | undefined;
}

function unknownPhysnet(type: string, physnet: string): ApiError {
  return invalidInput(`physical_network '${physnet}' unknown for ${type === 'vlan' ? 'VLAN' : 'flat'} provider network`);
}

/**
 * Validates explicit provider attributes (Neutron's type drivers'
 * validate_provider_segment) and returns the segment. Uniqueness is the
 * caller's: see `checkFree`.
 */
export function providerSegment(cfg: SegmentConfig, req: ProviderRequest): Segment {
  const type = req.type;
  if (!type) throw invalidInput('provider:network_type required');
  if (!cfg.typeDrivers.includes(type)) throw invalidInput(`network_type value '${type}' not supported`);
  const physnet = req.physnet ?? null, segId = req.segId ?? null;
  switch (type) {
    case 'flat':
      if (segId !== null) throw invalidInput('segmentation_id specified for flat provider network');
      if (!physnet) throw invalidInput('physical_network required for flat provider network');
      if (cfg.flatNetworks !== '*' && !cfg.flatNetworks.has(physnet)) throw unknownPhysnet(type, physnet);
      return { type, physnet, segId: null };
    case 'vlan':
      if (!physnet) throw invalidInput('physical_network required for VLAN provider network');
      if (!cfg.vlanRanges.has(physnet)) throw unknownPhysnet(type, physnet);
      if (segId === null) return { type, physnet, segId: null };   // allocated on that physnet
      if (segId < 1 || segId > MAX_VLAN) throw invalidInput(`segmentation_id out of range (1 through ${MAX_VLAN})`);
      return { type, physnet, segId };
    case 'vxlan': case 'geneve': case 'gre':
      if (physnet) throw invalidInput(`provider:physical_network specified for ${type} network`);
      if (segId !== null && (segId < 1 || segId > MAX_VNI)) throw invalidInput(`segmentation_id out of range (1 through ${MAX_VNI})`);
      return { type, physnet: null, segId };
    case 'local':
      if (physnet || segId !== null) throw invalidInput('provider:physical_network and segmentation_id prohibited for local provider network');
      return { type, physnet: null, segId: null };
    default:
      throw invalidInput(`network_type value '${type}' not supported`);
  }
}

/** Neutron's "in use" conflicts for an explicit segment. */
export function checkFree(s: Segment, isUsed: (key: string) => boolean): void {
  const key = segmentKey(s);
  if (key === null || !isUsed(key)) return;
  if (s.type === 'flat') throw conflict('FlatNetworkInUse', `Unable to create the flat network. Physical network ${s.physnet} is in use.`);
  if (s.type === 'vlan') throw conflict('VlanIdInUse', `Unable to create the network. The VLAN ${s.segId} on physical network ${s.physnet} is in use.`);
  throw conflict('TunnelIdInUse', `Unable to create the network. The tunnel ID ${s.segId} is in use.`);
}

const cursors = new Map<string, number>();

function firstFree(cursorKey: string, ranges: readonly Range[], key: (id: number) => string, isUsed: (k: string) => boolean): number | null {
  if (ranges.length === 0) return null;
  const hint = cursors.get(cursorKey) ?? ranges[0]![0];
  const pass = (from: number, to: number): number | null => {
    for (const [a, b] of ranges) {
      for (let id = Math.max(a, from); id <= Math.min(b, to); id++) {
        if (!isUsed(key(id))) { cursors.set(cursorKey, id + 1); return id; }
      }
    }
    return null;
  };
  return pass(hint, Number.MAX_SAFE_INTEGER) ?? pass(0, hint - 1);
}

/** Completes a VLAN segment that names a physnet but no VLAN, from that physnet's ranges. */
export function allocateVlanOn(cfg: SegmentConfig, physnet: string, isUsed: (key: string) => boolean): Segment {
  const id = firstFree(`vlan|${physnet}`, cfg.vlanRanges.get(physnet) ?? [], (v) => `vlan|${physnet}|${v}`, isUsed);
  if (id === null) throw unavailable('Unable to create the network. No tenant network is available for allocation.');
  return { type: 'vlan', physnet, segId: id };
}

/** A segment for a network created without provider attributes. */
export function allocateTenant(cfg: SegmentConfig, isUsed: (key: string) => boolean): Segment {
  for (const type of cfg.tenantTypes) {
    if (type === 'local') return { type, physnet: null, segId: null };
    if (type === 'vlan') {
      for (const physnet of cfg.vlanRanges.keys()) {
        const id = firstFree(`vlan|${physnet}`, cfg.vlanRanges.get(physnet)!, (v) => `vlan|${physnet}|${v}`, isUsed);
        if (id !== null) return { type, physnet, segId: id };
      }
      continue;
    }
    if (type === 'vxlan' || type === 'geneve') {
      const ranges = type === 'vxlan' ? cfg.vxlanRanges : cfg.geneveRanges;
      const id = firstFree(type, ranges, (v) => `${type}|${v}`, isUsed);
      if (id !== null) return { type, physnet: null, segId: id };
    }
  }
  throw unavailable('Unable to create the network. No tenant network is available for allocation.');
}
