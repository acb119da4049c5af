/**
 * The switch's desired configuration, read from the Open_vSwitch database.
 *
 * `readConfig` turns database rows into plain, validated values — bridges,
 * their ports, the ports' interfaces, and the settings the data plane
 * honours — so the layers below never see a Datum or a uuid. It is pure
 * and total: odd values are normalized or reported per interface, never
 * thrown, because one bad row must not stop the rest of the switch.
 *
 * Only this module and bridge.ts know the database schema.
 */
import type { Datum } from '../ovsdb/datum.js';

/** The slice of a client replica this module needs. */
export interface RowSource {
  rows(table: string): Iterable<ConfigRow>;
  row(table: string, uuid: string): ConfigRow | undefined;
}

export interface ConfigRow {
  readonly uuid: string;
  get(column: string): Datum;
}

export interface InterfaceConfig {
  readonly uuid: string;
  readonly name: string;
  readonly type: string;                     // "" means "system"
  readonly options: ReadonlyMap<string, string>;
  readonly otherConfig: ReadonlyMap<string, string>;
  readonly ofportRequest: number | null;
  readonly mac: string | null;
  readonly mtuRequest: number | null;
}

export interface PortConfig {
  readonly uuid: string;
  readonly name: string;
  readonly tag: number | null;
  readonly trunks: readonly number[];
  readonly vlanMode: string | null;
  readonly bondMode: string | null;
  readonly lacp: string | null;
  readonly bondUpdelay: number;
  readonly bondDowndelay: number;
  readonly otherConfig: ReadonlyMap<string, string>;
  readonly fakeBridge: boolean;
  readonly interfaces: readonly InterfaceConfig[];
}

export interface BridgeConfig {
  readonly uuid: string;
  readonly name: string;
  readonly datapathType: string;             // "" means "system"
  readonly failMode: 'standalone' | 'secure';
  readonly otherConfig: ReadonlyMap<string, string>;
  readonly externalIds: ReadonlyMap<string, string>;
  readonly ports: readonly PortConfig[];
  readonly controllers: readonly string[];
  readonly protocols: readonly string[];
}

export interface SwitchConfig {
  readonly rootUuid: string | null;
  readonly nextCfg: number;
  readonly bridges: readonly BridgeConfig[];
  readonly otherConfig: ReadonlyMap<string, string>;
}

function str(d: Datum | undefined): string {
  return d && d.keys.length ? String(d.keys[0]) : '';
}

function optInt(d: Datum | undefined): number | null {
  return d && d.keys.length ? Number(d.keys[0]) : null;
}

function optStr(d: Datum | undefined): string | null {
  return d && d.keys.length ? String(d.keys[0]) : null;
}

function smap(d: Datum | undefined): Map<string, string> {
  const m = new Map<string, string>();
  if (d?.values) d.keys.forEach((k, i) => m.set(String(k), String(d.values![i])));
  return m;
}

function uuids(d: Datum | undefined): string[] {
  return d ? (d.keys as string[]) : [];
}

function readInterface(r: ConfigRow): InterfaceConfig {
  return {
    uuid: r.uuid,
    name: str(r.get('name')),
    type: str(r.get('type')),
    options: smap(r.get('options')),
    otherConfig: smap(r.get('other_config')),
    ofportRequest: optInt(r.get('ofport_request')),
    mac: optStr(r.get('mac')),
    mtuRequest: optInt(r.get('mtu_request')),
  };
}

function readPort(src: RowSource, r: ConfigRow): PortConfig {
  const ifaces: InterfaceConfig[] = [];
  for (const u of uuids(r.get('interfaces'))) {
    const ir = src.row('Interface', u);
    if (ir) ifaces.push(readInterface(ir));
  }
  ifaces.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    uuid: r.uuid,
    name: str(r.get('name')),
    tag: optInt(r.get('tag')),
    trunks: (r.get('trunks')?.keys ?? []).map(Number),
    vlanMode: optStr(r.get('vlan_mode')),
    bondMode: optStr(r.get('bond_mode')),
    lacp: optStr(r.get('lacp')),
    bondUpdelay: optInt(r.get('bond_updelay')) ?? 0,
    bondDowndelay: optInt(r.get('bond_downdelay')) ?? 0,
    otherConfig: smap(r.get('other_config')),
    fakeBridge: r.get('fake_bridge')?.keys[0] === true,
    interfaces: ifaces,
  };
}

function readBridge(src: RowSource, r: ConfigRow): BridgeConfig {
  const ports: PortConfig[] = [];
  for (const u of uuids(r.get('ports'))) {
    const pr = src.row('Port', u);
    if (pr) ports.push(readPort(src, pr));
  }
  ports.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const controllers: string[] = [];
  for (const u of uuids(r.get('controller'))) {
    const cr = src.row('Controller', u);
    if (cr) controllers.push(str(cr.get('target')));
  }
  return {
    uuid: r.uuid,
    name: str(r.get('name')),
    datapathType: str(r.get('datapath_type')),
    failMode: optStr(r.get('fail_mode')) === 'secure' ? 'secure' : 'standalone',
    otherConfig: smap(r.get('other_config')),
    externalIds: smap(r.get('external_ids')),
    ports,
    controllers,
    protocols: (r.get('protocols')?.keys ?? []).map(String),
  };
}

/** Reads the whole desired configuration from the database. */
export function readConfig(src: RowSource): SwitchConfig {
  const roots = [...src.rows('Open_vSwitch')];
  const root = roots[0];
  if (!root) return { rootUuid: null, nextCfg: 0, bridges: [], otherConfig: new Map() };
  const bridges: BridgeConfig[] = [];
  const seen = new Set<string>();
  for (const u of uuids(root.get('bridges'))) {
    const br = src.row('Bridge', u);
    if (!br) continue;
    const cfg = readBridge(src, br);
    if (seen.has(cfg.name)) continue;   // duplicate names are impossible with the schema's index; be safe anyway
    seen.add(cfg.name);
    bridges.push(cfg);
  }
  bridges.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return {
    rootUuid: root.uuid,
    nextCfg: optInt(root.get('next_cfg')) ?? 0,
    bridges,
    otherConfig: smap(root.get('other_config')),
  };
}
