/**
 * A draft's changes -> one OVN_Northbound transaction.
 *
 * Steps, in order:
 *   1. the guard: `wait` for the generation the draft was computed from,
 *      and bump it (with any quota/agent changes) in NB_Global;
 *   2. names for every row this transaction inserts, so any row may refer
 *      to any other regardless of the order below;
 *   3. per kind, inserts, updates and deletes of each resource's home row
 *      (deletes of LSPs and ACLs are removals from their parent's set: the
 *      schema makes them non-root, so OVSDB collects them);
 *   4. membership deltas: ports into their networks' switches and their
 *      security groups' port groups, ACLs into port groups;
 *   5. routers: their ports, routes and NAT rows are recomputed from the
 *      draft and matched with the existing rows by key, so unchanged rows
 *      keep their uuids and only differences are written.
 */
import type { Draft } from '../state/draft.js';
import type { Port } from '../model/types.js';
import { isNetworkOwned, OWNER_FLOATINGIP, OWNER_ROUTER_GATEWAY, OWNER_ROUTER_INTERFACE } from '../model/types.js';
import { type Ref, TxnBuilder, refJson, oset } from './txn.js';
import { generationWait, globalMutate } from './global.js';
import { encodeNetwork, encodeLocalnet } from './network.js';
import { encodeSubnet } from './subnet.js';
import { encodePort } from './port.js';
import { encodeSecurityGroup, encodeRule } from './secgroup.js';
import { encodeRouter, routerChildren, childKey, type RouterPort } from './router.js';
import { unavailable } from '../errors.js';
import type { DraftCollection } from '../state/collection.js';

const uuidRef = (uuid: string): Ref => ({ uuid });

class Refs {
  private readonly named = new Map<string, Ref>();

  constructor(private readonly d: Draft, b: TxnBuilder) {
    const pre = <T extends { id: string }>(kind: string, c: DraftCollection<T>): void => {
      for (const [id, o] of c.changes) if (o && !c.before(id)) this.named.set(`${kind}:${id}`, { named: b.newName() });
    };
    pre('network', d.networks);
    pre('subnet', d.subnets);
    pre('port', d.ports);
    pre('sg', d.securityGroups);
    pre('rule', d.rules);
    pre('router', d.routers);
  }

  private ref(kind: string, id: string, row: string | undefined): Ref | null {
    return this.named.get(`${kind}:${id}`) ?? (row ? uuidRef(row) : null);
  }

  isNew(kind: string, id: string): boolean {
    return this.named.has(`${kind}:${id}`);
  }

  nameOf(kind: string, id: string): string {
    const r = this.named.get(`${kind}:${id}`);
    return r && 'named' in r ? r.named : '';
  }

  network(id: string): Ref | null { return this.ref('network', id, this.d.view.networks.row(id)); }
  subnet(id: string): Ref | null { return this.ref('subnet', id, this.d.view.subnets.row(id)); }
  port(id: string): Ref | null { return this.ref('port', id, this.d.view.ports.row(id)); }
  sg(id: string): Ref | null { return this.ref('sg', id, this.d.view.securityGroups.row(id)); }
  rule(id: string): Ref | null { return this.ref('rule', id, this.d.view.rules.row(id)); }
  router(id: string): Ref | null { return this.ref('router', id, this.d.view.routers.row(id)); }
}

/** The port groups a port belongs to: its security groups', plus neutron_pg_drop with port security. */
function portGroups(d: Draft, refs: Refs, p: Port | undefined): Map<string, Ref> {
  const out = new Map<string, Ref>();
  if (!p || isNetworkOwned(p.device_owner) || !p.port_security_enabled) return out;
  for (const sg of p.security_groups) {
    const r = refs.sg(sg);
    if (r) out.set(JSON.stringify(refJson(r)), r);
  }
  if (d.view.dropPg) out.set(JSON.stringify(['uuid', d.view.dropPg]), uuidRef(d.view.dropPg));
  return out;
}

function ids<T>(c: DraftCollection<T & { id: string }>, dirty: ReadonlySet<string>): string[] {
  return [...new Set([...c.changes.keys(), ...dirty])];
}

export function encodeDraft(d: Draft): unknown[] {
  const view = d.view;
  const b = new TxnBuilder();
  // 1. The guard.
  if (!view.global.uuid) throw unavailable('The northbound database has no NB_Global row yet.');
  b.prepend(generationWait(view.global.uuid, view.global.generation));
  b.prepend(globalMutate(view.global.uuid, view.global.generation, { quotas: d.quotas, agents: d.agents }));
  // 2. Names for new rows.
  const refs = new Refs(d, b);

  // 3. Networks.
  for (const [id, n] of d.networks.changes) {
    if (!n) { b.delete('Logical_Switch', view.networks.row(id)!); continue; }
    if (!refs.isNew('network', id)) { b.update('Logical_Switch', view.networks.row(id)!, encodeNetwork(n)); continue; }
    const ls = b.insert('Logical_Switch', encodeNetwork(n), refs.nameOf('network', id));
    const localnet = encodeLocalnet(n);
    if (localnet) b.add('Logical_Switch', ls, 'ports', refJson(b.insert('Logical_Switch_Port', localnet)));
  }

  // Subnets (DHCP_Options is a root table: rows are inserted and deleted directly).
  for (const id of ids(d.subnets, d.dirtySubnets)) {
    const s = d.subnets.get(id);
    if (!s) { const row = view.subnets.row(id); if (row) b.delete('DHCP_Options', row); continue; }
    const net = d.networks.get(s.network_id);
    if (!net) continue;
    if (refs.isNew('subnet', id)) b.insert('DHCP_Options', encodeSubnet(s, net), refs.nameOf('subnet', id));
    else b.update('DHCP_Options', view.subnets.row(id)!, encodeSubnet(s, net));
  }

  // Security groups and rules.
  for (const [id, g] of d.securityGroups.changes) {
    if (!g) { b.delete('Port_Group', view.securityGroups.row(id)!); continue; }
    if (refs.isNew('sg', id)) b.insert('Port_Group', { ...encodeSecurityGroup(g), acls: oset([]), ports: oset([]) }, refs.nameOf('sg', id));
    else b.update('Port_Group', view.securityGroups.row(id)!, encodeSecurityGroup(g));
  }
  for (const id of ids(d.rules, d.dirtyRules)) {
    const r = d.rules.get(id);
    if (!r) {
      const before = d.rules.before(id);
      if (before && d.securityGroups.get(before.security_group_id)) {
        b.remove('Port_Group', refs.sg(before.security_group_id)!, 'acls', ['uuid', view.rules.row(id)!]);
      }
      continue;
    }
    const g = d.securityGroups.get(r.security_group_id);
    if (!g) continue;
    if (refs.isNew('rule', id)) {
      const acl = b.insert('ACL', encodeRule(r, g.stateful), refs.nameOf('rule', id));
      b.add('Port_Group', refs.sg(g.id)!, 'acls', refJson(acl));
    } else {
      b.update('ACL', view.rules.row(id)!, encodeRule(r, g.stateful));
    }
  }

  // Ports: the LSP, its place in the network's switch, its port groups.
  for (const id of ids(d.ports, d.dirtyPorts)) {
    const p = d.ports.get(id), before = d.ports.before(id);
    if (!p) {
      if (before && d.networks.get(before.network_id)) {
        b.remove('Logical_Switch', refs.network(before.network_id)!, 'ports', ['uuid', view.ports.row(id)!]);
      }
      continue;
    }
    const row = encodePort(p, {
      subnet: (sid) => d.subnets.get(sid),
      dhcpRef: (sid) => refs.subnet(sid),
      ownFip: p.device_owner === OWNER_FLOATINGIP ? d.floatingips.get(p.device_id) ?? null : null,
      fipAddresses: d.floatingips.lookup('port', p.id).map((f) => f.floating_ip_address),
    });
    let lsp: Ref;
    if (refs.isNew('port', id)) {
      lsp = b.insert('Logical_Switch_Port', row, refs.nameOf('port', id));
      b.add('Logical_Switch', refs.network(p.network_id)!, 'ports', refJson(lsp));
    } else {
      const uuid = view.ports.row(id)!;
      lsp = uuidRef(uuid);
      b.update('Logical_Switch_Port', uuid, row);
    }
    const was = portGroups(d, refs, before), now = portGroups(d, refs, p);
    for (const [k, pg] of was) if (!now.has(k) && !('uuid' in pg && isDeletedPg(d, pg.uuid))) b.remove('Port_Group', pg, 'ports', refJson(lsp));
    for (const [k, pg] of now) if (!was.has(k)) b.add('Port_Group', pg, 'ports', refJson(lsp));
  }

  // 5. Routers and everything hanging off them.
  for (const id of ids(d.routers, d.dirtyRouters)) encodeRouterRows(d, refs, b, id);
  return b.build();
}

function isDeletedPg(d: Draft, pgRow: string): boolean {
  for (const [id, g] of d.securityGroups.changes) if (!g && d.view.securityGroups.row(id) === pgRow) return true;
  return false;
}

function routerPort(d: Draft, p: Port): RouterPort {
  const subnets = [...new Set(p.fixed_ips.map((f) => f.subnet_id))].map((s) => d.subnets.get(s)).filter((s) => s !== undefined);
  return { port: p, subnets };
}

const CHILD_COLUMNS = { Logical_Router_Port: 'ports', Logical_Router_Static_Route: 'static_routes', NAT: 'nat' } as const;

function encodeRouterRows(d: Draft, refs: Refs, b: TxnBuilder, id: string): void {
  const view = d.view, r = d.routers.get(id);
  const row = view.routers.row(id);
  if (!r) { if (row && d.routers.changes.has(id)) b.delete('Logical_Router', row); return; }
  const ports = d.ports.lookup('device', id);
  const gwPort = r.gw_port_id ? d.ports.get(r.gw_port_id) : undefined;
  const children = routerChildren(r, {
    interfaces: ports.filter((p) => p.device_owner === OWNER_ROUTER_INTERFACE).map((p) => routerPort(d, p)),
    gateway: gwPort && gwPort.device_owner === OWNER_ROUTER_GATEWAY ? routerPort(d, gwPort) : null,
    fips: d.floatingips.lookup('router', id),
    macOf: (portId) => d.ports.get(portId)?.mac_address ?? '',
  });
  const lr = row ? view.store.table('Logical_Router').get(row) : undefined;
  const cols: Record<string, unknown> = encodeRouter(r);
  const desired = { Logical_Router_Port: children.lrps, Logical_Router_Static_Route: children.routes, NAT: children.nats };
  for (const [table, column] of Object.entries(CHILD_COLUMNS) as [keyof typeof CHILD_COLUMNS, string][]) {
    const existing = new Map<string, string>();
    for (const u of lr?.columns[column]?.keys ?? []) {
      const child = view.store.table(table).get(String(u));
      if (child) existing.set(childKey(table, child), child.uuid);
    }
    const members: unknown[] = [];
    for (const [key, want] of desired[table]) {
      const have = existing.get(key);
      if (have) { b.update(table, have, want); members.push(['uuid', have]); } else members.push(refJson(b.insert(table, want)));
    }
    cols[column] = oset(members);
  }
  if (refs.isNew('router', id)) b.insert('Logical_Router', cols, refs.nameOf('router', id));
  else b.update('Logical_Router', row!, cols);
}
