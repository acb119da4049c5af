/**
 * ovs-vsctl's bridge, port, bond and interface commands. They work on the
 * cache (cache.ts) and keep it in step with their own writes, so a chain
 * like `add-br br0 -- add-port br0 p1 -- set port p1 tag=5` sees each step.
 * Deleting a port removes it from its bridge and deletes its rows (the
 * server's garbage collection would too); deleting a bridge deletes its fake
 * bridges and ports first.
 */
import { type Context, type CommandSyntax, VsctlError, hasOption } from './context.js';
import {
  type VBridge, type VPort, populate, findBridge, findPort, findIface, checkConflicts, verifyPorts,
  addPortToCache, addIfaceToCache, delCachedIface, delCachedPort, strOf,
} from './cache.js';
import type { TxnRow } from './snapshot.js';
import { scalar, type Datum } from '../ovsdb/datum.js';
import { setColumn } from './db-commands.js';
import { compareAtoms } from '../ovsdb/types.js';

function str(s: string): Datum { return scalar(s); }

function uuidSet(uuids: string[]): Datum {
  return { keys: [...new Set(uuids)].sort(), values: null };
}

export function addRef(ctx: Context, row: TxnRow, column: string, uuid: string): void {
  ctx.snap.write(row, column, uuidSet([...ctx.snap.read(row, column).keys as string[], uuid]));
}

export function removeRef(ctx: Context, row: TxnRow, column: string, uuid: string): void {
  ctx.snap.write(row, column, uuidSet((ctx.snap.read(row, column).keys as string[]).filter((u) => u !== uuid)));
}

/** process_escape_args() for the words of one command, options first. */
function commandString(ctx: Context): string {
  const words = [...ctx.cmd.options.keys(), ...ctx.cmd.argv];
  return words.map(escapeArg).join(' ');
}

export function escapeArg(w: string): string {
  if (!/[ \t\r\n\v\\'"]/.test(w)) return w;
  return '"' + w.replace(/["\\]/g, (c) => '\\' + c) + '"';
}

function newIface(ctx: Context, name: string, type?: string): TxnRow {
  const iface = ctx.snap.insert('Interface');
  ctx.snap.write(iface, 'name', str(name));
  if (type) ctx.snap.write(iface, 'type', str(type));
  ctx.newIfaces.push(iface.uuid);
  return iface;
}

function cmdAddBr(ctx: Context): void {
  const { argv } = ctx.cmd;
  const mayExist = hasOption(ctx, '--may-exist');
  const name = argv[1]!;
  if (!name) throw new VsctlError('bridge name must not be empty string');
  let parentName: string | null = null, vlan = 0;
  if (argv.length === 4) {
    parentName = argv[2]!;
    vlan = Number.parseInt(argv[3]!, 10) || 0;
    if (vlan < 0 || vlan > 4095) throw new VsctlError(`${argv[0]}: vlan must be between 0 and 4095`);
  } else if (argv.length !== 2) {
    throw new VsctlError(`'${argv[0]}' command takes exactly 1 or 3 arguments`);
  }
  populate(ctx);
  if (mayExist) {
    const br = findBridge(ctx, name, false);
    if (br) {
      if (!parentName) {
        if (br.parent) throw new VsctlError(`"--may-exist add-br ${name}" but ${name} is a VLAN bridge for VLAN ${br.vlan}`);
      } else if (!br.parent) {
        throw new VsctlError(`"--may-exist add-br ${name} ${parentName} ${vlan}" but ${name} is not a VLAN bridge`);
      } else if (br.parent.name !== parentName) {
        throw new VsctlError(`"--may-exist add-br ${name} ${parentName} ${vlan}" but ${name} has the wrong parent ${br.parent.name}`);
      } else if (br.vlan !== vlan) {
        throw new VsctlError(`"--may-exist add-br ${name} ${parentName} ${vlan}" but ${name} is a VLAN bridge for the wrong VLAN ${br.vlan}`);
      }
      return;
    }
  }
  checkConflicts(ctx, name, `cannot create a bridge named ${name}`);
  const { snap } = ctx;
  if (!parentName) {
    const iface = newIface(ctx, name, 'internal');
    const port = snap.insert('Port');
    snap.write(port, 'name', str(name));
    snap.write(port, 'interfaces', uuidSet([iface.uuid]));
    const br = snap.insert('Bridge');
    snap.write(br, 'name', str(name));
    snap.write(br, 'ports', uuidSet([port.uuid]));
    addRef(ctx, ctx.ovs, 'bridges', br.uuid);
  } else {
    const parent = findBridge(ctx, parentName, false);
    if (parent?.parent) throw new VsctlError('cannot create bridge with fake bridge as parent');
    if (!parent) throw new VsctlError(`parent bridge ${parentName} does not exist`);
    const conflict = parent.children.get(vlan);
    if (conflict) throw new VsctlError(`bridge ${parentName} already has a child VLAN bridge ${conflict.name} on VLAN ${vlan}`);
    const iface = newIface(ctx, name, 'internal');
    const port = snap.insert('Port');
    snap.write(port, 'name', str(name));
    snap.write(port, 'interfaces', uuidSet([iface.uuid]));
    snap.write(port, 'fake_bridge', scalar(true));
    snap.write(port, 'tag', scalar(vlan));
    addRef(ctx, parent.row!, 'ports', port.uuid);
  }
  ctx.cache = null;
}

function delPort(ctx: Context, port: VPort): void {
  const br = port.bridge.parent ?? port.bridge;
  removeRef(ctx, br.row!, 'ports', port.row.uuid);
  for (const iface of [...port.ifaces]) delCachedIface(ctx, iface);
  delCachedPort(ctx, port);
}

function delBridge(ctx: Context, br: VBridge): void {
  for (const child of [...br.children.values()]) delBridge(ctx, child);
  for (const port of [...br.ports]) delPort(ctx, port);
  for (const fscs of ctx.snap.rows('Flow_Sample_Collector_Set')) {
    if (br.row && ctx.snap.read(fscs, 'bridge').keys[0] === br.row.uuid) ctx.snap.delete(fscs);
  }
  if (br.parent) br.parent.children.delete(br.vlan);
  if (br.row) {
    ctx.snap.delete(br.row);
    removeRef(ctx, ctx.ovs, 'bridges', br.row.uuid);
  }
  ctx.cache!.bridges.delete(br.name);
}

function cmdDelBr(ctx: Context): void {
  populate(ctx);
  const br = findBridge(ctx, ctx.cmd.argv[1]!, !hasOption(ctx, '--if-exists'));
  if (br) delBridge(ctx, br);
}

function outputSorted(ctx: Context, names: string[]): void {
  names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  for (const n of names) ctx.cmd.output += `${n}\n`;
}

function cmdListBr(ctx: Context): void {
  let real = hasOption(ctx, '--real'), fake = hasOption(ctx, '--fake');
  if (!real && !fake) real = fake = true;
  const c = populate(ctx);
  outputSorted(ctx, [...c.bridges.values()].filter((b) => (b.parent ? fake : real)).map((b) => b.name));
}

function cmdBrExists(ctx: Context): void {
  populate(ctx);
  if (!findBridge(ctx, ctx.cmd.argv[1]!, false)) throw new VsctlError('', 2);
}

function cmdBrToVlan(ctx: Context): void {
  populate(ctx);
  ctx.cmd.output += `${findBridge(ctx, ctx.cmd.argv[1]!, true)!.vlan}\n`;
}

function cmdBrToParent(ctx: Context): void {
  populate(ctx);
  const br = findBridge(ctx, ctx.cmd.argv[1]!, true)!;
  ctx.cmd.output += `${(br.parent ?? br).name}\n`;
}

function mapWith(d: Datum, key: string, value: string | null): Datum {
  const pairs = d.keys.map((k, i) => [k as string, d.values![i] as string] as [string, string]).filter(([k]) => k !== key);
  if (value !== null) pairs.push([key, value]);
  pairs.sort((a, b) => compareAtoms(a[0], b[0]));
  return { keys: pairs.map((p) => p[0]), values: pairs.map((p) => p[1]) };
}

function cmdBrSetExternalId(ctx: Context): void {
  const { argv } = ctx.cmd;
  populate(ctx);
  const br = findBridge(ctx, argv[1]!, true)!;
  const value = argv.length >= 4 ? argv[3]! : null;
  if (br.row) {
    ctx.snap.verify(br.row, 'external_ids');
    ctx.snap.write(br.row, 'external_ids', mapWith(ctx.snap.read(br.row, 'external_ids'), argv[2]!, value));
  } else {
    const port = ctx.cache!.ports.get(argv[1]!)!;
    ctx.snap.verify(port.row, 'external_ids');
    ctx.snap.write(port.row, 'external_ids', mapWith(ctx.snap.read(port.row, 'external_ids'), `fake-bridge-${argv[2]}`, value));
  }
}

function cmdBrGetExternalId(ctx: Context): void {
  const { argv } = ctx.cmd;
  populate(ctx);
  const br = findBridge(ctx, argv[1]!, true)!;
  const row = br.row ?? ctx.cache!.ports.get(argv[1]!)!.row;
  const prefix = br.row ? '' : 'fake-bridge-';
  ctx.snap.verify(row, 'external_ids');
  const d = ctx.snap.read(row, 'external_ids');
  if (argv.length >= 3) {
    const i = d.keys.indexOf(prefix + argv[2]);
    if (i >= 0) ctx.cmd.output += `${d.values![i]}\n`;
  } else {
    d.keys.forEach((k, i) => {
      if ((k as string).startsWith(prefix)) ctx.cmd.output += `${(k as string).slice(prefix.length)}=${d.values![i]}\n`;
    });
  }
}

function cmdListPorts(ctx: Context): void {
  populate(ctx);
  const br = findBridge(ctx, ctx.cmd.argv[1]!, true)!;
  ctx.snap.verify((br.row ?? br.parent!.row)!, 'ports');
  outputSorted(ctx, br.ports.map((p) => strOf(ctx.snap, p.row, 'name')).filter((n) => n !== br.name));
}

interface AddPortArgs { bridge: string; port: string; mayExist: boolean; fakeIface: boolean; ifaces: string[]; settings: string[] }

function addPort(ctx: Context, a: AddPortArgs): void {
  const { snap } = ctx;
  if (!a.port) throw new VsctlError('port name must not be empty string');
  if (a.ifaces.some((i) => !i)) throw new VsctlError('interface name must not be empty string');
  populate(ctx);
  if (a.mayExist) {
    const existing = findPort(ctx, a.port, false);
    if (existing) {
      const want = [...a.ifaces].sort();
      const have = ctx.snap.read(existing.row, 'interfaces').keys
        .map((u) => snap.get('Interface', u as string)).filter((r): r is TxnRow => !!r)
        .map((r) => strOf(snap, r, 'name')).sort();
      if (existing.bridge.name !== a.bridge) {
        throw new VsctlError(`"${commandString(ctx)}" but ${a.port} is actually attached to bridge ${existing.bridge.name}`);
      }
      if (want.join('\0') !== have.join('\0')) {
        throw new VsctlError(`"${commandString(ctx)}" but ${a.port} actually has interface(s) ${have.join(', ')}`);
      }
      return;
    }
  }
  checkConflicts(ctx, a.port, `cannot create a port named ${a.port}`);
  for (const i of a.ifaces) checkConflicts(ctx, i, `cannot create an interface named ${i}`);
  const bridge = findBridge(ctx, a.bridge, true)!;

  const ifaces = a.ifaces.map((n) => newIface(ctx, n));
  const port = snap.insert('Port');
  snap.write(port, 'name', str(a.port));
  snap.write(port, 'interfaces', uuidSet(ifaces.map((i) => i.uuid)));
  snap.write(port, 'bond_fake_iface', scalar(a.fakeIface));
  if (bridge.parent) snap.write(port, 'tag', scalar(bridge.vlan));
  for (const s of a.settings) setColumn(ctx, snap.table('Port'), port, s, false);
  addRef(ctx, (bridge.parent ?? bridge).row!, 'ports', port.uuid);

  const vport = addPortToCache(ctx, bridge, port);
  for (const i of ifaces) addIfaceToCache(ctx, vport, i);
}

function cmdAddPort(ctx: Context): void {
  const { argv } = ctx.cmd;
  addPort(ctx, {
    bridge: argv[1]!, port: argv[2]!, mayExist: hasOption(ctx, '--may-exist'), fakeIface: false,
    ifaces: [argv[2]!], settings: argv.slice(3),
  });
}

function cmdAddBond(ctx: Context): void {
  const { argv } = ctx.cmd;
  let n = argv.length - 3;
  for (let i = 3; i < argv.length; i++) if (argv[i]!.includes('=')) { n = i - 3; break; }
  if (n < 2) throw new VsctlError(`add-bond requires at least 2 interfaces, but only ${n} were specified`);
  addPort(ctx, {
    bridge: argv[1]!, port: argv[2]!, mayExist: hasOption(ctx, '--may-exist'), fakeIface: hasOption(ctx, '--fake-iface'),
    ifaces: argv.slice(3, 3 + n), settings: argv.slice(3 + n),
  });
}

function cmdAddBondIface(ctx: Context): void {
  populate(ctx);
  const { argv } = ctx.cmd;
  const port = findPort(ctx, argv[1]!, true)!;
  const name = argv[2]!;
  if (hasOption(ctx, '--may-exist')) {
    const iface = findIface(ctx, name, false);
    if (iface) {
      if (iface.port === port) return;
      throw new VsctlError(`"${commandString(ctx)}" but ${name} is actually attached to port ${strOf(ctx.snap, iface.port.row, 'name')}`);
    }
  }
  checkConflicts(ctx, name, `cannot create an interface named ${name}`);
  const iface = newIface(ctx, name);
  addRef(ctx, port.row, 'interfaces', iface.uuid);
  addIfaceToCache(ctx, port, iface);
}

function cmdDelBondIface(ctx: Context): void {
  populate(ctx);
  const { argv } = ctx.cmd;
  const name = argv[argv.length - 1]!;
  const iface = findIface(ctx, name, !hasOption(ctx, '--if-exists'));
  if (!iface) return;
  if (argv.length > 2) {
    const port = findPort(ctx, argv[1]!, true);
    if (iface.port !== port) throw new VsctlError(`port ${argv[1]} does not have an interface ${name}`);
  }
  if (iface.port.ifaces.length <= 1) {
    throw new VsctlError(`cannot delete last interface from port ${strOf(ctx.snap, iface.port.row, 'name')}`);
  }
  removeRef(ctx, iface.port.row, 'interfaces', iface.row.uuid);
  delCachedIface(ctx, iface);
}

function cmdDelPort(ctx: Context): void {
  const { argv } = ctx.cmd;
  const mustExist = !hasOption(ctx, '--if-exists');
  const target = argv[argv.length - 1]!;
  populate(ctx);
  let port: VPort | null;
  if (findBridge(ctx, target, false)) {
    if (mustExist) {
      throw new VsctlError(`cannot delete port ${target} because it is the local port for bridge ${target} (deleting this port requires deleting the entire bridge)`);
    }
    port = null;
  } else if (!hasOption(ctx, '--with-iface')) {
    port = findPort(ctx, target, mustExist);
  } else {
    port = findPort(ctx, target, false) ?? findIface(ctx, target, false)?.port ?? null;
    if (mustExist && !port) throw new VsctlError(`no port or interface named ${target}`);
  }
  if (!port) return;
  if (argv.length === 3) {
    const br = findBridge(ctx, argv[1]!, true)!;
    if (port.bridge !== br) {
      if (port.bridge.parent === br) {
        throw new VsctlError(`bridge ${argv[1]} does not have a port ${argv[2]} (although its child bridge ${port.bridge.name} does)`);
      }
      throw new VsctlError(`bridge ${argv[1]} does not have a port ${argv[2]}`);
    }
  }
  delPort(ctx, port);
}

function cmdPortToBr(ctx: Context): void {
  populate(ctx);
  ctx.cmd.output += `${findPort(ctx, ctx.cmd.argv[1]!, true)!.bridge.name}\n`;
}

function cmdListIfaces(ctx: Context): void {
  populate(ctx);
  const br = findBridge(ctx, ctx.cmd.argv[1]!, true)!;
  verifyPorts(ctx);
  const names: string[] = [];
  for (const p of br.ports) for (const i of p.ifaces) {
    const n = strOf(ctx.snap, i.row, 'name');
    if (n !== br.name) names.push(n);
  }
  outputSorted(ctx, names);
}

function cmdIfaceToBr(ctx: Context): void {
  populate(ctx);
  ctx.cmd.output += `${findIface(ctx, ctx.cmd.argv[1]!, true)!.port.bridge.name}\n`;
}

const MAX = Number.MAX_SAFE_INTEGER;

export const BRIDGE_COMMANDS: CommandSyntax[] = [
  { name: 'add-br', minArgs: 1, maxArgs: 3, usage: 'NEW-BRIDGE [PARENT] [NEW-VLAN]', options: '--may-exist', mode: 'RW', run: cmdAddBr },
  { name: 'del-br', minArgs: 1, maxArgs: 1, usage: 'BRIDGE', options: '--if-exists', mode: 'RW', run: cmdDelBr },
  { name: 'list-br', minArgs: 0, maxArgs: 0, usage: '', options: '--real,--fake', mode: 'RO', run: cmdListBr },
  { name: 'br-exists', minArgs: 1, maxArgs: 1, usage: 'BRIDGE', options: '', mode: 'RO', run: cmdBrExists },
  { name: 'br-to-vlan', minArgs: 1, maxArgs: 1, usage: 'BRIDGE', options: '', mode: 'RO', run: cmdBrToVlan },
  { name: 'br-to-parent', minArgs: 1, maxArgs: 1, usage: 'BRIDGE', options: '', mode: 'RO', run: cmdBrToParent },
  { name: 'br-set-external-id', minArgs: 2, maxArgs: 3, usage: 'BRIDGE KEY [VALUE]', options: '', mode: 'RW', run: cmdBrSetExternalId },
  { name: 'br-get-external-id', minArgs: 1, maxArgs: 2, usage: 'BRIDGE [KEY]', options: '', mode: 'RO', run: cmdBrGetExternalId },
  { name: 'list-ports', minArgs: 1, maxArgs: 1, usage: 'BRIDGE', options: '', mode: 'RO', run: cmdListPorts },
  { name: 'add-port', minArgs: 2, maxArgs: MAX, usage: 'BRIDGE NEW-PORT [COLUMN[:KEY]=VALUE]...', options: '--may-exist', mode: 'RW', run: cmdAddPort },
  { name: 'del-port', minArgs: 1, maxArgs: 2, usage: '[BRIDGE] PORT|IFACE', options: '--if-exists,--with-iface', mode: 'RW', run: cmdDelPort },
  { name: 'port-to-br', minArgs: 1, maxArgs: 1, usage: 'PORT', options: '', mode: 'RO', run: cmdPortToBr },
  { name: 'add-bond', minArgs: 4, maxArgs: MAX, usage: 'BRIDGE BOND IFACE... [COLUMN[:KEY]=VALUE]...', options: '--may-exist,--fake-iface', mode: 'RW', run: cmdAddBond },
  { name: 'add-bond-iface', minArgs: 2, maxArgs: 2, usage: 'BOND IFACE', options: '--may-exist', mode: 'RW', run: cmdAddBondIface },
  { name: 'del-bond-iface', minArgs: 1, maxArgs: 2, usage: '[BOND] IFACE', options: '--if-exists', mode: 'RW', run: cmdDelBondIface },
  { name: 'list-ifaces', minArgs: 1, maxArgs: 1, usage: 'BRIDGE', options: '', mode: 'RO', run: cmdListIfaces },
  { name: 'iface-to-br', minArgs: 1, maxArgs: 1, usage: 'IFACE', options: '', mode: 'RO', run: cmdIfaceToBr },
];
