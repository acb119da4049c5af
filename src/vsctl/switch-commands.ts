/**
 * ovs-vsctl's switch-wide commands: init, emer-reset, controllers and
 * fail mode of a bridge, managers, SSL, and Auto Attach mappings.
 * Controllers and managers are replaced wholesale: `set-controller`
 * deletes the bridge's Controller rows and inserts one per target.
 */
import { type Context, type CommandSyntax, VsctlError, hasOption, optionValue } from './context.js';
import { populate, findBridge, findRealBridge, refs, strOf } from './cache.js';
import type { TxnRow } from './snapshot.js';
import { scalar, type Datum } from '../ovsdb/datum.js';

const EMPTY_SET: Datum = { keys: [], values: null };
const EMPTY_MAP: Datum = { keys: [], values: [] };

function uuidSet(uuids: string[]): Datum {
  return { keys: [...new Set(uuids)].sort(), values: null };
}

function sortBytes(names: string[]): string[] {
  return names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
}

const ACTIVE = ['tcp', 'ssl', 'unix'];
const PASSIVE = ['ptcp', 'pssl', 'punix'];

function warnUnlikelyTarget(ctx: Context, target: string): void {
  const kind = target.slice(0, Math.max(0, target.indexOf(':')));
  if (!target.includes(':') || (!ACTIVE.includes(kind) && !PASSIVE.includes(kind))) {
    ctx.log.warn('vsctl', `target type "${target}" is possibly erroneous`);
  }
}

function verifyControllers(ctx: Context, br: TxnRow): void {
  ctx.snap.verify(br, 'controller');
  for (const c of refs(ctx.snap, br, 'controller', 'Controller')) ctx.snap.verify(c, 'target');
}

function cmdGetController(ctx: Context): void {
  populate(ctx);
  let br = findBridge(ctx, ctx.cmd.argv[1]!, true)!;
  br = br.parent ?? br;
  verifyControllers(ctx, br.row!);
  const targets = refs(ctx.snap, br.row!, 'controller', 'Controller').map((c) => strOf(ctx.snap, c, 'target'));
  for (const t of sortBytes(targets)) ctx.cmd.output += `${t}\n`;
}

function cmdDelController(ctx: Context): void {
  populate(ctx);
  const br = findRealBridge(ctx, ctx.cmd.argv[1]!, true)!.row!;
  verifyControllers(ctx, br);
  const ctrls = refs(ctx.snap, br, 'controller', 'Controller');
  if (ctx.snap.read(br, 'controller').keys.length) {
    for (const c of ctrls) ctx.snap.delete(c);
    ctx.snap.write(br, 'controller', EMPTY_SET);
  }
}

function insertTargets(ctx: Context, table: string, targets: string[]): string[] {
  const probe = optionValue(ctx, '--inactivity-probe');
  return targets.map((t) => {
    warnUnlikelyTarget(ctx, t);
    const row = ctx.snap.insert(table);
    ctx.snap.write(row, 'target', scalar(t));
    if (probe !== undefined) ctx.snap.write(row, 'inactivity_probe', scalar(Number.parseInt(probe, 10) || 0));
    return row.uuid;
  });
}

function cmdSetController(ctx: Context): void {
  populate(ctx);
  const br = findRealBridge(ctx, ctx.cmd.argv[1]!, true)!.row!;
  verifyControllers(ctx, br);
  for (const c of refs(ctx.snap, br, 'controller', 'Controller')) ctx.snap.delete(c);
  ctx.snap.write(br, 'controller', uuidSet(insertTargets(ctx, 'Controller', ctx.cmd.argv.slice(2))));
}

function cmdGetFailMode(ctx: Context): void {
  populate(ctx);
  let br = findBridge(ctx, ctx.cmd.argv[1]!, true)!;
  br = br.parent ?? br;
  ctx.snap.verify(br.row!, 'fail_mode');
  const mode = strOf(ctx.snap, br.row!, 'fail_mode');
  if (mode) ctx.cmd.output += `${mode}\n`;
}

function cmdDelFailMode(ctx: Context): void {
  populate(ctx);
  ctx.snap.write(findRealBridge(ctx, ctx.cmd.argv[1]!, true)!.row!, 'fail_mode', EMPTY_SET);
}

function cmdSetFailMode(ctx: Context): void {
  populate(ctx);
  const br = findRealBridge(ctx, ctx.cmd.argv[1]!, true)!;
  const mode = ctx.cmd.argv[2]!;
  if (mode !== 'standalone' && mode !== 'secure') throw new VsctlError('fail-mode must be "standalone" or "secure"');
  ctx.snap.write(br.row!, 'fail_mode', scalar(mode));
}

function verifyManagers(ctx: Context): void {
  ctx.snap.verify(ctx.ovs, 'manager_options');
  for (const m of refs(ctx.snap, ctx.ovs, 'manager_options', 'Manager')) ctx.snap.verify(m, 'target');
}

function cmdGetManager(ctx: Context): void {
  verifyManagers(ctx);
  const targets = refs(ctx.snap, ctx.ovs, 'manager_options', 'Manager').map((m) => strOf(ctx.snap, m, 'target'));
  for (const t of [...new Set(sortBytes(targets))]) ctx.cmd.output += `${t}\n`;
}

function deleteManagers(ctx: Context): void {
  for (const m of refs(ctx.snap, ctx.ovs, 'manager_options', 'Manager')) ctx.snap.delete(m);
  ctx.snap.write(ctx.ovs, 'manager_options', EMPTY_SET);
}

function cmdDelManager(ctx: Context): void {
  verifyManagers(ctx);
  deleteManagers(ctx);
}

function cmdSetManager(ctx: Context): void {
  verifyManagers(ctx);
  deleteManagers(ctx);
  ctx.snap.write(ctx.ovs, 'manager_options', uuidSet(insertTargets(ctx, 'Manager', ctx.cmd.argv.slice(1))));
}

function sslRow(ctx: Context): TxnRow | null {
  return refs(ctx.snap, ctx.ovs, 'ssl', 'SSL')[0] ?? null;
}

function cmdGetSsl(ctx: Context): void {
  const ssl = sslRow(ctx);
  ctx.snap.verify(ctx.ovs, 'ssl');
  if (!ssl) return;
  for (const c of ['private_key', 'certificate', 'ca_cert', 'bootstrap_ca_cert']) ctx.snap.verify(ssl, c);
  const s = (c: string): string => strOf(ctx.snap, ssl, c);
  ctx.cmd.output += `Private key: ${s('private_key')}\nCertificate: ${s('certificate')}\nCA Certificate: ${s('ca_cert')}\n`;
  ctx.cmd.output += `Bootstrap: ${ctx.snap.read(ssl, 'bootstrap_ca_cert').keys[0] === true ? 'true' : 'false'}\n`;
}

function cmdDelSsl(ctx: Context): void {
  const ssl = sslRow(ctx);
  if (!ssl) return;
  ctx.snap.verify(ctx.ovs, 'ssl');
  ctx.snap.delete(ssl);
  ctx.snap.write(ctx.ovs, 'ssl', EMPTY_SET);
}

function cmdSetSsl(ctx: Context): void {
  const old = sslRow(ctx);
  ctx.snap.verify(ctx.ovs, 'ssl');
  if (old) ctx.snap.delete(old);
  const ssl = ctx.snap.insert('SSL');
  const { argv } = ctx.cmd;
  ctx.snap.write(ssl, 'private_key', scalar(argv[1]!));
  ctx.snap.write(ssl, 'certificate', scalar(argv[2]!));
  ctx.snap.write(ssl, 'ca_cert', scalar(argv[3]!));
  ctx.snap.write(ssl, 'bootstrap_ca_cert', scalar(hasOption(ctx, '--bootstrap')));
  ctx.snap.write(ctx.ovs, 'ssl', uuidSet([ssl.uuid]));
}

function cmdEmerReset(ctx: Context): void {
  const { snap } = ctx;
  snap.write(ctx.ovs, 'manager_options', EMPTY_SET);
  snap.write(ctx.ovs, 'ssl', EMPTY_SET);
  for (const br of snap.rows('Bridge')) {
    for (const c of ['controller', 'fail_mode', 'mirrors', 'netflow', 'sflow', 'ipfix', 'flood_vlans']) snap.write(br, c, EMPTY_SET);
    const oc = snap.read(br, 'other_config');
    const i = oc.keys.indexOf('hwaddr');
    snap.write(br, 'other_config', i >= 0 ? { keys: ['hwaddr'], values: [oc.values![i]!] } : EMPTY_MAP);
  }
  for (const p of snap.rows('Port')) snap.write(p, 'other_config', EMPTY_MAP);
  for (const i of snap.rows('Interface')) {
    snap.write(i, 'ingress_policing_rate', scalar(0));
    snap.write(i, 'ingress_policing_burst', scalar(0));
  }
  for (const t of ['Mirror', 'Controller', 'Manager', 'NetFlow', 'SSL', 'sFlow', 'IPFIX', 'Flow_Sample_Collector_Set']) {
    for (const r of snap.rows(t)) snap.delete(r);
  }
  ctx.cache = null;
}

function parseIsidVlan(ctx: Context): [number, number] {
  const out: number[] = [];
  for (const s of ctx.cmd.argv.slice(2, 4)) {
    const m = /^\s*[+-]?\d+/.exec(s);
    if (!m) throw new VsctlError(`Invalid argument ${s}`);
    out.push(Number(m[0]));
  }
  return [out[0]!, out[1]!];
}

function autoAttach(ctx: Context): TxnRow | null {
  populate(ctx);
  let br = findBridge(ctx, ctx.cmd.argv[1]!, true)!;
  br = br.parent ?? br;
  return br.row ? refs(ctx.snap, br.row, 'auto_attach', 'AutoAttach')[0] ?? null : null;
}

function cmdAddAaMapping(ctx: Context): void {
  const [isid, vlan] = parseIsidVlan(ctx);
  populate(ctx);
  let br = findBridge(ctx, ctx.cmd.argv[1]!, true)!;
  br = br.parent ?? br;
  if (!br.row) return;
  let aa = refs(ctx.snap, br.row, 'auto_attach', 'AutoAttach')[0];
  if (!aa) {
    aa = ctx.snap.insert('AutoAttach');
    ctx.snap.write(br.row, 'auto_attach', uuidSet([aa.uuid]));
  }
  const m = ctx.snap.read(aa, 'mappings');
  const pairs = m.keys.map((k, i) => [k as number, m.values![i] as number]).filter(([k]) => k !== isid);
  pairs.push([isid, vlan]);
  pairs.sort((a, b) => a[0]! - b[0]!);
  ctx.snap.write(aa, 'mappings', { keys: pairs.map((p) => p[0]!), values: pairs.map((p) => p[1]!) });
}

function cmdDelAaMapping(ctx: Context): void {
  const [isid, vlan] = parseIsidVlan(ctx);
  const aa = autoAttach(ctx);
  if (!aa) return;
  const m = ctx.snap.read(aa, 'mappings');
  if (!m.keys.some((k, i) => k === isid && m.values![i] === vlan)) return;
  const keep = m.keys.map((k, i) => [k as number, m.values![i] as number]).filter(([k, v]) => k !== isid && v !== vlan);
  ctx.snap.write(aa, 'mappings', { keys: keep.map((p) => p[0]!), values: keep.map((p) => p[1]!) });
}

function cmdGetAaMapping(ctx: Context): void {
  populate(ctx);
  let br = findBridge(ctx, ctx.cmd.argv[1]!, true)!;
  br = br.parent ?? br;
  if (!br.row) return;
  ctx.snap.verify(br.row, 'auto_attach');
  const aa = refs(ctx.snap, br.row, 'auto_attach', 'AutoAttach')[0];
  if (!aa) return;
  ctx.snap.verify(aa, 'mappings');
  const m = ctx.snap.read(aa, 'mappings');
  m.keys.forEach((k, i) => { ctx.cmd.output += `${k} ${m.values![i]}\n`; });
}

const MAX = Number.MAX_SAFE_INTEGER;

export const SWITCH_COMMANDS: CommandSyntax[] = [
  { name: 'init', minArgs: 0, maxArgs: 0, usage: '', options: '', mode: 'RW', run: () => {} },
  { name: 'emer-reset', minArgs: 0, maxArgs: 0, usage: '', options: '', mode: 'RW', run: cmdEmerReset },
  { name: 'get-controller', minArgs: 1, maxArgs: 1, usage: 'BRIDGE', options: '', mode: 'RO', run: cmdGetController },
  { name: 'del-controller', minArgs: 1, maxArgs: 1, usage: 'BRIDGE', options: '', mode: 'RW', run: cmdDelController },
  { name: 'set-controller', minArgs: 1, maxArgs: MAX, usage: 'BRIDGE TARGET...', options: '--inactivity-probe=', mode: 'RW', run: cmdSetController },
  { name: 'get-fail-mode', minArgs: 1, maxArgs: 1, usage: 'BRIDGE', options: '', mode: 'RO', run: cmdGetFailMode },
  { name: 'del-fail-mode', minArgs: 1, maxArgs: 1, usage: 'BRIDGE', options: '', mode: 'RW', run: cmdDelFailMode },
  { name: 'set-fail-mode', minArgs: 2, maxArgs: 2, usage: 'BRIDGE MODE', options: '', mode: 'RW', run: cmdSetFailMode },
  { name: 'get-manager', minArgs: 0, maxArgs: 0, usage: '', options: '', mode: 'RO', run: cmdGetManager },
  { name: 'del-manager', minArgs: 0, maxArgs: 0, usage: '', options: '', mode: 'RW', run: cmdDelManager },
  { name: 'set-manager', minArgs: 1, maxArgs: MAX, usage: 'TARGET...', options: '--inactivity-probe=', mode: 'RW', run: cmdSetManager },
  { name: 'get-ssl', minArgs: 0, maxArgs: 0, usage: '', options: '', mode: 'RO', run: cmdGetSsl },
  { name: 'del-ssl', minArgs: 0, maxArgs: 0, usage: '', options: '', mode: 'RW', run: cmdDelSsl },
  { name: 'set-ssl', minArgs: 3, maxArgs: 3, usage: 'PRIVATE-KEY CERTIFICATE CA-CERT', options: '--bootstrap', mode: 'RW', run: cmdSetSsl },
  { name: 'add-aa-mapping', minArgs: 3, maxArgs: 3, usage: 'BRIDGE ARG ARG', options: '', mode: 'RW', run: cmdAddAaMapping },
  { name: 'del-aa-mapping', minArgs: 3, maxArgs: 3, usage: 'BRIDGE ARG ARG', options: '', mode: 'RW', run: cmdDelAaMapping },
  { name: 'get-aa-mapping', minArgs: 1, maxArgs: 1, usage: 'BRIDGE', options: '', mode: 'RO', run: cmdGetAaMapping },
];
