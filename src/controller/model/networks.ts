/**
 * Networks: create (provider segment validated or tenant segment
 * allocated, MTU bounded by the segment's encapsulation), update (provider
 * attributes are fixed once created, as in ML2), delete (refused while
 * ports remain; the network's subnets go with it).
 */
import { randomUUID } from 'node:crypto';
import { conflict, invalidInput, networkInUse } from '../errors.js';
import type { Context, Network } from './types.js';
import type { Draft } from '../state/draft.js';
import { type Body, canSeeNetwork, checkAzHints, checkQuota, newStandard, owned, pick, revise } from './common.js';
import { allocateTenant, allocateVlanOn, checkFree, maxMtu, providerSegment, type Segment } from '../segments.js';
import { ensureDefaultSecurityGroup } from './secgroups.js';
import { deleteSubnetRows } from './subnets.js';
import { isAutoPort } from './dhcp.js';

const PROVIDER = ['provider:network_type', 'provider:physical_network', 'provider:segmentation_id'] as const;

function segmentInUse(d: Draft): (key: string) => boolean {
  return (key) => d.networks.count('segment', key) > 0;
}

function chooseSegment(d: Draft, body: Body): Segment {
  const given = PROVIDER.some((k) => body[k] !== undefined && body[k] !== null);
  if (!given) return allocateTenant(d.cfg.segments, segmentInUse(d));
  const seg = providerSegment(d.cfg.segments, {
    type: body['provider:network_type'] as string | undefined,
    physnet: body['provider:physical_network'] as string | null | undefined,
    segId: body['provider:segmentation_id'] as number | null | undefined,
  });
  if (seg.type === 'vlan' && seg.segId === null) return allocateVlanOn(d.cfg.segments, seg.physnet!, segmentInUse(d));
  if ((seg.type === 'vxlan' || seg.type === 'geneve') && seg.segId === null) {
    return allocateTenant({ ...d.cfg.segments, tenantTypes: [seg.type] }, segmentInUse(d));
  }
  checkFree(seg, segmentInUse(d));
  return seg;
}

function checkMtu(d: Draft, type: string, mtu: number): void {
  const max = maxMtu(d.cfg.segments, type);
  if (mtu > max) throw invalidInput(`Requested MTU is too big, maximum is ${max}`);
}

export function createNetwork(d: Draft, ctx: Context, body: Body): Network {
  const std = newStandard(d, ctx, body);
  checkQuota(d, std.project_id, 'network');
  const seg = chooseSegment(d, body);
  const mtu = (body.mtu as number | undefined) ?? maxMtu(d.cfg.segments, seg.type);
  checkMtu(d, seg.type, mtu);
  const hints = (body.availability_zone_hints as string[] | undefined) ?? [];
  checkAzHints(d, hints);
  const n: Network = {
    ...std,
    name: (body.name as string | undefined) ?? '',
    admin_state_up: (body.admin_state_up as boolean | undefined) ?? true,
    shared: (body.shared as boolean | undefined) ?? false,
    'router:external': (body['router:external'] as boolean | undefined) ?? false,
    mtu,
    port_security_enabled: (body.port_security_enabled as boolean | undefined) ?? true,
    availability_zone_hints: hints,
    'provider:network_type': seg.type,
    'provider:physical_network': seg.physnet,
    'provider:segmentation_id': seg.segId,
    segment_id: randomUUID(),
  };
  d.networks.put(n);
  ensureDefaultSecurityGroup(d, n.project_id);
  return n;
}

export function updateNetwork(d: Draft, ctx: Context, id: string, body: Body): Network {
  const n = owned(d.networks, 'network', id, ctx, (x) => canSeeNetwork(ctx, x));
  for (const k of PROVIDER) {
    if (k in body && body[k] !== n[k]) throw invalidInput('Plugin does not support updating provider attributes');
  }
  if (body.mtu !== undefined) checkMtu(d, n['provider:network_type'], body.mtu as number);
  if (body.shared === false && n.shared) {
    const foreign = d.ports.lookup('network', id).some((p) => p.project_id !== n.project_id && p.project_id !== '');
    if (foreign) throw conflict('InvalidSharedSetting', `Unable to reconfigure sharing settings for network ${id}. Multiple tenants are using it.`);
  }
  if (body['router:external'] === false && n['router:external'] && d.routers.count('gwNetwork', id) > 0) {
    throw conflict('ExternalNetworkInUse', `External network ${id} cannot be updated to be made non-external, since it has existing gateway ports.`);
  }
  const next = revise(d, n, pick<Network>(body, ['name', 'description', 'admin_state_up', 'shared', 'router:external', 'mtu', 'port_security_enabled']));
  if (next === n) return n;
  d.networks.put(next);
  if (next.mtu !== n.mtu) for (const s of d.subnets.lookup('network', id)) d.dirtySubnets.add(s.id);
  return next;
}

export function deleteNetwork(d: Draft, ctx: Context, id: string): void {
  const n = owned(d.networks, 'network', id, ctx, (x) => canSeeNetwork(ctx, x), 'delete_network');
  const ports = d.ports.lookup('network', id);
  if (ports.some((p) => !isAutoPort(p))) throw networkInUse(id);
  for (const p of ports) d.ports.delete(p.id);
  for (const s of d.subnets.lookup('network', id)) deleteSubnetRows(d, s.id);
  d.networks.delete(n.id);
}

