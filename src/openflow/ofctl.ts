/**
 * `weft ofctl`: the common ovs-ofctl commands with its syntax and output
 * (show, dump-flows, dump-aggregate, add-flow(s), mod-flows, del-flows,
 * dump-ports, dump-ports-desc, dump-tables, dump-desc, dump-groups,
 * add-group, mod-group, del-groups, packet-out, monitor).
 *
 * Each command opens the connections ovs-ofctl opens, in the same order
 * (flow_mods first ask for the tables and the ports, to resolve names),
 * so replies carry the same xids and print the same. OpenFlow 1.0 with
 * Nicira extensions is the default; `-O OpenFlow13` selects 1.3. Flows
 * travel in the plainest form that can carry them (OpenFlow 1.0 match,
 * else NXM), as ovs-ofctl chooses.
 */
import * as fs from 'node:fs';
import { OfClient, allocXid, resetXids, type ClientOptions } from './client.js';
import { buildMessage, buildNx, statsHeader, nxStatsHeader, statsOf, Writer, type OfMessage } from './message.js';
import { NXT, OFP10, OFP13, OFPGC, OFPMP, OFPP, OFPG_ALL, VERSION_NAMES, msgName } from './constants.js';
import { encodeFlowMod, encodeFlowStatsRequest, decodeFlowStats, type FlowModCommand } from './flow-mod.js';
import { parseFlowModString, formatFlowStats, duration } from './ofctl-syntax.js';
import { FlowSyntaxError } from '../packet/flow-syntax.js';
import { decodeFeaturesReply, decodePortStats, decodeConfig, type PortDesc } from './switch-msgs.js';
import { formatError, formatPortDesc, header, decodePortDescReply, sortPorts, portName, formatPacketIn } from './ofp-print.js';
import { encodeGroupMod, formatGroup, parseGroup, decodeGroupDesc, groupMultipartRequest } from './group.js';
import { encodePacketOut } from './packet-msgs.js';
import { parseActions, ActionSyntaxError } from './action-syntax.js';
import { portFromName } from '../packet/ports.js';

export interface OfctlIo {
  readonly prog: string;
  stdout(s: string): void;
  stderr(s: string): void;
  readonly env: NodeJS.ProcessEnv;
}

interface Opts {
  versions: number[];
  names: boolean;
  stats: boolean;
  strict: boolean;
  timeoutMs: number;
  rundir: string;
}

class Fatal extends Error {}

const HELP = `weft ofctl: OpenFlow switch management utility (ovs-ofctl compatible)
usage: weft ofctl [OPTIONS] COMMAND [ARG...]

  show SWITCH                 show OpenFlow information
  dump-desc SWITCH            print switch description
  dump-tables SWITCH          print table stats
  dump-ports SWITCH [PORT]    print port statistics
  dump-ports-desc SWITCH      print port descriptions
  dump-flows SWITCH [FLOW]    print matching flow entries
  dump-aggregate SWITCH [FLOW]  print aggregate stats for FLOWs
  add-flow SWITCH FLOW        add flow described by FLOW
  add-flows SWITCH FILE       add flows from FILE
  mod-flows SWITCH FLOW       modify actions of matching FLOWs
  del-flows SWITCH [FLOW]     delete matching FLOWs
  add-group SWITCH GROUP      add group described by GROUP
  mod-group SWITCH GROUP      modify specific group
  del-groups SWITCH [GROUP]   delete matching GROUPs
  dump-groups SWITCH          print group description
  packet-out SWITCH IN_PORT ACTIONS PACKET...  execute ACTIONS on PACKET
  monitor SWITCH [MISSLEN]    print packets received from SWITCH
SWITCH is a bridge name (its <rundir>/BRIDGE.mgmt), unix:FILE or tcp:HOST[:PORT].

Options: -O, --protocols=OpenFlow10|OpenFlow13  --names  --no-names  --no-stats
         --strict  -t, --timeout=SECS  -h, --help  -V, --version
`;

const USAGE: Record<string, [number, number]> = {
  show: [1, 1], 'dump-flows': [1, 2], 'dump-aggregate': [1, 2], 'add-flow': [2, 2], 'add-flows': [2, 2], 'mod-flows': [2, 2],
  'del-flows': [1, 2], 'dump-ports': [1, 2], 'dump-ports-desc': [1, 2], 'dump-tables': [1, 1], 'dump-desc': [1, 1],
  'dump-groups': [1, 2], 'add-group': [2, 2], 'mod-group': [2, 2], 'del-groups': [1, 2], 'packet-out': [4, Infinity], monitor: [1, 3],
};

function parseVersions(list: string): number[] {
  const out: number[] = [];
  for (const name of list.split(',')) {
    const v = Number(Object.entries(VERSION_NAMES).find(([, n]) => n.toLowerCase() === name.trim().toLowerCase())?.[0]);
    if (!v) throw new Fatal(`${name}: unknown OpenFlow version`);
    if (v !== OFP10 && v !== OFP13) throw new Fatal(`${name}: OpenFlow version not supported by this tool (use OpenFlow10 or OpenFlow13)`);
    out.push(v);
  }
  return out;
}

export async function runOfctl(argv: readonly string[], io: OfctlIo): Promise<number> {
  const opts: Opts = { versions: [OFP10], names: false, stats: true, strict: false, timeoutMs: 10000, rundir: io.env.OVS_RUNDIR ?? '/var/run/openvswitch' };
  const args: string[] = [];
  try {
    for (let i = 0; i < argv.length; i++) {
      const a = argv[i]!;
      const val = () => (a.includes('=') ? a.slice(a.indexOf('=') + 1) : argv[++i] ?? '');
      if (a === '-O' || a.startsWith('--protocols')) opts.versions = parseVersions(val());
      else if (a.startsWith('-O')) opts.versions = parseVersions(a.slice(2));
      else if (a === '--names') opts.names = true;
      else if (a === '--no-names') opts.names = false;
      else if (a === '--no-stats') opts.stats = false;
      else if (a === '--strict') opts.strict = true;
      else if (a === '-t' || a.startsWith('--timeout')) opts.timeoutMs = Number(val()) * 1000;
      else if (a === '-F' || a.startsWith('--flow-format') || a === '-P' || a.startsWith('--packet-in-format')) val();
      else if (a === '-h' || a === '--help') { io.stdout(HELP); return 0; }
      else if (a === '-V' || a === '--version') { io.stdout('weft ofctl 0.1.0 (OpenFlow versions 0x1, 0x4)\n'); return 0; }
      else if (a.startsWith('-') && a !== '-') throw new Fatal(`unrecognized option '${a}'`);
      else args.push(a);
    }
    const [cmd, ...rest] = args;
    if (!cmd) throw new Fatal(`missing command name; use --help for help`);
    const u = USAGE[cmd];
    if (!u) throw new Fatal(`unknown command '${cmd}'; use --help for help`);
    if (rest.length < u[0]) throw new Fatal(`'${cmd}' command requires at least ${u[0]} arguments`);
    if (rest.length > u[1]) throw new Fatal(`'${cmd}' command takes at most ${u[1]} arguments`);
    resetXids();
    return await new Ofctl(opts, io).run(cmd, rest);
  } catch (e) {
    if (e instanceof Fatal || e instanceof FlowSyntaxError || e instanceof ActionSyntaxError || (e instanceof Error && e.name === 'OfClientError')) {
      io.stderr(`${io.prog}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

class Ofctl {
  constructor(private readonly o: Opts, private readonly io: OfctlIo) {}

  private clientOpts(): ClientOptions {
    return { versions: this.o.versions, rundir: this.o.rundir, timeoutMs: this.o.timeoutMs };
  }

  private async open(target: string): Promise<OfClient> {
    return OfClient.connect(target, this.clientOpts());
  }

  private print(m: OfMessage): boolean {
    if (msgName(m.version, m.type) === 'ERROR') { this.io.stderr(formatError(m) + '\n'); return false; }
    return true;
  }

  async run(cmd: string, a: string[]): Promise<number> {
    switch (cmd) {
      case 'show': return this.show(a[0]!);
      case 'dump-flows': case 'dump-aggregate': return this.dumpFlows(a[0]!, a[1] ?? '', cmd === 'dump-aggregate');
      case 'add-flow': return this.flowMods(a[0]!, [a[1]!], 'add');
      case 'add-flows': return this.flowMods(a[0]!, readLines(a[1]!), 'add');
      case 'mod-flows': return this.flowMods(a[0]!, [a[1]!], this.o.strict ? 'modify_strict' : 'modify');
      case 'del-flows': return this.flowMods(a[0]!, [a[1] ?? ''], this.o.strict ? 'delete_strict' : 'delete');
      case 'dump-ports': return this.dumpPorts(a[0]!, a[1]);
      case 'dump-ports-desc': return this.simpleStats(a[0]!, OFPMP.PORT_DESC, (m) => this.portDescLines(m));
      case 'dump-tables': return this.simpleStats(a[0]!, OFPMP.TABLE, (m) => tableLines(m));
      case 'dump-desc': return this.simpleStats(a[0]!, OFPMP.DESC, (m) => descLines(m));
      case 'dump-groups': return this.dumpGroups(a[0]!);
      case 'add-group': case 'mod-group': case 'del-groups':
        return this.groupMod(a[0]!, a[1] ?? '', cmd === 'add-group' ? OFPGC.ADD : cmd === 'mod-group' ? OFPGC.MODIFY : OFPGC.DELETE);
      case 'packet-out': return this.packetOut(a[0]!, a[1]!, a[2]!, a.slice(3));
      case 'monitor': return this.monitor(a[0]!, a.slice(1));
      default: throw new Fatal(`unknown command '${cmd}'`);
    }
  }

  /** Port names, as ovs-ofctl asks for them: FEATURES in 1.0, PORT_DESC in 1.3. */
  private async ports(target: string): Promise<PortDesc[]> {
    const c = await this.open(target);
    try {
      const v = c.version;
      if (v === OFP10) return [...decodeFeaturesReply((await c.transact(buildMessage(v, 'FEATURES_REQUEST', allocXid())))[0]!).ports];
      const pd = await c.transact(buildMessage(v, 'STATS_REQUEST', allocXid(), (w) => statsHeader(w, v, OFPMP.PORT_DESC)));
      return pd.flatMap(decodePortDescReply);
    } finally { c.close(); }
  }

  /** What ovs-ofctl fetches before sending a flow (tables, then ports for names). */
  private async prelude(target: string): Promise<PortDesc[]> {
    const c = await this.open(target);
    const v = c.version;
    await c.transact(buildMessage(v, 'STATS_REQUEST', allocXid(), (w) => statsHeader(w, v, v === OFP10 ? OFPMP.TABLE : OFPMP.TABLE_FEATURES)));
    c.close();
    return this.ports(target);
  }

  private portDescLines(m: OfMessage): string {
    return sortPorts(decodePortDescReply(m)).map(formatPortDesc).join('\n');
  }

  private async show(target: string): Promise<number> {
    let c = await this.open(target);
    const v = c.version;
    const f = await c.transact(buildMessage(v, 'FEATURES_REQUEST', allocXid()));
    const fm = f[0]!;
    const feat = decodeFeaturesReply(fm);
    const out = [`${header(fm)} dpid:${feat.datapathId.toString(16).padStart(16, '0')}`, `n_tables:${feat.nTables}, n_buffers:0`];
    if (v === OFP10) {
      out.push('capabilities: FLOW_STATS TABLE_STATS PORT_STATS QUEUE_STATS ARP_MATCH_IP');
      out.push('actions: output enqueue set_vlan_vid set_vlan_pcp strip_vlan mod_dl_src mod_dl_dst mod_nw_src mod_nw_dst mod_nw_tos mod_tp_src mod_tp_dst');
      out.push(...sortPorts([...feat.ports]).map(formatPortDesc));
    } else {
      out.push('capabilities: FLOW_STATS TABLE_STATS PORT_STATS GROUP_STATS QUEUE_STATS');
      const pd = await c.transact(buildMessage(v, 'STATS_REQUEST', allocXid(), (w) => statsHeader(w, v, OFPMP.PORT_DESC)));
      for (const m of pd) out.push(header(m), this.portDescLines(m));
    }
    c.close();
    c = await this.open(target);
    const cfg = (await c.transact(buildMessage(v, 'GET_CONFIG_REQUEST', allocXid())))[0]!;
    const conf = decodeConfig(cfg);
    out.push(`${header(cfg)} frags=${['normal', 'drop', 'reassemble', 'nx-match'][conf.flags & 3]} miss_send_len=${conf.missSendLen}`);
    c.close();
    this.io.stdout(out.join('\n') + '\n');
    return 0;
  }

  private portNames(ports: PortDesc[]): Map<number, string> {
    return new Map(ports.map((p) => [p.portNo, p.name]));
  }

  private async dumpFlows(target: string, flow: string, aggregate: boolean): Promise<number> {
    const ports = flow !== '' || this.o.names ? await this.prelude(target) : [];
    const names = this.o.names ? this.portNames(ports) : null;
    const byName = new Map(ports.map((p) => [p.name, p.portNo]));
    // ovs-ofctl prints the reply headers and flow ages only in its plain form (no --names, with stats).
    const plain = this.o.stats && !this.o.names;
    const { fm } = parseFlowModString(flow, 'delete', { portByName: (n) => byName.get(n) });
    const c = await this.open(target);
    const v = c.version;
    const proto = { version: v, nxm: v === OFP10, tableIdExt: false };
    if (v === OFP10) {
      await c.transactNoReply([buildNx(v, allocXid(), NXT.SET_FLOW_FORMAT, (w) => w.u32(2))], buildMessage(v, 'BARRIER_REQUEST', allocXid()));
    }
    const req = encodeFlowStatsRequest({ aggregate, match: fm.match, tableId: fm.tableId, outPort: fm.outPort, outGroup: fm.outGroup, cookie: fm.cookie, cookieMask: fm.cookieMask }, proto, allocXid());
    const replies = await c.transact(req);
    c.close();
    const out: string[] = [];
    for (const m of replies) {
      if (!this.print(m)) return 1;
      const body = statsOf(m).body;
      if (aggregate) {
        const packets = body.u64('packets'), bytes = body.u64('bytes'), flows = body.u32('flows');
        out.push(`${header(m)} packet_count=${packets} byte_count=${bytes} flow_count=${flows}`);
        continue;
      }
      if (plain) out.push(header(m));
      while (body.remaining > 0) {
        const fs = decodeFlowStats(body, proto);
        const shown = plain ? fs : { ...fs, idleAge: -1, hardAge: -1 };
        out.push(' ' + formatFlowStats(shown, { showStats: this.o.stats, portName: names ? (p) => names.get(p) : undefined }));
      }
    }
    if (out.length) this.io.stdout(out.join('\n') + '\n');
    return 0;
  }

  private async flowMods(target: string, lines: string[], command: FlowModCommand): Promise<number> {
    // ovs-ofctl first reads the table list and the ports (names), each on its own connection.
    const ports = await this.prelude(target);
    const byName = new Map(ports.map((p) => [p.name, p.portNo]));
    const parsed = lines.map((l) => parseFlowModString(l, command, { portByName: (n) => byName.get(n) }));
    const c = await this.open(target);
    const v = c.version;
    const nxm = v === OFP10 && parsed.some((p) => p.needsNxm);
    if (v === OFP10 && parsed.some((p) => p.needsOf11)) { c.close(); throw new Fatal('none of the usable flow formats (OXM) is among the allowed flow formats (OpenFlow10,NXM)'); }
    const proto = { version: v, nxm, tableIdExt: v === OFP10 && parsed.some((p) => p.fm.tableId !== 0xff) };
    if (nxm) await c.transactNoReply([buildNx(v, allocXid(), NXT.SET_FLOW_FORMAT, (w) => w.u32(2))], buildMessage(v, 'BARRIER_REQUEST', allocXid()));
    if (proto.tableIdExt) await c.transactNoReply([buildNx(v, allocXid(), NXT.FLOW_MOD_TABLE_ID, (w) => w.u8(1).zeros(7))], buildMessage(v, 'BARRIER_REQUEST', allocXid()));
    const reqs = parsed.map((p) => encodeFlowMod(p.fm, proto, allocXid()));
    const errors = await c.transactNoReply(reqs, buildMessage(v, 'BARRIER_REQUEST', allocXid()));
    c.close();
    for (const e of errors) this.print(e);
    return errors.length ? 1 : 0;
  }

  private async dumpPorts(target: string, port?: string): Promise<number> {
    let no: number = OFPP.ANY;
    if (port !== undefined) {
      const p = /^\d+$/.test(port) ? Number(port) : portFromName(port) ?? (await this.ports(target)).find((x) => x.name === port)?.portNo;
      if (p === undefined) throw new Fatal(`${port}: unknown port`);
      no = p;
    }
    const c = await this.open(target);
    const v = c.version;
    const replies = await c.transact(buildMessage(v, 'STATS_REQUEST', allocXid(), (w) => {
      statsHeader(w, v, OFPMP.PORT_STATS);
      if (v === OFP10) w.u16(no).zeros(6); else w.u32(no >= 0xff00 ? no + 0xffff0000 : no).zeros(4);
    }));
    c.close();
    const q = (n: number | null) => (n === null ? '?' : String(n));
    const out: string[] = [];
    for (const m of replies) {
      if (!this.print(m)) return 1;
      const body = statsOf(m).body;
      const stats: ReturnType<typeof decodePortStats>[] = [];
      while (body.remaining >= (v === OFP10 ? 104 : 112)) stats.push(decodePortStats(body, v));
      out.push(`${header(m)} ${stats.length} ports`);
      for (const s of stats) {
        const u = s.unknown;
        const opt = (i: number) => (u[i] === 0xffffffffffffffffn ? '?' : String(u[i]));
        out.push(`  port ${(s.portNo === 0xfffe ? 'LOCAL' : String(s.portNo)).padStart(v === OFP10 || s.portNo !== 0xfffe ? 2 : 0)}: rx pkts=${s.rxPackets}, bytes=${s.rxBytes}, drop=${q(s.rxDropped)}, errs=${q(s.rxErrors)}, frame=${opt(8)}, over=${opt(9)}, crc=${opt(10)}`);
        out.push(`           tx pkts=${s.txPackets}, bytes=${s.txBytes}, drop=${q(s.txDropped)}, errs=${q(s.txErrors)}, coll=${opt(11)}`);
        if (v >= OFP13) out.push(`           duration=${duration(s.durationSec, s.durationNsec)}`);
      }
    }
    this.io.stdout(out.join('\n') + '\n');
    return 0;
  }

  private async simpleStats(target: string, type: number, fmt: (m: OfMessage) => string): Promise<number> {
    const c = await this.open(target);
    const v = c.version;
    const replies = await c.transact(buildMessage(v, 'STATS_REQUEST', allocXid(), (w) => statsHeader(w, v, type)));
    c.close();
    const out: string[] = [];
    for (const m of replies) {
      if (!this.print(m)) return 1;
      const body = fmt(m);
      out.push(header(m) + (body.startsWith('\n') || body === '' ? body : '\n' + body));
    }
    this.io.stdout(out.join('\n') + '\n');
    return 0;
  }

  private needOf11(what: string): void {
    if (this.o.versions.every((v) => v === OFP10)) throw new Fatal(`none of the usable flow formats (OXM) is among the allowed flow formats (OpenFlow10,NXM) for ${what}`);
  }

  private async dumpGroups(target: string): Promise<number> {
    this.needOf11('dump-groups');
    const c = await this.open(target);
    const v = c.version;
    const replies = await c.transact(groupMultipartRequest(v, allocXid(), OFPMP.GROUP_DESC));
    c.close();
    const out: string[] = [];
    for (const m of replies) {
      if (!this.print(m)) return 1;
      out.push(header(m));
      const body = statsOf(m).body;
      while (body.remaining >= 8) out.push(' ' + formatGroup(decodeGroupDesc(body, v)));
    }
    this.io.stdout(out.join('\n') + '\n');
    return 0;
  }

  private async groupMod(target: string, text: string, command: number): Promise<number> {
    this.needOf11('groups');
    const gm = command === OFPGC.DELETE && text === ''
      ? { command, type: 0, groupId: OFPG_ALL, buckets: [] }
      : parseGroup(text, command);
    await this.prelude(target);
    const c = await this.open(target);
    const v = c.version;
    const errors = await c.transactNoReply([encodeGroupMod(gm, v, allocXid())], buildMessage(v, 'BARRIER_REQUEST', allocXid()));
    c.close();
    for (const e of errors) this.print(e);
    return errors.length ? 1 : 0;
  }

  private async packetOut(target: string, inPortText: string, actionsText: string, packets: string[]): Promise<number> {
    const ports = await this.ports(target);
    const byName = new Map(ports.map((p) => [p.name, p.portNo]));
    const inPort = /^\d+$/.test(inPortText) ? Number(inPortText) : portFromName(inPortText) ?? byName.get(inPortText);
    if (inPort === undefined) throw new Fatal(`${inPortText}: unknown port`);
    const actions = parseActions(actionsText, { portByName: (n) => byName.get(n) });
    const frames = packets.map((p) => {
      const hex = p.replace(/[\s.:]/g, '');
      if (!/^([0-9a-fA-F]{2})+$/.test(hex) || hex.length < 28) throw new Fatal('Packet data too short for Ethernet');
      return Uint8Array.from(Buffer.from(hex, 'hex'));
    });
    const c = await this.open(target);
    const v = c.version;
    const errors = await c.transactNoReply(frames.map((data) => encodePacketOut({ bufferId: 0xffffffff, inPort, actions, data }, v, allocXid())), buildMessage(v, 'BARRIER_REQUEST', allocXid()));
    c.close();
    for (const e of errors) this.print(e);
    return errors.length ? 1 : 0;
  }

  private async monitor(target: string, extra: string[]): Promise<number> {
    const c = await this.open(target);
    const v = c.version;
    const missLen = extra.find((x) => /^\d+$/.test(x));
    if (missLen !== undefined) {
      await c.transact(buildMessage(v, 'GET_CONFIG_REQUEST', allocXid()));
      await c.transactNoReply([buildMessage(v, 'SET_CONFIG', allocXid(), (w) => w.u16(0).u16(Number(missLen)))], buildMessage(v, 'BARRIER_REQUEST', allocXid()));
    }
    await c.transactNoReply([buildNx(v, allocXid(), NXT.SET_PACKET_IN_FORMAT, (w) => w.u32(2))], buildMessage(v, 'BARRIER_REQUEST', allocXid()));
    c.onAsync((m) => {
      const name = msgName(m.version, m.type);
      if (name === 'PACKET_IN' || (name === 'VENDOR' && [NXT.PACKET_IN, NXT.PACKET_IN2].includes(new DataView(m.bytes.buffer, m.bytes.byteOffset).getUint32(12) as never))) this.io.stdout(formatPacketIn(m) + '\n');
      else if (name === 'ERROR') this.print(m);
      else this.io.stdout(header(m) + '\n');
    });
    return new Promise<number>(() => { /* runs until killed, as ovs-ofctl monitor */ });
  }
}

function readLines(file: string): string[] {
  const text = file === '-' ? fs.readFileSync(0, 'utf8') : fs.readFileSync(file, 'utf8');
  return text.split('\n').map((l) => l.replace(/#.*$/, '').trim()).filter(Boolean);
}

function tableLines(m: OfMessage): string {
  const body = statsOf(m).body;
  const v = m.version;
  const rows: Array<{ id: number; active: number; lookup: bigint; matched: bigint }> = [];
  while (body.remaining >= (v === OFP10 ? 64 : 24)) {
    const id = body.u8('table_id');
    body.skip(3, 'pad');
    if (v === OFP10) body.skip(32 + 4 + 4, 'name');
    rows.push({ id, active: body.u32('active'), lookup: body.u64('lookup'), matched: body.u64('matched') });
  }
  const out: string[] = [];
  let i = 0;
  while (i < rows.length) {
    const r = rows[i]!;
    const same = (x: typeof r) => x.active === r.active && x.lookup === r.lookup && x.matched === r.matched;
    let j = i + 1;
    while (j < rows.length && same(rows[j]!)) j++;
    const body2 = [`    active=${r.active}, lookup=${r.lookup}, matched=${r.matched}`];
    if (v === OFP10 && i === 0) {
      body2.push('    max_entries=1000000', '    matching:', '      exact match or wildcard: in_port eth_{src,dst,type} vlan_{vid,pcp} ip_{src,dst} nw_{proto,tos} tcp_{src,dst}');
    } else if (v === OFP10) body2.push('    (same features)');
    out.push(`  table ${r.id}:`, ...body2, '');
    if (j - i === 2) out.push(`  table ${rows[i + 1]!.id}: ditto`);
    else if (j - i > 2) out.push(`  tables ${rows[i + 1]!.id}...${rows[j - 1]!.id}: ditto`);
    i = j;
  }
  while (out.length && out[out.length - 1] === '') out.pop();
  return out.join('\n');
}

function descLines(m: OfMessage): string {
  const r = statsOf(m).body;
  const s = (n: number) => { const b = r.bytes(n, 'desc'); const e = b.indexOf(0); return Buffer.from(e < 0 ? b : b.subarray(0, e)).toString(); };
  return [`Manufacturer: ${s(256)}`, `Hardware: ${s(256)}`, `Software: ${s(256)}`, `Serial Num: ${s(32)}`, `DP Description: ${s(256)}`].join('\n');
}

export { portName, nxStatsHeader, Writer };
