/**
 * The switch's `ovs-appctl` commands, with Open vSwitch's output formats
 * and error texts (scripts parse them). Each handler takes the command's
 * arguments and returns text or an error; the unixctl server frames them.
 *
 * Registered commands: ofproto/list, ofproto/trace, dpif/show, fdb/show,
 * fdb/flush, fdb/add, fdb/del, fdb/stats-show, fdb/stats-clear,
 * netdev-dummy/receive, netdev-dummy/set-admin-state, time/stop, time/warp,
 * coverage/show.
 */
import type { Switch } from './bridge.js';
import type { Ofproto } from './ofproto.js';
import { OFPP_LOCAL } from './ofproto.js';
import { DummyNetdev } from '../netdev/dummy.js';
import { formatMac, parseMacKey, VLAN_CFI } from './flowkey.js';
import { xlate, datapathActionsLine } from './xlate.js';
import type { SystemClock } from '../base/clock.js';
import { Bond, BOND_BUCKETS } from './bond.js';
import { Lacp } from './lacp.js';
import { hashMac } from './bond-hash.js';
import { parseIpv4, formatIpv4, NEIGH_MAX_AGING_S } from './tunnel.js';

export type CommandResult = { ok: string } | { error: string };

export interface CommandSpec {
  readonly name: string;
  readonly usage: string;
  readonly minArgs: number;
  readonly maxArgs: number;
  readonly handler: (args: string[]) => CommandResult;
}

export function switchCommands(sw: Switch, clock: SystemClock): CommandSpec[] {
  const bridge = (name: string | undefined): Ofproto | undefined => (name === undefined ? undefined : sw.bridges.get(name));
  const sortedBridges = (): Ofproto[] => [...sw.bridges.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  return [
    {
      name: 'ofproto/list', usage: '', minArgs: 0, maxArgs: 0,
      handler: () => ({ ok: sortedBridges().map((b) => `${b.name}\n`).join('') }),
    },
    {
      name: 'dpif/show', usage: '', minArgs: 0, maxArgs: 0,
      handler: () => ({ ok: dpifShow(sw) }),
    },
    {
      name: 'fdb/show', usage: 'bridge', minArgs: 1, maxArgs: 1,
      handler: ([br]) => {
        const of = bridge(br);
        if (!of) return { error: 'no such bridge\n' };
        const now = clock.now();
        const lines = [' port  VLAN  MAC                Age'];
        const entries = [...of.fdb.entries()].sort((a, b) => a.lastSeen - b.lastSeen);
        for (const e of entries) {
          if (!e.isStatic && now - e.lastSeen >= of.fdb.agingMs) continue;
          const port = [...of.ports.values()].find((p) => p.bundle === e.bundle);
          const portText = port ? (port.ofport === OFPP_LOCAL ? 'LOCAL' : String(port.ofport)) : '?';
          const age = e.isStatic ? 'static' : String(Math.floor((now - e.lastSeen) / 1000));
          lines.push(`${portText.padStart(5)}  ${String(e.vlan).padStart(4)}  ${formatMac(e.mac)}  ${age.padStart(3)}`);
        }
        return { ok: lines.join('\n') + '\n' };
      },
    },
    {
      name: 'fdb/flush', usage: '[bridge]', minArgs: 0, maxArgs: 1,
      handler: ([br]) => {
        if (br !== undefined) {
          const of = bridge(br);
          if (!of) return { error: 'no such bridge\n' };
          of.fdb.flush();
        } else {
          for (const of of sw.bridges.values()) of.fdb.flush();
        }
        return { ok: 'table successfully flushed\n' };
      },
    },
    {
      name: 'fdb/add', usage: 'bridge port vlan mac', minArgs: 4, maxArgs: 4,
      handler: ([br, port, vlanText, macText]) => {
        const of = bridge(br);
        if (!of) return { error: 'no such bridge\n' };
        const p = of.portsByName.get(port!);
        if (!p) return { error: 'software error, odp port is present but no ofp port\n' };
        const vlan = Number(vlanText);
        if (!/^\d+$/.test(vlanText!) || vlan > 4095) return { error: 'invalid VLAN\n' };
        const mac = parseMacKey(macText!);
        if (mac === null) return { error: 'bad MAC address\n' };
        of.fdb.addStatic(vlan, mac, p.bundle);
        return { ok: '' };
      },
    },
    {
      name: 'fdb/del', usage: 'bridge vlan mac', minArgs: 3, maxArgs: 3,
      handler: ([br, vlanText, macText]) => {
        const of = bridge(br);
        if (!of) return { error: 'no such bridge\n' };
        const mac = parseMacKey(macText!);
        if (mac === null) return { error: 'bad MAC address\n' };
        const vlan = Number(vlanText);
        const e = [...of.fdb.entries()].find((x) => x.vlan === vlan && x.mac === mac && x.isStatic);
        if (!e) return { error: 'could not find static mac entry\n' };
        of.fdb.remove(vlan, mac);
        return { ok: '' };
      },
    },
    {
      name: 'fdb/stats-show', usage: 'bridge', minArgs: 1, maxArgs: 1,
      handler: ([br]) => {
        const of = bridge(br);
        if (!of) return { error: 'no such bridge\n' };
        const s = of.fdb.stats;
        return {
          ok: [
            `Statistics for bridge "${of.name}":`,
            `  Current/maximum MAC entries in the table: ${of.fdb.size}/${of.fdb.maxEntries}`,
            `  Current static MAC entries in the table : ${of.fdb.staticCount}`,
            `  Total number of learned MAC entries     : ${s.learned}`,
            `  Total number of expired MAC entries     : ${s.expired}`,
            `  Total number of evicted MAC entries     : ${s.evicted}`,
            `  Total number of port moved MAC entries  : ${s.moved}`,
            '',
          ].join('\n'),
        };
      },
    },
    {
      name: 'fdb/stats-clear', usage: '[bridge]', minArgs: 0, maxArgs: 1,
      handler: ([br]) => {
        const list = br === undefined ? [...sw.bridges.values()] : [bridge(br)];
        if (list.some((x) => !x)) return { error: 'no such bridge\n' };
        for (const of of list) Object.assign(of!.fdb.stats, { learned: 0, expired: 0, evicted: 0, moved: 0 });
        return { ok: 'statistics successfully cleared\n' };
      },
    },
    {
      name: 'ofproto/trace', usage: '{[dp_name] odp_flow | bridge br_flow} [OPTIONS...] [-generate|packet]', minArgs: 1, maxArgs: 4,
      handler: (args) => trace(sw, clock, args),
    },
    {
      name: 'netdev-dummy/receive', usage: 'name packet|flow...', minArgs: 2, maxArgs: Infinity,
      handler: ([name, ...packets]) => {
        const nd = findDummy(sw, name!);
        if (!nd) return { error: 'no such dummy netdev\n' };
        const frames: Buffer[] = [];
        for (const p of packets) {
          if (!/^([0-9a-fA-F]{2})+$/.test(p) || p.length < 28) return { error: `syntax error at ${p}\n` };
          frames.push(Buffer.from(p, 'hex'));
        }
        nd.receive(frames);
        return { ok: '' };
      },
    },
    {
      name: 'netdev-dummy/set-admin-state', usage: '[netdev] up|down', minArgs: 1, maxArgs: 2,
      handler: (args) => {
        const state = args[args.length - 1];
        if (state !== 'up' && state !== 'down') return { error: 'Invalid Admin State\n' };
        const targets = args.length === 2 ? [findDummy(sw, args[0]!)] : allDummies(sw);
        if (targets.some((t) => !t)) return { error: 'Unknown Dummy Interface\n' };
        for (const t of targets) t!.setAdminState(state === 'up');
        return { ok: 'OK\n' };
      },
    },
    ...bondCommands(sw, clock),
    ...tunnelCommands(sw),
    {
      name: 'time/stop', usage: '', minArgs: 0, maxArgs: 0,
      handler: () => { clock.stop(); return { ok: '' }; },
    },
    {
      name: 'time/warp', usage: '[large_msecs] msecs', minArgs: 1, maxArgs: 2,
      handler: (args) => {
        const ms = Number(args[args.length - 1]);
        if (!Number.isFinite(ms) || ms < 0) return { error: 'A non-negative number is required\n' };
        if (!clock.stopped) return { error: 'time must be stopped first (use time/stop)\n' };
        const steps = args.length === 2 ? Math.max(1, Math.floor(Number(args[0]) / ms)) : 1;
        for (let i = 0; i < steps; i++) { clock.warp(ms); sw.runPeriodic(); }
        return { ok: 'warped\n' };
      },
    },
  ];
}

function allDummies(sw: Switch): DummyNetdev[] {
  const out: DummyNetdev[] = [];
  for (const of of sw.bridges.values()) for (const p of of.ports.values()) if (p.netdev instanceof DummyNetdev) out.push(p.netdev);
  return out;
}

function findDummy(sw: Switch, name: string): DummyNetdev | undefined {
  return allDummies(sw).find((d) => d.name === name);
}

function dpifShow(sw: Switch): string {
  const out: string[] = [];
  for (const dpif of [...sw.dpifs.values()].sort((a, b) => (a.type < b.type ? -1 : 1))) {
    const bridges = [...sw.bridges.values()].filter((b) => b.dpif === dpif).sort((a, b) => (a.name < b.name ? -1 : 1));
    if (bridges.length === 0) continue;
    out.push(`${dpif.type}@${dpif.name}: hit:${dpif.stats.hit} missed:${dpif.stats.missed}`);
    for (const b of bridges) {
      out.push(`  ${b.name}:`);
      for (const p of [...b.ports.values()].sort((x, y) => (x.name < y.name ? -1 : x.name > y.name ? 1 : 0))) {
        const ofp = p.ofport === OFPP_LOCAL ? '65534' : String(p.ofport);
        const dp = p.odp === null ? 'none' : String(p.odp);
        const type = p.patchPeer !== null ? `patch: peer=${p.patchPeer}` : p.tunnel ? p.tunnel.display : p.netdev!.displayType;
        out.push(`    ${p.name} ${ofp}/${dp}: (${type})`);
      }
    }
  }
  return out.join('\n') + '\n';
}

// ------------------------------------------------------------------ trace

function parseTraceFlow(of: Ofproto, text: string): Record<string, number> | string {
  const flow: Record<string, number> = { in_port: 0, dl_src: 0, dl_dst: 0, vlan_tci: 0, dl_type: 0 };
  let vid: number | null = null, pcp = 0;
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const [k, v] = part.split('=') as [string, string | undefined];
    const bad = (what: string): string => `Bad openflow flow syntax: ${text}: bad value for ${k} (${what})`;
    switch (k) {
      case 'in_port': {
        if (v === undefined) return bad('missing value');
        if (v === 'LOCAL') flow.in_port = OFPP_LOCAL;
        else if (/^\d+$/.test(v)) flow.in_port = Number(v);
        else { const p = of.portsByName.get(v); if (!p) return `${v}: unknown port`; flow.in_port = p.ofport; }
        break;
      }
      case 'dl_src': case 'dl_dst': case 'eth_src': case 'eth_dst': {
        const m = v === undefined ? null : parseMacKey(v);
        if (m === null) return bad(`${v}: invalid Ethernet address`);
        flow[k.startsWith('eth_') ? `dl_${k.slice(4)}` : k] = m;
        break;
      }
      case 'dl_vlan': vid = Number(v); if (!Number.isInteger(vid) || vid < 0 || vid > 4095) return bad(`${v}: invalid VLAN`); break;
      case 'dl_vlan_pcp': pcp = Number(v); if (!Number.isInteger(pcp) || pcp < 0 || pcp > 7) return bad(`${v}: invalid PCP`); break;
      case 'vlan_tci': flow.vlan_tci = Number(v); break;
      case 'dl_type': case 'eth_type': flow.dl_type = Number(v); break;
      default:
        if (v === undefined && ['eth', 'ip', 'arp', 'tcp', 'udp', 'icmp', 'ipv6'].includes(k)) break;
        return `Bad openflow flow syntax: ${text}: unknown field ${k}`;
    }
  }
  if (vid !== null) flow.vlan_tci = (pcp << 13) | VLAN_CFI | vid;
  return flow;
}

function formatFlow(flow: Record<string, number>): string {
  const inPort = flow.in_port === OFPP_LOCAL ? 'LOCAL' : String(flow.in_port);
  const tci = flow.vlan_tci ?? 0;
  const vlan = tci & VLAN_CFI ? `dl_vlan=${tci & 0xfff},dl_vlan_pcp=${tci >> 13},vlan_tci1=0x0000` : 'vlan_tci=0x0000';
  return `in_port=${inPort},${vlan},dl_src=${formatMac(flow.dl_src ?? 0)},dl_dst=${formatMac(flow.dl_dst ?? 0)},dl_type=0x${(flow.dl_type ?? 0).toString(16).padStart(4, '0')}`;
}

function trace(sw: Switch, clock: SystemClock, args: string[]): CommandResult {
  const [br, flowText] = args;
  const of = sw.bridges.get(br!);
  if (!of) {
    return flowText === undefined
      ? { error: `syntax error at ${br} (or the bridge name was omitted)\n` }
      : { error: `${br}: unknown bridge\n` };
  }
  if (flowText === undefined) return { error: `syntax error at ${br} (or the bridge name was omitted)\n` };
  const flow = parseTraceFlow(of, flowText);
  if (typeof flow === 'string') return { error: `${flow}\n` };
  const r = xlate(sw, { ofproto: of, inOfport: flow.in_port!, flow, now: clock.now(), mayLearn: false, wantTrace: true });
  const mega = ['recirc_id=0', 'eth', `in_port=${flow.in_port === OFPP_LOCAL ? 'LOCAL' : flow.in_port}`];
  const tci = flow.vlan_tci ?? 0;
  if (r.fields.includes('vlan_tci') && tci & VLAN_CFI) mega.push(`dl_vlan=${tci & 0xfff}`, `dl_vlan_pcp=${tci >> 13}`);
  if (r.fields.includes('dl_src')) mega.push(`dl_src=${formatMac(flow.dl_src!)}`);
  if (r.fields.includes('dl_dst')) mega.push(`dl_dst=${formatMac(flow.dl_dst!)}`);
  mega.push(`dl_type=0x${(flow.dl_type ?? 0).toString(16).padStart(4, '0')}`);
  const text = [
    `Flow: ${formatFlow(flow)}`,
    '',
    ...r.trace,
    '',
    'Final flow: unchanged',
    `Megaflow: ${mega.join(',')}`,
    datapathActionsLine(r.actions),
  ];
  return { ok: text.join('\n') + '\n' };
}

// ------------------------------------------------------------- bonds, LACP

/** The switch's bonds (or LACP objects) in the order OVS lists them, each with its bridge. */
function ownedBy<T extends { owner: unknown }>(sw: Switch, all: readonly T[]): { of: Ofproto; item: T }[] {
  const bridges = new Set<unknown>(sw.bridges.values());
  return all.filter((x) => bridges.has(x.owner)).map((item) => ({ of: item.owner as Ofproto, item }));
}

/** ovs_scan-style prefix parse of an unsigned decimal ("%u"); null when no digits. */
function scanUnsigned(text: string): number | null {
  const m = /^\s*([+-]?)(\d+)/.exec(text);
  if (!m) return null;
  const v = Number(BigInt.asUintN(32, BigInt(m[1] === '-' ? `-${m[2]}` : m[2]!)));
  return v;
}

/** ovs_scan-style prefix parse of a MAC (six hex fields, each truncated to a byte). */
function scanMac(text: string): number | null {
  const m = /^\s*([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+):([0-9a-fA-F]+)/.exec(text);
  if (!m) return null;
  return m.slice(1).reduce((acc, h) => acc * 256 + (parseInt(h.slice(-2), 16) & 0xff), 0);
}

function bondCommands(sw: Switch, clock: SystemClock): CommandSpec[] {
  const bonds = () => ownedBy(sw, Bond.all());
  const find = (name: string | undefined) => bonds().find((b) => b.item.name === name);
  const now = (): number => Math.floor(clock.now());
  const changed = (of: Ofproto): void => { of.dpif.invalidate(); sw.bondsChanged(of); };
  const lacpShow = (name: string | undefined, render: (l: Lacp) => string): CommandResult => {
    const list = ownedBy(sw, Lacp.all()).filter((l) => name === undefined || l.item.name === name);
    if (name !== undefined && list.length === 0) return { error: 'no such lacp object\n' };
    return { ok: list.map((l) => render(l.item)).join('') };
  };
  return [
    {
      name: 'bond/list', usage: '', minArgs: 0, maxArgs: 0,
      handler: () => ({ ok: 'bond\ttype\trecircID\tmembers\n' + bonds().map((b) => b.item.listRow()).join('') }),
    },
    {
      name: 'bond/show', usage: '[port]', minArgs: 0, maxArgs: 1,
      handler: ([name]) => {
        const list = name === undefined ? bonds() : [find(name)];
        if (list.some((b) => !b)) return { error: 'no such bond\n' };
        return { ok: list.map((b) => b!.item.show(now(), formatMac)).join('') };
      },
    },
    {
      name: 'bond/set-active-member', usage: 'port member', minArgs: 2, maxArgs: 2,
      handler: ([name, member]) => {
        const b = find(name);
        if (!b) return { error: 'no such bond\n' };
        const r = b.item.setActiveMember(member!);
        if ('error' in r) return { error: `${r.error}\n` };
        changed(b.of);
        return { ok: `${r.ok}\n` };
      },
    },
    ...(['enable', 'disable'] as const).map((verb): CommandSpec => ({
      name: `bond/${verb}-member`, usage: 'port member', minArgs: 2, maxArgs: 2,
      handler: ([name, member]) => {
        const b = find(name);
        if (!b) return { error: 'no such bond\n' };
        if (!b.item.forceEnable(member!, verb === 'enable')) return { error: 'no such member\n' };
        changed(b.of);
        return { ok: `${verb}d\n` };
      },
    })),
    {
      name: 'bond/hash', usage: 'mac [vlan] [basis]', minArgs: 1, maxArgs: 3,
      handler: ([macText, vlanText, basisText]) => {
        const vlan = vlanText === undefined ? 0 : scanUnsigned(vlanText);
        if (vlan === null) return { error: 'invalid vlan\n' };
        const basis = basisText === undefined ? 0 : scanUnsigned(basisText);
        if (basis === null) return { error: 'invalid basis\n' };
        const mac = scanMac(macText!);
        if (mac === null) return { error: 'invalid mac\n' };
        return { ok: `${hashMac(mac, vlan & 0xffff, basis) & (BOND_BUCKETS - 1)}` };
      },
    },
    {
      name: 'bond/migrate', usage: 'port hash member', minArgs: 3, maxArgs: 3,
      handler: ([name, hash, member]) => {
        const b = find(name);
        if (!b) return { error: 'no such bond\n' };
        const r = b.item.migrate(hash!, member!);
        if ('error' in r) return { error: `${r.error}\n` };
        changed(b.of);
        return { ok: `${r.ok}\n` };
      },
    },
    {
      name: 'lacp/show', usage: '[port]', minArgs: 0, maxArgs: 1,
      handler: ([name]) => lacpShow(name, (l) => l.show(formatMac)),
    },
    {
      name: 'lacp/show-stats', usage: '[port]', minArgs: 0, maxArgs: 1,
      handler: ([name]) => lacpShow(name, (l) => l.showStats()),
    },
  ];
}

// ----------------------------------------------------------------- tunnels

/** "A.B.C.D", "A.B.C.D/LEN" or "A.B.C.D/MASK" (a CIDR mask), as ovs-vswitchd's route commands take them. */
function parsePrefix(text: string): { ip: number; len: number } | null {
  const [addr, lenText, ...extra] = text.split('/');
  if (extra.length) return null;
  const ip = parseIpv4(addr ?? '');
  if (ip === null) return null;
  if (lenText === undefined) return { ip, len: 32 };
  if (/^\d+$/.test(lenText)) {
    const len = Number(lenText);
    return len <= 32 ? { ip, len } : null;
  }
  const mask = parseIpv4(lenText);
  if (mask === null) return null;
  const len = 32 - Math.log2(((~mask) >>> 0) + 1);
  return Number.isInteger(len) ? { ip, len } : null;
}

/** "pkt_mark=N" (decimal, hex or octal, as scanf's %i reads it); null if the text is not one. */
function parseMark(text: string): number | null {
  const m = /^pkt_mark=(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(text);
  if (!m) return null;
  const v = m[1]!.length > 1 && m[1]![0] === '0' && !/^0[xX]/.test(m[1]!) ? parseInt(m[1]!, 8) : Number(m[1]);
  return v <= 0xffffffff ? v : null;
}

function tunnelCommands(sw: Switch): CommandSpec[] {
  const t = sw.tunnels;
  const bridgeOfIface = (iface: string): string | undefined => {
    for (const of of sw.bridges.values()) {
      const p = of.portsByName.get(iface);
      if (p && (p.netdev?.displayType === 'dummy-internal' || p.ofport === OFPP_LOCAL || p.netdev instanceof DummyNetdev)) return of.name;
    }
    return undefined;
  };
  const invalidate = (): void => { for (const d of sw.dpifs.values()) d.invalidate(); };
  return [
    {
      name: 'netdev-dummy/ip4addr', usage: '[netdev] ipaddr/mask-prefix-len', minArgs: 2, maxArgs: 2,
      handler: ([iface, addr]) => {
        const br = bridgeOfIface(iface!);
        if (!br) return { error: 'Unknown Dummy Interface\n' };
        const p = parsePrefix(addr!);
        if (!p) return { error: 'Invalid IP format\n' };
        t.addAddress(br, p.ip, p.len);
        invalidate();
        return { ok: 'OK\n' };
      },
    },
    {
      name: 'ovs/route/add', usage: 'ip/plen output_bridge [gw] [pkt_mark=mark]', minArgs: 2, maxArgs: 4,
      handler: ([prefix, bridge, third, fourth]) => {
        const p = parsePrefix(prefix!);
        if (!p) return { error: 'Invalid parameters\n' };
        let mark = 0, gw: number | null = null, src: number | null = null;
        if (third !== undefined) {
          // Weft extension: "src=A.B.C.D" pins the source address (later OVS releases take it too).
          const m = parseMark(third), g = parseIpv4(third), s = third.startsWith('src=') ? parseIpv4(third.slice(4)) : null;
          if (m === null && g === null && s === null) return { error: 'Invalid pkt_mark or gateway\n' };
          if (m !== null) mark = m; else if (s !== null) src = s; else if (g !== 0) gw = g;
        }
        if (fourth !== undefined) {
          const m = parseMark(fourth);
          if (m === null) return { error: 'Invalid pkt_mark\n' };
          mark = m;
        }
        if (!sw.bridges.has(bridge!) || !t.addRoute(p.ip, p.len, bridge!, src, gw, mark)) return { error: 'Error while inserting route.\n' };
        invalidate();
        return { ok: 'OK\n' };
      },
    },
    {
      name: 'ovs/route/del', usage: 'ip/plen [pkt_mark=mark]', minArgs: 1, maxArgs: 2,
      handler: ([prefix, markText]) => {
        const p = parsePrefix(prefix!);
        if (!p) return { error: 'Invalid parameters\n' };
        const mark = markText === undefined ? 0 : parseMark(markText);
        if (mark === null) return { error: 'Invalid pkt_mark\n' };
        if (!t.delRoute(p.ip, p.len, mark)) return { error: 'Not found\n' };
        invalidate();
        return { ok: 'OK\n' };
      },
    },
    { name: 'ovs/route/show', usage: '', minArgs: 0, maxArgs: 0, handler: () => ({ ok: t.routeShow() }) },
    {
      name: 'ovs/route/lookup', usage: 'ip_addr [pkt_mark=mark]', minArgs: 1, maxArgs: 2,
      handler: ([addr, markText]) => {
        const p = parsePrefix(addr!);
        if (!p || p.len !== 32) return { error: 'Invalid parameters\n' };
        const mark = markText === undefined ? 0 : parseMark(markText);
        if (mark === null) return { error: 'Invalid pkt_mark\n' };
        const r = t.lookup(p.ip, mark);
        if (!r) return { error: 'Not found\n' };
        return { ok: `src ${formatIpv4(r.src)}\ngateway ${r.gw === null ? '::' : formatIpv4(r.gw)}\ndev ${r.bridge}\n` };
      },
    },
    // The neighbour commands answer to their older tnl/arp/* names too, as in OVS.
    ...['neigh', 'arp'].flatMap((kind): CommandSpec[] => [
      {
        name: `tnl/${kind}/set`, usage: 'BRIDGE IP MAC', minArgs: 3, maxArgs: 3,
        handler: ([bridge, ip, mac]) => {
          // The bridge name is only a label here: OVS records whatever it is given.
          const a = parseIpv4(ip!);
          if (a === null) return { error: 'bad IP address\n' };
          const m = parseMacKey(mac!);
          if (m === null) return { error: 'bad MAC address\n' };
          if (t.neigh.set(bridge!, a, m)) invalidate();
          return { ok: 'OK\n' };
        },
      },
      { name: `tnl/${kind}/show`, usage: '', minArgs: 0, maxArgs: 0, handler: () => ({ ok: t.neighShow(formatMac) }) },
      {
        name: `tnl/${kind}/flush`, usage: '', minArgs: 0, maxArgs: 0,
        handler: () => { if (t.neigh.clear()) invalidate(); return { ok: 'OK\n' }; },
      },
      {
        name: `tnl/${kind}/aging`, usage: '[SECS]', minArgs: 0, maxArgs: 1,
        handler: ([secs]) => {
          if (secs === undefined) return { ok: `${Math.floor(t.neigh.aging / 1000)}\n` };
          const v = /^\+?\d+$/.test(secs) ? Number(secs) : NaN;
          if (!(v >= 1 && v <= NEIGH_MAX_AGING_S)) return { error: 'bad aging value\n' };
          t.neigh.setAging(v * 1000);
          return { ok: 'OK\n' };
        },
      },
    ]),
    {
      name: 'tnl/ports/show', usage: '[-v]', minArgs: 0, maxArgs: 1,
      handler: () => {
        const lines = ['Listening ports:'];
        const ports = new Map<number, string>();
        for (const of of sw.bridges.values()) for (const p of of.ports.values()) if (p.tunnel) ports.set(p.tunnel.dstPort, `${p.tunnel.type}_sys_${p.tunnel.dstPort}`);
        for (const [port, name] of [...ports].sort((a, b) => a[0] - b[0])) lines.push(`${name} (${port}) ref_cnt=1`);
        return { ok: lines.join('\n') + '\n' };
      },
    },
  ];
}

export { formatIpv4 };
