/**
 * IP address management for one subnet: default and validated allocation
 * pools, fixed-IP checks, and allocation of the next free address.
 *
 * Rules (Neutron's, from ipam_backend_mixin and the pluggable IPAM driver):
 *   - IPv4 usable addresses exclude the network and broadcast addresses
 *     (except /31 and /32, where every address is usable); IPv6 excludes
 *     only the subnet-router anycast address (the network address itself).
 *   - The default pool is every usable address except the gateway; a pool
 *     given by the client must lie in the usable range, must not overlap
 *     another pool and must not contain the gateway.
 *   - A requested fixed IP may be anywhere in the usable range, in a pool
 *     or not (operators place addresses outside pools on purpose), but it
 *     may not already be in use on the network.
 *   - Automatic allocation takes the first free address of the pools.
 *
 * Allocation keeps a per-subnet cursor (a hint, never authoritative) so
 * that filling a large subnet costs O(1) per address instead of a scan from
 * the pool start each time; after the cursor wraps, the scan finds holes
 * left by deleted ports. Uniqueness does not rest on the cursor but on the
 * caller's `isUsed`, which reads the same snapshot the write is guarded on.
 */
import { badRequest, conflict, invalidInput } from './errors.js';
import {
  type Cidr, type IpAddr, parseCidr, parseIp, formatIp, lastOf, cidrContains, ipText, eui64,
} from './model/ip.js';
import type { AllocationPool, Subnet } from './model/types.js';

export interface Range { start: bigint; end: bigint }

/** The addresses a port may hold in `cidr`. */
export function usableRange(cidr: Cidr): Range {
  const last = lastOf(cidr);
  if (cidr.version === 4) {
    if (cidr.prefix >= 31) return { start: cidr.network, end: last };
    return { start: cidr.network + 1n, end: last - 1n };
  }
  if (cidr.prefix === 128) return { start: cidr.network, end: last };
  return { start: cidr.network + 1n, end: last };
}

/** The whole usable range minus the gateway, as Neutron computes it when no pools are given. */
export function defaultPools(cidr: Cidr, gateway: bigint | null): AllocationPool[] {
  const u = usableRange(cidr);
  const ranges: Range[] = [];
  if (gateway === null || gateway < u.start || gateway > u.end) ranges.push(u);
  else {
    if (gateway > u.start) ranges.push({ start: u.start, end: gateway - 1n });
    if (gateway < u.end) ranges.push({ start: gateway + 1n, end: u.end });
  }
  return ranges.map((r) => ({ start: ipText(cidr.version, r.start), end: ipText(cidr.version, r.end) }));
}

function addr(s: string): IpAddr {
  const a = parseIp(s);
  if (!a) throw badRequest(`'${s}' is not a valid IP address`);
  return a;
}

export function rangesOf(pools: readonly AllocationPool[]): Range[] {
  return pools.map((p) => ({ start: addr(p.start).value, end: addr(p.end).value }));
}

/** Checks client-given pools against the subnet and its gateway (Neutron's _validate_allocation_pools). */
export function validatePools(cidr: Cidr, pools: readonly AllocationPool[], gateway: bigint | null): void {
  const u = usableRange(cidr);
  const ranges: Range[] = [];
  for (const p of pools) {
    const s = addr(p.start), e = addr(p.end);
    if (s.version !== cidr.version || e.version !== cidr.version) {
      throw badRequest(`Invalid input for operation: allocation pool ${p.start}-${p.end} does not match the subnet IP version.`, 'InvalidInput');
    }
    if (s.value > e.value) throw badRequest(`The allocation pool ${p.start}-${p.end} spans beyond the subnet cidr ${formatCidr(cidr)}.`, 'OutOfBoundsAllocationPool');
    if (s.value < u.start || e.value > u.end) {
      throw badRequest(`The allocation pool ${p.start}-${p.end} spans beyond the subnet cidr ${formatCidr(cidr)}.`, 'OutOfBoundsAllocationPool');
    }
    for (const r of ranges) {
      if (s.value <= r.end && r.start <= e.value) {
        throw badRequest(`Found overlapping allocation pools: ${p.start}-${p.end} and ${ipText(cidr.version, r.start)}-${ipText(cidr.version, r.end)} for subnet ${formatCidr(cidr)}.`, 'OverlappingAllocationPools');
      }
    }
    ranges.push({ start: s.value, end: e.value });
    if (gateway !== null && gateway >= s.value && gateway <= e.value) {
      throw conflict('GatewayConflictWithAllocationPools', `Gateway ip ${ipText(cidr.version, gateway)} conflicts with allocation pool ${p.start}-${p.end}.`);
    }
  }
}

function formatCidr(c: Cidr): string {
  return `${ipText(c.version, c.network)}/${c.prefix}`;
}

/** Parses a stored subnet's cidr (always valid: it was validated on the way in). */
export function subnetCidr(s: Pick<Subnet, 'cidr'>): Cidr {
  return parseCidr(s.cidr, false)!;
}

/**
 * Checks that `ip` may be given to a port on `subnet` (Neutron's
 * InvalidIpForSubnet): inside the cidr and not the network or broadcast
 * address. Returns the canonical text.
 */
export function checkFixedIp(subnet: Subnet, ip: string): string {
  const a = parseIp(ip);
  const cidr = subnetCidr(subnet);
  if (!a || !cidrContains(cidr, a)) throw invalidIpForSubnet(ip);
  const u = usableRange(cidr);
  if (a.value < u.start || a.value > u.end) throw invalidIpForSubnet(ip);
  return formatIp(a);
}

export function invalidIpForSubnet(ip: string): Error {
  return badRequest(`IP address ${ip} is not a valid IP for the specified subnet.`, 'InvalidIpForSubnet');
}

/** True if `ip` lies in `subnet`'s cidr. */
export function inSubnet(subnet: Subnet, ip: string): boolean {
  const a = parseIp(ip);
  return !!a && cidrContains(subnetCidr(subnet), a);
}

/** SLAAC and DHCPv6-stateless subnets: addresses come from the MAC, not from pools. */
export function isAutoAddress(subnet: Subnet): boolean {
  return subnet.ip_version === 6 && (subnet.ipv6_address_mode === 'slaac' || subnet.ipv6_address_mode === 'dhcpv6-stateless');
}

export function slaacAddress(subnet: Subnet, mac: string): string {
  const cidr = subnetCidr(subnet);
  if (cidr.prefix !== 64) throw invalidInput(`SLAAC address for subnet ${subnet.id} needs a /64 prefix`);
  return ipText(6, eui64(cidr, mac));
}

const cursors = new Map<string, bigint>();

/**
 * The first free address of `subnet`'s pools at or after the cursor (wrapping
 * once), or null if every pool address is in use.
 */
export function allocate(subnet: Subnet, isUsed: (ip: string) => boolean): string | null {
  const cidr = subnetCidr(subnet);
  const ranges = rangesOf(subnet.allocation_pools).sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : 0));
  if (ranges.length === 0) return null;
  const gw = subnet.gateway_ip ? parseIp(subnet.gateway_ip)?.value ?? null : null;
  const hint = cursors.get(subnet.id) ?? ranges[0]!.start;
  const pass = (from: bigint, to: bigint): string | null => {
    for (const r of ranges) {
      const s = r.start > from ? r.start : from;
      const e = r.end < to ? r.end : to;
      for (let v = s; v <= e; v++) {
        if (v === gw) continue;
        const text = ipText(cidr.version, v);
        if (!isUsed(text)) { cursors.set(subnet.id, v + 1n); return text; }
      }
    }
    return null;
  };
  const top = ranges[ranges.length - 1]!.end;
  return pass(hint, top) ?? pass(ranges[0]!.start, hint - 1n);
}

/** Forgets a deleted subnet's cursor. */
export function forgetSubnet(id: string): void {
  cursors.delete(id);
}
