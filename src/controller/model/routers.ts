/**
 * Routers: the external gateway, interfaces and extra routes.
 *
 * The gateway is a port on an external network (device_owner
 * network:router_gateway, no project, as in Neutron) holding the router's
 * external addresses; changing the gateway network replaces that port, and
 * clearing it is refused while floating IPs use it. An interface is a port
 * (network:router_interface) that takes the subnet's gateway address, or a
 * port the client made; no two interfaces of a router may have
 * overlapping subnets. Removing an interface a floating IP depends on is
 * refused. Extra routes must have a next hop on a connected subnet.
 * A project routes only its own subnets: one it merely sees (shared,
 * external) is refused with 400, as in Neutron.
 */
import { ApiError, badRequest, conflict, forbidden, notFound } from '../errors.js';
import type { Context, FixedIp, GatewayInfo, HostRoute, Port, Router, Subnet } from './types.js';
import { OWNER_ROUTER_GATEWAY, OWNER_ROUTER_INTERFACE } from './types.js';
import type { FixedIpRequest, GatewayRequest } from './attrs.js';
import type { Draft } from '../state/draft.js';
import { type Body, canSeeNetwork, checkAzHints, checkQuota, newStandard, owned, owns, pick, revise, visible } from './common.js';
import { createServicePort, portVisible, removePort } from './ports.js';
import { requireSubnet } from './subnets.js';
import { subnetCidr, inSubnet } from '../ipam.js';
import { cidrsOverlap, parseIp } from './ip.js';

function gatewayNetwork(d: Draft, ctx: Context, id: string): void {
  const n = visible(d.networks, 'network', id, ctx, (x) => canSeeNetwork(ctx, x));
  if (!n['router:external']) throw badRequest(`Bad router request: Network ${id} is not a valid external network.`, 'BadRequest');
}

function setGateway(d: Draft, ctx: Context, r: Router, req: GatewayRequest | null): Router {
  const clearing = req === null || req.network_id === undefined;
  const old = r.external_gateway_info;
  if (!clearing && (req.enable_snat !== undefined || req.external_fixed_ips !== undefined) && !ctx.isAdmin) {
    throw forbidden('update_router:external_gateway_info:' + (req.enable_snat !== undefined ? 'enable_snat' : 'external_fixed_ips'));
  }
  if (clearing) {
    if (!old) return r;
    if (d.floatingips.lookup('router', r.id).length) {
      throw conflict('RouterExternalGatewayInUseByFloatingIp', `Gateway cannot be updated for router ${r.id}, since a gateway to external network ${old.network_id} is required by one or more floating IPs.`);
    }
    if (r.gw_port_id) d.ports.delete(r.gw_port_id);
    return { ...r, external_gateway_info: null, gw_port_id: null };
  }
  gatewayNetwork(d, ctx, req.network_id!);
  const sameNet = old?.network_id === req.network_id;
  const enableSnat = req.enable_snat ?? (sameNet ? old!.enable_snat : true);
  let port = sameNet && r.gw_port_id ? d.ports.get(r.gw_port_id) : undefined;
  if (port && req.external_fixed_ips !== undefined) {
    const wanted = req.external_fixed_ips.map((f) => f.ip_address ?? '');
    if (wanted.join() !== port.fixed_ips.map((f) => f.ip_address).join()) { d.ports.delete(port.id); port = undefined; }
  }
  if (!sameNet && old) {
    if (d.floatingips.lookup('router', r.id).length) {
      throw conflict('RouterExternalGatewayInUseByFloatingIp', `Gateway cannot be updated for router ${r.id}, since a gateway to external network ${old.network_id} is required by one or more floating IPs.`);
    }
    if (r.gw_port_id) d.ports.delete(r.gw_port_id);
  }
  if (!port) {
    const net = d.networks.get(req.network_id!)!;
    for (const f of req.external_fixed_ips ?? []) {
      if (f.subnet_id && d.subnets.get(f.subnet_id)?.network_id !== net.id) throw badRequest(`Bad router request: Subnet ${f.subnet_id} does not belong to network ${net.id}.`, 'BadRequest');
    }
    if (d.subnets.count('network', net.id) === 0) throw badRequest(`Bad router request: No subnets on external network ${net.id}.`, 'BadRequest');
    port = createServicePort(d, { project_id: '', network: net, device_owner: OWNER_ROUTER_GATEWAY, device_id: r.id, fixed_ips: req.external_fixed_ips });
  }
  const info: GatewayInfo = { network_id: req.network_id!, enable_snat: enableSnat, external_fixed_ips: port.fixed_ips.map((f) => ({ ...f })) };
  return { ...r, external_gateway_info: info, gw_port_id: port.id };
}

export function createRouter(d: Draft, ctx: Context, body: Body): Router {
  const std = newStandard(d, ctx, body);
  checkQuota(d, std.project_id, 'router');
  const hints = (body.availability_zone_hints as string[] | undefined) ?? [];
  checkAzHints(d, hints);
  let r: Router = {
    ...std,
    name: (body.name as string | undefined) ?? '',
    admin_state_up: (body.admin_state_up as boolean | undefined) ?? true,
    external_gateway_info: null,
    routes: [],
    distributed: (body.distributed as boolean | undefined) ?? false,
    ha: (body.ha as boolean | undefined) ?? false,
    availability_zone_hints: hints,
    gw_port_id: null,
  };
  if (body.external_gateway_info) r = setGateway(d, ctx, r, body.external_gateway_info as GatewayRequest);
  d.routers.put(r);
  return r;
}

function interfacePorts(d: Draft, routerId: string): Port[] {
  return d.ports.lookup('device', routerId).filter((p) => p.device_owner === OWNER_ROUTER_INTERFACE);
}

function connectedSubnets(d: Draft, r: Router): Subnet[] {
  const ids = new Set(interfacePorts(d, r.id).flatMap((p) => p.fixed_ips.map((f) => f.subnet_id)));
  return [...ids].map((id) => d.subnets.get(id)).filter((s): s is Subnet => !!s);
}

function checkRoutes(d: Draft, r: Router, routes: readonly HostRoute[]): void {
  const subnets = [...connectedSubnets(d, r)];
  const gw = r.gw_port_id ? d.ports.get(r.gw_port_id) : undefined;
  for (const f of gw?.fixed_ips ?? []) { const s = d.subnets.get(f.subnet_id); if (s) subnets.push(s); }
  for (const rt of routes) {
    if (!subnets.some((s) => inSubnet(s, rt.nexthop))) {
      throw badRequest(`Invalid format for routes: ${JSON.stringify(rt)}, the nexthop is not connected with router`, 'InvalidRoutes');
    }
    const mine = [...interfacePorts(d, r.id), ...(gw ? [gw] : [])].some((p) => p.fixed_ips.some((f) => f.ip_address === rt.nexthop));
    if (mine) throw badRequest(`Invalid format for routes: ${JSON.stringify(rt)}, the nexthop is used by router`, 'InvalidRoutes');
  }
}

export function updateRouter(d: Draft, ctx: Context, id: string, body: Body): Router {
  const r = owned(d.routers, 'router', id, ctx);
  let next: Router = { ...r, ...pick<Router>(body, ['name', 'description', 'admin_state_up', 'distributed', 'ha']) };
  if ('routes' in body) {
    checkRoutes(d, r, body.routes as HostRoute[]);
    next.routes = body.routes as HostRoute[];
  }
  if ('external_gateway_info' in body) {
    const g = body.external_gateway_info as GatewayRequest | null;
    next = setGateway(d, ctx, next, g && Object.keys(g).length ? g : null);
  }
  const changed = revise(d, r, next);
  if (changed === r) return r;
  d.routers.put(changed);
  return changed;
}

export function changeExtraRoutes(d: Draft, ctx: Context, id: string, routes: readonly HostRoute[], add: boolean): Router {
  const r = owned(d.routers, 'router', id, ctx);
  const key = (x: HostRoute): string => `${x.destination} ${x.nexthop}`;
  const have = new Map(r.routes.map((x) => [key(x), x]));
  if (add) {
    checkRoutes(d, r, routes.filter((x) => !have.has(key(x))));
    for (const x of routes) have.set(key(x), x);
  } else {
    for (const x of routes) have.delete(key(x));
  }
  const next = revise(d, r, { routes: [...have.values()] });
  if (next !== r) d.routers.put(next);
  return next;
}

export function deleteRouter(d: Draft, ctx: Context, id: string): void {
  const r = owned(d.routers, 'router', id, ctx, (x) => owns(ctx, x), 'delete_router');
  if (interfacePorts(d, id).length) throw conflict('RouterInUse', `Router ${id} still has ports`);
  if (d.floatingips.lookup('router', id).length) throw conflict('RouterInUse', `Router ${id} still has floating IPs`);
  if (r.gw_port_id) d.ports.delete(r.gw_port_id);
  d.routers.delete(id);
}

export interface InterfaceInfo {
  id: string; tenant_id: string; project_id: string; port_id: string; subnet_id: string; subnet_ids: string[]; network_id: string;
}

function info(r: Router, p: Port): InterfaceInfo {
  const subnetIds = [...new Set(p.fixed_ips.map((f) => f.subnet_id))];
  return { id: r.id, tenant_id: r.project_id, project_id: r.project_id, port_id: p.id, subnet_id: subnetIds[0] ?? '', subnet_ids: subnetIds, network_id: p.network_id };
}

function checkNoOverlap(d: Draft, r: Router, subnets: readonly Subnet[]): void {
  for (const s of subnets) {
    for (const other of connectedSubnets(d, r)) {
      if (other.id === s.id) throw badRequest(`Bad router request: Router already has a port on subnet ${s.id}.`, 'BadRequest');
      if (cidrsOverlap(subnetCidr(s), subnetCidr(other))) {
        throw badRequest(`Bad router request: Cidr ${s.cidr} of subnet ${s.id} overlaps with cidr ${other.cidr} of subnet ${other.id}.`, 'BadRequest');
      }
    }
  }
}

function interfaceTarget(body: Body): { subnet?: string; port?: string } {
  const s = body.subnet_id, p = body.port_id;
  if (s !== undefined && p !== undefined) throw badRequest('Bad router request: Cannot specify both subnet-id and port-id.', 'BadRequest');
  if (typeof s === 'string') return { subnet: s };
  if (typeof p === 'string') return { port: p };
  throw badRequest('Bad router request: Either subnet_id or port_id must be specified.', 'BadRequest');
}

export function addInterface(d: Draft, ctx: Context, id: string, body: Body): InterfaceInfo {
  const r = owned(d.routers, 'router', id, ctx, (x) => owns(ctx, x), 'add_router_interface');
  const t = interfaceTarget(body);
  let port: Port;
  if (t.subnet) {
    const s = requireSubnet(d, ctx, t.subnet);
    if (!s.gateway_ip) throw badRequest(`Bad router request: Subnet for router interface must have a gateway IP.`, 'BadRequest');
    // A shared (or external) subnet is visible to all, but only its owner may route it.
    if (!owns(ctx, s)) throw badRequest(`Bad router request: Cannot add interface to router because subnet ${s.id} is not owned by project making the request.`, 'BadRequest');
    checkNoOverlap(d, r, [s]);
    const net = d.networks.get(s.network_id)!;
    const fixed: FixedIpRequest[] = [{ subnet_id: s.id, ip_address: s.gateway_ip }];
    port = createServicePort(d, { project_id: r.project_id, network: net, device_owner: OWNER_ROUTER_INTERFACE, device_id: r.id, fixed_ips: fixed });
  } else {
    const p = d.ports.get(t.port!);
    if (!p || !portVisible(d, ctx, p)) throw notFound('port', t.port!);
    if (!owns(ctx, p)) throw forbidden('add_router_interface');
    if (p.device_id || p.device_owner) {
      throw conflict('PortInUse', `Unable to complete operation on port ${p.id} for network ${p.network_id}. Port already has an attached device ${p.device_id || p.device_owner}.`);
    }
    if (!p.fixed_ips.length) throw badRequest('Bad router request: Router port must have at least one fixed IP.', 'BadRequest');
    checkNoOverlap(d, r, [...new Set(p.fixed_ips.map((f) => f.subnet_id))].map((s) => d.subnets.get(s)!).filter(Boolean));
    port = { ...p, device_owner: OWNER_ROUTER_INTERFACE, device_id: r.id, security_groups: [], revision_number: p.revision_number + 1, updated_at: d.now };
    d.ports.put(port);
  }
  if (r.external_gateway_info?.network_id === port.network_id) {
    throw badRequest(`Bad router request: Router interface cannot be attached to the gateway network ${port.network_id}.`, 'BadRequest');
  }
  d.markRouter(r.id);
  return info(r, port);
}

export function removeInterface(d: Draft, ctx: Context, id: string, body: Body): InterfaceInfo {
  const r = owned(d.routers, 'router', id, ctx, (x) => owns(ctx, x), 'remove_router_interface');
  const t = interfaceTarget(body);
  const ports = interfacePorts(d, id);
  let port: Port | undefined;
  if (t.port) {
    port = ports.find((p) => p.id === t.port);
    if (!port) throw new ApiError(404, 'RouterInterfaceNotFound', `Router ${id} does not have an interface with id ${t.port}`);
  } else {
    port = ports.find((p) => p.fixed_ips.some((f) => f.subnet_id === t.subnet));
    if (!port) throw new ApiError(404, 'RouterInterfaceNotFoundForSubnet', `Router ${id} has no interface on subnet ${t.subnet}`);
  }
  const subnets = new Set(port.fixed_ips.map((f) => f.subnet_id));
  for (const f of d.floatingips.lookup('router', id)) {
    const fp = f.port_id ? d.ports.get(f.port_id) : undefined;
    const via = fp?.fixed_ips.find((x: FixedIp) => x.ip_address === f.fixed_ip_address);
    if (via && subnets.has(via.subnet_id)) {
      throw conflict('RouterInterfaceInUseByFloatingIP', `Router interface for subnet ${via.subnet_id} on router ${id} cannot be deleted, as it is required by one or more floating IPs.`);
    }
  }
  const result = info(r, port);
  removePort(d, port.id);
  d.markRouter(id);
  return result;
}

/** The router that can reach `ip` (on `subnetId`) from external network `networkId`, if any. */
export function routerFor(d: Draft, networkId: string, subnetId: string, ip: string): Router | undefined {
  for (const r of d.routers.lookup('gwNetwork', networkId)) {
    if (interfacePorts(d, r.id).some((p) => p.fixed_ips.some((f) => f.subnet_id === subnetId)) && parseIp(ip)) return r;
  }
  return undefined;
}

