/**
 * Datapath commands: conntrack zone timeout policies (add-zone-tp,
 * del-zone-tp, list-zone-tp) and datapath capabilities (list-dp-cap), on
 * the Datapath rows that Open_vSwitch.datapaths names. A timeout policy row
 * is shared: adding a zone reuses an existing CT_Timeout_Policy with the
 * same timeouts. Zone map changes are partial updates, as in ovs-vsctl.
 */
import { type Context, type CommandSyntax, VsctlError, hasOption } from './context.js';
import type { TxnRow } from './snapshot.js';
import { hmapOrder, hashString } from './hmap-order.js';

function findDatapath(ctx: Context, name: string): TxnRow | null {
  const d = ctx.snap.read(ctx.ovs, 'datapaths');
  const i = d.keys.indexOf(name);
  return i < 0 ? null : ctx.snap.get('Datapath', d.values![i] as string) ?? null;
}

/** `zone=N` as C's sscanf("%i"): decimal, 0x hex or 0 octal. */
function parseZone(s: string): number {
  const m = /^zone=\s*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9]\d*)/.exec(s);
  if (!m) return 0;
  const body = m[2]!;
  const n = /^0[xX]/.test(body) ? parseInt(body.slice(2), 16) : body.length > 1 && body.startsWith('0') ? parseInt(body, 8) : Number(body);
  return m[1] === '-' ? -n : n;
}

function zoneEntry(ctx: Context, dp: TxnRow, zone: number): { index: number; row: TxnRow | null } {
  const z = ctx.snap.read(dp, 'ct_zones');
  const i = z.keys.indexOf(zone);
  return { index: i, row: i < 0 ? null : ctx.snap.get('CT_Zone', z.values![i] as string) ?? null };
}

function cmdAddZoneTp(ctx: Context): void {
  const { argv } = ctx.cmd;
  const zone = parseZone(argv[2]!);
  const dp = findDatapath(ctx, argv[1]!);
  if (!dp) throw new VsctlError(`datapath ${argv[1]} does not exist`);
  const policies = argv.slice(3);
  const { index, row: zoneRow } = zoneEntry(ctx, dp, zone);
  if (policies.length <= 0) throw new VsctlError('No timeout policy');
  if (index >= 0 && !hasOption(ctx, '--may-exist')) throw new VsctlError(`zone id ${zone} already exists`);

  const wanted = new Map<string, number>();
  for (const p of policies) {
    const eq = p.indexOf('=');
    const key = eq < 0 ? p : p.slice(0, eq);
    wanted.set(key, Number.parseInt(eq < 0 ? '' : p.slice(eq + 1), 10) || 0);
  }
  let tp = ctx.snap.rows('CT_Timeout_Policy').find((r) => {
    const t = ctx.snap.read(r, 'timeouts');
    return t.keys.length === wanted.size && t.keys.every((k, i) => wanted.get(k as string) === t.values![i]);
  });
  if (!tp) {
    tp = ctx.snap.insert('CT_Timeout_Policy');
    const keys = [...wanted.keys()].sort();
    ctx.snap.write(tp, 'timeouts', { keys, values: keys.map((k) => wanted.get(k)!) });
  }
  const tpRef = { keys: [tp.uuid], values: null };
  if (zoneRow) {
    ctx.snap.write(zoneRow, 'timeout_policy', tpRef);
  } else {
    const z = ctx.snap.insert('CT_Zone');
    ctx.snap.write(z, 'timeout_policy', tpRef);
    ctx.snap.mutate(dp, 'ct_zones', 'insert', ['map', [[zone, ['uuid', z.uuid]]]]);
  }
}

function cmdDelZoneTp(ctx: Context): void {
  const { argv } = ctx.cmd;
  const zone = parseZone(argv[2]!);
  const dp = findDatapath(ctx, argv[1]!);
  if (!dp) throw new VsctlError(`datapath ${argv[1]} does not exist`);
  const { index } = zoneEntry(ctx, dp, zone);
  if (index < 0 && !hasOption(ctx, '--if-exists')) throw new VsctlError(`zone id ${zone} does not exist`);
  if (index >= 0) ctx.snap.mutate(dp, 'ct_zones', 'delete', ['set', [zone]]);
}

function cmdListZoneTp(ctx: Context): void {
  const dp = findDatapath(ctx, ctx.cmd.argv[1]!);
  if (!dp) throw new VsctlError(`datapath: ${ctx.cmd.argv[1]} record not found`);
  const z = ctx.snap.read(dp, 'ct_zones');
  z.keys.forEach((k, i) => {
    const zone = ctx.snap.get('CT_Zone', z.values![i] as string);
    const tp = zone ? ctx.snap.get('CT_Timeout_Policy', ctx.snap.read(zone, 'timeout_policy').keys[0] as string) : undefined;
    let line = `Zone:${k}, Timeout Policies: `;
    if (tp) {
      const t = ctx.snap.read(tp, 'timeouts');
      line += t.keys.map((key, j) => `${key}=${t.values![j]}`).join(' ');
    } else {
      line += 'system default';
    }
    ctx.cmd.output += line.replace(/ +$/, '') + '\n';
  });
}

function cmdListDpCap(ctx: Context): void {
  const dp = findDatapath(ctx, ctx.cmd.argv[1]!);
  if (!dp) throw new VsctlError(`datapath "${ctx.cmd.argv[1]}" record not found`);
  const c = ctx.snap.read(dp, 'capabilities');
  const pairs = c.keys.map((k, i) => [k as string, c.values![i] as string] as const);
  ctx.cmd.output += hmapOrder(pairs, ([k]) => hashString(k)).map(([k, v]) => `${k}=${v}`).join(' ') + '\n';
}

const MAX = Number.MAX_SAFE_INTEGER;

export const DATAPATH_COMMANDS: CommandSyntax[] = [
  { name: 'add-zone-tp', minArgs: 3, maxArgs: MAX, usage: '', options: '--may-exist', mode: 'RW', run: cmdAddZoneTp },
  { name: 'del-zone-tp', minArgs: 2, maxArgs: 2, usage: '', options: '--if-exists', mode: 'RW', run: cmdDelZoneTp },
  { name: 'list-zone-tp', minArgs: 1, maxArgs: 1, usage: '', options: '', mode: 'RO', run: cmdListZoneTp },
  { name: 'list-dp-cap', minArgs: 1, maxArgs: 1, usage: '', options: '', mode: 'RO', run: cmdListDpCap },
];
