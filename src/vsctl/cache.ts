/**
 * The bridge → port → interface structure that ovs-vsctl's high-level
 * commands reason about, built from the snapshot on first use in a command
 * and dropped whenever a generic database command may have changed it.
 *
 * Fake ("VLAN") bridges: a port of a real bridge with `fake_bridge=true`
 * and a tag in 0..4095 is also a bridge, whose parent is the real bridge
 * and whose VLAN is the tag; every port of the parent with that tag then
 * belongs to the fake bridge. Names are unique across bridges; duplicate
 * port or interface names (which the schema forbids anyway) keep their
 * first occurrence, as in ovs-vsctl.
 */
import type { Snapshot, TxnRow } from './snapshot.js';
import { type Context, VsctlError } from './context.js';

export interface VBridge {
  readonly name: string;
  /** The Bridge row; null for a fake bridge. */
  readonly row: TxnRow | null;
  readonly parent: VBridge | null;
  readonly vlan: number;
  readonly ports: VPort[];
  readonly children: Map<number, VBridge>;
}

export interface VPort {
  readonly row: TxnRow;
  bridge: VBridge;
  readonly ifaces: VIface[];
}

export interface VIface {
  readonly row: TxnRow;
  port: VPort;
}

export interface VsctlCache {
  readonly bridges: Map<string, VBridge>;
  readonly ports: Map<string, VPort>;
  readonly ifaces: Map<string, VIface>;
}

export function strOf(snap: Snapshot, row: TxnRow, column: string): string {
  const d = snap.read(row, column);
  return d.keys.length ? (d.keys[0] as string) : '';
}

export function tagOf(snap: Snapshot, row: TxnRow): number | null {
  const d = snap.read(row, 'tag');
  return d.keys.length ? (d.keys[0] as number) : null;
}

function isFakeBridgePort(snap: Snapshot, port: TxnRow): boolean {
  const fake = snap.read(port, 'fake_bridge').keys[0] === true;
  const tag = tagOf(snap, port);
  return fake && tag !== null && tag >= 0 && tag <= 4095;
}

export function refs(snap: Snapshot, row: TxnRow, column: string, table: string): TxnRow[] {
  const out: TxnRow[] = [];
  for (const u of snap.read(row, column).keys) {
    const r = snap.get(table, u as string);
    if (r) out.push(r);
  }
  return out;
}

function addBridge(c: VsctlCache, row: TxnRow | null, name: string, parent: VBridge | null, vlan: number): VBridge {
  const br: VBridge = { name, row, parent, vlan, ports: [], children: new Map() };
  if (parent && !parent.children.has(vlan)) parent.children.set(vlan, br);
  c.bridges.set(name, br);
  return br;
}

export function addPortToCache(ctx: Context, parent: VBridge, row: TxnRow): VPort {
  const tag = tagOf(ctx.snap, row);
  if (tag !== null && tag >= 0 && tag <= 4095) {
    const vb = parent.children.get(tag);
    if (vb) parent = vb;
  }
  const port: VPort = { row, bridge: parent, ifaces: [] };
  parent.ports.push(port);
  ctx.cache!.ports.set(strOf(ctx.snap, row, 'name'), port);
  return port;
}

export function addIfaceToCache(ctx: Context, port: VPort, row: TxnRow): VIface {
  const iface: VIface = { row, port };
  port.ifaces.push(iface);
  ctx.cache!.ifaces.set(strOf(ctx.snap, row, 'name'), iface);
  return iface;
}

/** vsctl_context_populate_cache(). */
export function populate(ctx: Context): VsctlCache {
  if (ctx.cache) return ctx.cache;
  const { snap } = ctx;
  const c: VsctlCache = { bridges: new Map(), ports: new Map(), ifaces: new Map() };
  ctx.cache = c;
  const brRows = refs(snap, ctx.ovs, 'bridges', 'Bridge');

  const seenBridges = new Set<string>(), seenPorts = new Set<string>();
  for (const brRow of brRows) {
    const name = strOf(snap, brRow, 'name');
    if (seenBridges.has(name)) continue;
    seenBridges.add(name);
    const br = addBridge(c, brRow, name, null, 0);
    for (const p of refs(snap, brRow, 'ports', 'Port')) {
      const pname = strOf(snap, p, 'name');
      if (seenPorts.has(pname)) continue;
      seenPorts.add(pname);
      if (isFakeBridgePort(snap, p) && !seenBridges.has(pname)) {
        seenBridges.add(pname);
        addBridge(c, null, pname, br, tagOf(snap, p)!);
      }
    }
  }

  const seen = new Set<string>();
  for (const brRow of brRows) {
    const name = strOf(snap, brRow, 'name');
    if (seen.has(name)) continue;
    seen.add(name);
    const br = c.bridges.get(name)!;
    for (const p of refs(snap, brRow, 'ports', 'Port')) {
      const pname = strOf(snap, p, 'name');
      if (c.ports.has(pname)) continue;
      if (isFakeBridgePort(snap, p)) {
        if (seen.has(pname)) continue;
        seen.add(pname);
      }
      const port = addPortToCache(ctx, br, p);
      for (const i of refs(snap, p, 'interfaces', 'Interface')) {
        if (c.ifaces.has(strOf(snap, i, 'name'))) continue;
        addIfaceToCache(ctx, port, i);
      }
    }
  }
  return c;
}

/** verify_ports(): the answer depends on the whole bridge/port/interface structure. */
export function verifyPorts(ctx: Context): void {
  if (ctx.verifiedPorts) return;
  const { snap } = ctx;
  snap.verify(ctx.ovs, 'bridges');
  for (const b of snap.rows('Bridge')) snap.verify(b, 'ports');
  for (const p of snap.rows('Port')) snap.verify(p, 'interfaces');
  ctx.verifiedPorts = true;
}

export function findBridge(ctx: Context, name: string, mustExist: boolean): VBridge | null {
  const br = ctx.cache!.bridges.get(name) ?? null;
  if (mustExist && !br) throw new VsctlError(`no bridge named ${name}`);
  ctx.snap.verify(ctx.ovs, 'bridges');
  return br;
}

export function findRealBridge(ctx: Context, name: string, mustExist: boolean): VBridge | null {
  const br = findBridge(ctx, name, mustExist);
  if (br?.parent) throw new VsctlError(`${name} is a fake bridge`);
  return br;
}

export function findPort(ctx: Context, name: string, mustExist: boolean): VPort | null {
  let port = ctx.cache!.ports.get(name) ?? null;
  if (port && name === port.bridge.name) port = null;
  if (mustExist && !port) throw new VsctlError(`no port named ${name}`);
  verifyPorts(ctx);
  return port;
}

export function findIface(ctx: Context, name: string, mustExist: boolean): VIface | null {
  let iface = ctx.cache!.ifaces.get(name) ?? null;
  if (iface && name === iface.port.bridge.name) iface = null;
  if (mustExist && !iface) throw new VsctlError(`no interface named ${name}`);
  verifyPorts(ctx);
  return iface;
}

/** check_conflicts(): `name` must not be taken by a bridge, port or interface. */
export function checkConflicts(ctx: Context, name: string, msg: string): void {
  verifyPorts(ctx);
  const c = ctx.cache!;
  if (c.bridges.has(name)) throw new VsctlError(`${msg} because a bridge named ${name} already exists`);
  const port = c.ports.get(name);
  if (port) throw new VsctlError(`${msg} because a port named ${name} already exists on bridge ${port.bridge.name}`);
  const iface = c.ifaces.get(name);
  if (iface) throw new VsctlError(`${msg} because an interface named ${name} already exists on bridge ${iface.port.bridge.name}`);
}

export function delCachedIface(ctx: Context, iface: VIface): void {
  const list = iface.port.ifaces;
  list.splice(list.indexOf(iface), 1);
  ctx.cache!.ifaces.delete(strOf(ctx.snap, iface.row, 'name'));
  ctx.snap.delete(iface.row);
}

export function delCachedPort(ctx: Context, port: VPort): void {
  const list = port.bridge.ports;
  list.splice(list.indexOf(port), 1);
  ctx.cache!.ports.delete(strOf(ctx.snap, port.row, 'name'));
  ctx.snap.delete(port.row);
}
