/**
 * Floating IPs: an address on an external network, held by a port there,
 * optionally associated with a fixed IP of an internal port. Association
 * needs a router with a gateway on the floating network and an interface
 * on the fixed IP's subnet (else 404 ExternalGatewayForFloatingIPNotFound,
 * as Neutron), and one fixed IP can have at most one floating IP per
 * external network.
 */
import { randomUUID } from 'node:crypto';
import { ApiError, badRequest, conflict, forbidden, invalidInput, notFound } from '../errors.js';
import type { Context, FloatingIp } from './types.js';
import { OWNER_FLOATINGIP } from './types.js';
import type { Draft } from '../state/draft.js';
import { type Body, canSeeNetwork, checkQuota, owned, owns, projectOf, revise, visible } from './common.js';
import { createServicePort, firstV4, portVisible } from './ports.js';
import { routerFor } from './routers.js';
import { parseIp } from './ip.js';

interface Association { port_id: string | null; fixed_ip_address: string | null; router_id: string | null }

function associate(d: Draft, ctx: Context, fip: FloatingIp, portId: string | null, fixedIp: string | null): Association {
  if (portId === null) return { port_id: null, fixed_ip_address: null, router_id: null };
  const p = d.ports.get(portId);
  if (!p || !portVisible(d, ctx, p)) throw notFound('port', portId);
  if (!owns(ctx, p)) throw forbidden('update_floatingip');
  let fixed = fixedIp ? p.fixed_ips.find((f) => f.ip_address === fixedIp) : undefined;
  if (fixedIp && !fixed) throw badRequest(`Bad floatingip request: Port ${portId} does not have fixed ip ${fixedIp}.`, 'BadRequest');
  if (!fixed) {
    const v4 = p.fixed_ips.filter((f) => parseIp(f.ip_address)?.version === 4);
    if (v4.length > 1) throw badRequest(`Bad floatingip request: Port ${portId} has multiple fixed IPv4 addresses. Must provide a specific IPv4 address when assigning a floating IP.`, 'BadRequest');
    fixed = firstV4(p);
  }
  if (!fixed) throw badRequest(`Bad floatingip request: Cannot add floating IP to port ${portId} that has no fixed IPv4 addresses.`, 'BadRequest');
  const router = routerFor(d, fip.floating_network_id, fixed.subnet_id, fixed.ip_address);
  if (!router) {
    throw new ApiError(404, 'ExternalGatewayForFloatingIPNotFound',
      `External network ${fip.floating_network_id} is not reachable from subnet ${fixed.subnet_id}.  Therefore, cannot associate Port ${portId} with a Floating IP.`);
  }
  const other = d.floatingips.lookup('port', portId).find((f) => f.id !== fip.id && f.fixed_ip_address === fixed!.ip_address && f.floating_network_id === fip.floating_network_id);
  if (other) {
    throw conflict('FloatingIPPortAlreadyAssociated', `Cannot associate floating IP ${fip.floating_ip_address} (${fip.id}) with port ${portId} using fixed IP ${fixed.ip_address}, as that fixed IP already has a floating IP on external network ${fip.floating_network_id}.`);
  }
  return { port_id: portId, fixed_ip_address: fixed.ip_address, router_id: router.id };
}

/** Marks what a change of association rewrites: both routers, the old and new internal ports, the address port. */
function touch(d: Draft, before: FloatingIp | undefined, after: FloatingIp | null): void {
  for (const f of [before, after]) {
    if (!f) continue;
    d.markRouter(f.router_id);
    if (f.port_id && d.ports.get(f.port_id)) d.dirtyPorts.add(f.port_id);
    if (d.ports.get(f.floating_port_id)) d.dirtyPorts.add(f.floating_port_id);
  }
}

export function createFloatingIp(d: Draft, ctx: Context, body: Body): FloatingIp {
  const netId = body.floating_network_id as string;
  const net = visible(d.networks, 'network', netId, ctx, (n) => canSeeNetwork(ctx, n));
  if (!net['router:external']) throw badRequest(`Bad floatingip request: Network ${netId} is not a valid external network.`, 'BadRequest');
  const project = projectOf(ctx, body);
  checkQuota(d, project, 'floatingip');
  const subnetId = (body.subnet_id as string | null | undefined) ?? null;
  if (subnetId !== null) {
    const s = d.subnets.get(subnetId);
    if (!s || s.network_id !== netId) throw badRequest(`Bad floatingip request: Subnet ${subnetId} does not belong to network ${netId}.`, 'BadRequest');
  }
  const address = body.floating_ip_address as string | undefined;
  const v4Subnets = d.subnets.lookup('network', netId).filter((s) => s.ip_version === 4 && (subnetId === null || s.id === subnetId));
  if (!v4Subnets.length) throw badRequest(`Bad floatingip request: Network ${netId} has no IPv4 subnet.`, 'BadRequest');
  const id = randomUUID();
  const req = address !== undefined ? [{ ip_address: address, ...(subnetId ? { subnet_id: subnetId } : {}) }]
    : subnetId ? [{ subnet_id: subnetId }] : v4Subnets.length === 1 ? [{ subnet_id: v4Subnets[0]!.id }] : undefined;
  const port = createServicePort(d, { project_id: '', network: net, device_owner: OWNER_FLOATINGIP, device_id: id, fixed_ips: req });
  const v4 = firstV4(port);
  if (!v4) throw invalidInput(`No IPv4 address could be allocated for the floating IP on network ${netId}`);
  const base: FloatingIp = {
    id, project_id: project, description: (body.description as string | undefined) ?? '', tags: [], revision_number: 0,
    created_at: d.now, updated_at: d.now, floating_network_id: netId, floating_ip_address: v4.ip_address,
    floating_port_id: port.id, port_id: null, fixed_ip_address: null, router_id: null,
  };
  const fip = { ...base, ...associate(d, ctx, base, (body.port_id as string | null | undefined) ?? null, (body.fixed_ip_address as string | null | undefined) ?? null) };
  d.floatingips.put(fip);
  touch(d, undefined, fip);
  return fip;
}

export function updateFloatingIp(d: Draft, ctx: Context, id: string, body: Body): FloatingIp {
  const fip = owned(d.floatingips, 'floatingip', id, ctx);
  const changes: Partial<FloatingIp> = {};
  if ('description' in body) changes.description = body.description as string;
  if ('port_id' in body || 'fixed_ip_address' in body) {
    const portId = 'port_id' in body ? (body.port_id as string | null) : fip.port_id;
    Object.assign(changes, associate(d, ctx, fip, portId, (body.fixed_ip_address as string | null | undefined) ?? null));
  }
  const next = revise(d, fip, changes);
  if (next === fip) return fip;
  d.floatingips.put(next);
  touch(d, fip, next);
  return next;
}

export function deleteFloatingIp(d: Draft, ctx: Context, id: string): void {
  const fip = owned(d.floatingips, 'floatingip', id, ctx, (x) => owns(ctx, x), 'delete_floatingip');
  touch(d, fip, null);
  d.floatingips.delete(id);
  d.dirtyPorts.delete(fip.floating_port_id);
  d.ports.delete(fip.floating_port_id);
}
