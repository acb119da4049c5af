/**
 * The committed Neutron state: every resource decoded from the northbound
 * mirror, indexed, and kept current from the store's change stream.
 *
 * Decoding is per row (each resource has one home row, see nb/*.ts), so a
 * change to one row re-decodes one resource; which resources a row held is
 * remembered by row uuid, so a deleted or renamed row takes its resources
 * with it. Rows that are not Neutron's (an LSP added with ovn-nbctl, the
 * localnet ports, the derived router rows) decode to nothing and are
 * ignored.
 *
 * `seq` counts applied change batches; readers use it to tell whether a
 * retry has something new to compute from.
 */
import type {
  Agent, FloatingIp, Network, Port, Router, SecurityGroup, SecurityGroupRule, Subnet,
} from '../model/types.js';
import { Collection } from './collection.js';
import { NB_TABLES, type NbRow, type NbStore, type RowChange } from '../nb/store.js';
import { decodeNetwork } from '../nb/network.js';
import { decodeSubnet } from '../nb/subnet.js';
import { decodePort } from '../nb/port.js';
import { decodeFip } from '../nb/floatingip.js';
import { decodeRule, decodeSecurityGroup, DROP_PG } from '../nb/secgroup.js';
import { decodeRouter } from '../nb/router.js';
import { decodeGlobal, type GlobalState } from '../nb/global.js';
import { segmentKey } from '../segments.js';
import { str } from '../nb/txn.js';

const project = <T extends { project_id: string }>(o: T): string[] => [o.project_id];
/** Creation order, the order of an unsorted, unpaginated list. */
const CREATED = { created: (o: { created_at: string; id: string }): string => `${o.created_at} ${o.id}` };

function sameAgents(a: ReadonlyMap<string, Agent>, b: ReadonlyMap<string, Agent>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, x] of a) { const y = b.get(id); if (!y || JSON.stringify(x) !== JSON.stringify(y)) return false; }
  return true;
}

export function networkSegmentKey(n: Network): string[] {
  const k = segmentKey({ type: n['provider:network_type'], physnet: n['provider:physical_network'], segId: n['provider:segmentation_id'] });
  return k ? [k] : [];
}

type AnyCollection = Collection<{ readonly id: string }>;

export class View {
  readonly networks = new Collection<Network>('network', { segment: networkSegmentKey, project }, CREATED);
  readonly subnets = new Collection<Subnet>('subnet', { network: (s) => [s.network_id], project }, CREATED);
  readonly ports = new Collection<Port>('port', {
    network: (p) => [p.network_id],
    device: (p) => [p.device_id],
    ip: (p) => p.fixed_ips.map((f) => `${p.network_id}|${f.ip_address}`),
    mac: (p) => [`${p.network_id}|${p.mac_address}`],
    macaddr: (p) => [p.mac_address],
    addr: (p) => p.fixed_ips.map((f) => f.ip_address),
    name: (p) => [p.name],
    subnet: (p) => [...new Set(p.fixed_ips.map((f) => f.subnet_id))],
    sg: (p) => p.security_groups,
    project,
  }, CREATED);
  readonly securityGroups = new Collection<SecurityGroup>('security_group', { project, name: (g) => [`${g.project_id}|${g.name}`] }, CREATED);
  readonly rules = new Collection<SecurityGroupRule>('security_group_rule', {
    sg: (r) => [r.security_group_id], remote: (r) => (r.remote_group_id ? [r.remote_group_id] : []), project,
  }, CREATED);
  readonly routers = new Collection<Router>('router', {
    gwNetwork: (r) => (r.external_gateway_info ? [r.external_gateway_info.network_id] : []), project,
  }, CREATED);
  readonly floatingips = new Collection<FloatingIp>('floatingip', {
    port: (f) => (f.port_id ? [f.port_id] : []), router: (f) => (f.router_id ? [f.router_id] : []),
    network: (f) => [f.floating_network_id], project,
  }, CREATED);
  global: GlobalState = decodeGlobal(undefined);
  /** Row uuid of the neutron_pg_drop Port_Group, once it exists. */
  dropPg: string | null = null;
  seq = 0;
  private readonly byRow = new Map<string, { c: AnyCollection; id: string }[]>();
  private readonly unsubscribe: () => void;

  constructor(readonly store: NbStore) {
    const initial: RowChange[] = [];
    for (const t of NB_TABLES) for (const [uuid, row] of store.table(t)) initial.push({ table: t, uuid, old: null, new: row });
    this.apply(initial);
    this.unsubscribe = store.onChange((c) => this.apply(c));
  }

  close(): void {
    this.unsubscribe();
  }

  get agents(): ReadonlyMap<string, Agent> {
    return this.global.agents;
  }

  private apply(changes: readonly RowChange[]): void {
    for (const ch of changes) {
      if (ch.table === 'NB_Global') {
        const next = decodeGlobal(ch.new ?? [...this.store.table('NB_Global').values()][0]);
        // Every write bumps the generation; keep the agent registry's identity when it did not change,
        // so caches keyed on it (rendered ports) survive.
        this.global = sameAgents(next.agents, this.global.agents) ? { ...next, agents: this.global.agents } : next;
        continue;
      }
      const key = `${ch.table}|${ch.uuid}`;
      for (const { c, id } of this.byRow.get(key) ?? []) c.remove(id);
      this.byRow.delete(key);
      if (ch.table === 'Port_Group' && this.dropPg === ch.uuid && !ch.new) this.dropPg = null;
      if (ch.new) this.decode(ch.table, ch.new, key);
    }
    this.seq++;
  }

  private add<T extends { readonly id: string }>(c: Collection<T>, o: T | null, row: NbRow, key: string): void {
    if (!o) return;
    c.put(o, row.uuid);
    let l = this.byRow.get(key);
    if (!l) this.byRow.set(key, l = []);
    l.push({ c: c as unknown as AnyCollection, id: o.id });
  }

  private decode(table: string, row: NbRow, key: string): void {
    switch (table) {
      case 'Logical_Switch': this.add(this.networks, decodeNetwork(row), row, key); break;
      case 'DHCP_Options': this.add(this.subnets, decodeSubnet(row), row, key); break;
      case 'Logical_Switch_Port':
        this.add(this.ports, decodePort(row), row, key);
        this.add(this.floatingips, decodeFip(row), row, key);
        break;
      case 'Port_Group':
        if (str(row, 'name') === DROP_PG) this.dropPg = row.uuid;
        this.add(this.securityGroups, decodeSecurityGroup(row), row, key);
        break;
      case 'ACL': this.add(this.rules, decodeRule(row), row, key); break;
      case 'Logical_Router': this.add(this.routers, decodeRouter(row), row, key); break;
      default: break;
    }
  }
}
