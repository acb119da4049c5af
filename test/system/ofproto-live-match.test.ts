/**
 * OpenFlow rules on L3/L4 fields, on live packets, as a user sees them:
 * Weft's own daemons (`weft ovsdb-server`, `weft vswitchd`) with a dummy
 * bridge, flows added with the real `ovs-ofctl` (ARP opcode and target
 * address, IPv6 destinations, ND target, ICMP type, nw_ttl, nw_tos, TCP
 * flags, IP fragments, dec_ttl), frames injected with `ovs-appctl
 * netdev-dummy/receive`, and where each one went read back from the
 * ports' tx_pcap captures, then the rules' n_packets from `ovs-ofctl
 * dump-flows`. Every frame is sent twice, so the second round runs from
 * the megaflow cache (two IPv6 destinations must never share a megaflow).
 * OpenFlow packet-outs whose actions read L3/L4 fields (dec_ttl, resubmit
 * into those rules) must see the packet as the datapath would.
 *
 * The same script runs against the real ovs-vswitchd (datapath_type=dummy)
 * and must give the same golden results.
 *
 * Each injected frame is followed by a sentinel frame that a rule sends to
 * p2; ports process their input in order, so when the sentinel shows up
 * the frame before it has been fully handled, dropped or not. No sleeps.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decodePcap } from '../../src/packet/pcap.js';
import { buildArpReply, buildArpRequest, buildEthernet, buildIcmpEcho, buildIpv4, buildIpv6, buildTcpIpv4, buildUdpIpv4, buildUdpIpv6 } from '../../src/packet/build.js';
import { encodeIcmpv6 } from '../../src/packet/icmpv6.js';
import { Writer } from '../../src/packet/writer.js';
import { checksum } from '../../src/packet/checksum.js';
import { parseIpv6, type Ipv4, type Mac } from '../../src/packet/types.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const weft = path.join(root, 'bin/weft');
const PORTS = ['p1', 'p2', 'p3', 'p4'];

// ---- the frames ----

const H1 = 0x505400000001 as Mac, H2 = 0x505400000002 as Mac;
const ip4 = (s: string) => s.split('.').reduce((a, b) => a * 256 + Number(b), 0) as Ipv4;
const ip6 = (s: string) => parseIpv6(s)!;
const l2 = { srcMac: H1, dstMac: H2 };
const v4 = { src: ip4('10.0.0.2'), dst: ip4('10.0.0.3') };

/** An ICMPv6 Neighbor Solicitation for `target` with a source link-layer option (RFC 4861 §4.3). */
function neighborSolicit(target: string): Uint8Array {
  const src = ip6('2001:db8::9'), t = ip6(target);
  const dst = ip6(`ff02::1:ff00:${target.split(':').pop()}`);
  const body = new Uint8Array(4 + 16 + 8);
  body.set(t, 4);
  body[20] = 1; body[21] = 1;
  body.set(Buffer.from('505400000001', 'hex'), 22);
  const w = new Writer(64);
  encodeIcmpv6(w, { type: 135, code: 0, body }, { src, dst });
  return buildEthernet({ srcMac: H1, dstMac: 0x3333ff000000 as Mac }, 0x86dd, buildIpv6({ src, dst, hopLimit: 255 }, 58, w.finish()));
}

/** A later fragment (offset 1480 bytes) of a UDP datagram. */
function laterFragment(): Uint8Array {
  return buildEthernet(l2, 0x0800, buildIpv4({ ...v4, flags: 0, fragOffset: 185, id: 7 }, 17, new Uint8Array(16)));
}

const SENTINEL = Buffer.from(buildArpRequest({ srcMac: 0x505400000099 as Mac, srcIp: ip4('10.0.0.99'), dstIp: ip4('10.0.0.1') }));

const FLOWS = [
  'priority=100,arp,arp_tpa=10.0.0.1,actions=output:2',
  'priority=100,arp,arp_op=2,actions=output:4',
  'priority=100,ipv6,ipv6_dst=2001:db8::1,actions=output:3',
  'priority=100,ipv6,ipv6_dst=2001:db8::2,actions=output:4',
  'priority=110,icmp6,icmp_type=135,nd_target=2001:db8::5,actions=output:2',
  'priority=100,icmp,icmp_type=8,actions=output:2',
  'priority=100,icmp,icmp_type=0,actions=output:3',
  'priority=95,udp,tp_dst=99,actions=dec_ttl,output:3',
  'priority=90,ip,nw_ttl=1,actions=output:4',
  'priority=85,ip,nw_tos=32,actions=output:3',
  'priority=80,udp,actions=dec_ttl,output:2',
  'priority=100,tcp,tcp_flags=+syn-ack,actions=output:2',
  'priority=99,tcp,actions=output:3',
  'priority=100,ip,ip_frag=later,actions=output:4',
  'priority=0,actions=drop',
];

/** Each case: a frame injected on p1, and where it must go ("drop", or ports; "ttl=N" for a rewritten IPv4 frame). */
const CASES: { name: string; frame: Uint8Array; want: string }[] = [
  { name: 'ARP request for 10.0.0.1', frame: buildArpRequest({ srcMac: H1, srcIp: ip4('10.0.0.2'), dstIp: ip4('10.0.0.1') }), want: 'p2' },
  { name: 'ARP request for 10.0.0.9', frame: buildArpRequest({ srcMac: H1, srcIp: ip4('10.0.0.2'), dstIp: ip4('10.0.0.9') }), want: 'drop' },
  { name: 'ARP reply', frame: buildArpReply({ srcMac: H1, srcIp: ip4('10.0.0.9'), dstMac: H2, dstIp: ip4('10.0.0.2') }), want: 'p4' },
  { name: 'UDP/IPv6 to 2001:db8::1', frame: buildUdpIpv6({ ...l2, src: ip6('2001:db8::9'), dst: ip6('2001:db8::1'), srcPort: 1000, dstPort: 2000 }), want: 'p3' },
  { name: 'UDP/IPv6 to 2001:db8::2', frame: buildUdpIpv6({ ...l2, src: ip6('2001:db8::9'), dst: ip6('2001:db8::2'), srcPort: 1000, dstPort: 2000 }), want: 'p4' },
  { name: 'UDP/IPv6 to 2001:db8::3', frame: buildUdpIpv6({ ...l2, src: ip6('2001:db8::9'), dst: ip6('2001:db8::3'), srcPort: 1000, dstPort: 2000 }), want: 'drop' },
  { name: 'ND solicitation for 2001:db8::5', frame: neighborSolicit('2001:db8::5'), want: 'p2' },
  { name: 'ND solicitation for 2001:db8::6', frame: neighborSolicit('2001:db8::6'), want: 'drop' },
  { name: 'ICMP echo request', frame: buildIcmpEcho({ ...l2, ...v4, id: 1, seq: 1 }), want: 'p2' },
  { name: 'ICMP echo reply', frame: buildIcmpEcho({ ...l2, ...v4, id: 1, seq: 1, reply: true }), want: 'p3' },
  { name: 'UDP ttl 1', frame: buildUdpIpv4({ ...l2, ...v4, ttl: 1, srcPort: 1000, dstPort: 2000 }), want: 'p4' },
  { name: 'UDP to port 99, ttl 64 (dec_ttl)', frame: buildUdpIpv4({ ...l2, ...v4, ttl: 64, srcPort: 1000, dstPort: 99 }), want: 'p3 ttl=63' },
  { name: 'UDP to port 99, ttl 1 (dec_ttl expires it)', frame: buildUdpIpv4({ ...l2, ...v4, ttl: 1, srcPort: 1000, dstPort: 99 }), want: 'drop' },
  { name: 'UDP tos 0x20', frame: buildUdpIpv4({ ...l2, ...v4, tos: 0x20, srcPort: 1000, dstPort: 2000 }), want: 'p3' },
  { name: 'UDP ttl 64 (dec_ttl)', frame: buildUdpIpv4({ ...l2, ...v4, ttl: 64, srcPort: 1000, dstPort: 2000 }), want: 'p2 ttl=63' },
  { name: 'TCP SYN', frame: buildTcpIpv4({ ...l2, ...v4, srcPort: 1000, dstPort: 80, tcpFlags: 0x02 }), want: 'p2' },
  { name: 'TCP SYN-ACK', frame: buildTcpIpv4({ ...l2, ...v4, srcPort: 80, dstPort: 1000, tcpFlags: 0x12 }), want: 'p3' },
  { name: 'IPv4 later fragment', frame: laterFragment(), want: 'p4' },
];

/** n_packets of each rule after two rounds (the sentinel, an ARP request for 10.0.0.1, counts on the first rule). */
const N_PACKETS: Record<string, number> = {
  'priority=100,arp,arp_tpa=10.0.0.1': 2 + 2 * CASES.length,
  'priority=100,arp,arp_op=2': 2,
  'priority=100,ipv6,ipv6_dst=2001:db8::1': 2,
  'priority=100,ipv6,ipv6_dst=2001:db8::2': 2,
  'priority=110,icmp6,icmp_type=135,nd_target=2001:db8::5': 2,
  'priority=100,icmp,icmp_type=8': 2,
  'priority=100,icmp,icmp_type=0': 2,
  'priority=95,udp,tp_dst=99': 4,
  'priority=90,ip,nw_ttl=1': 2,
  'priority=85,ip,nw_tos=32': 2,
  'priority=80,udp': 2,
  'priority=100,tcp,tcp_flags=+syn-ack': 2,
  'priority=99,tcp': 2,
  'priority=100,ip,nw_frag=later': 2,
  'priority=0': 2 * 3,   // ARP for 10.0.0.9, IPv6 to ::3, ND for ::6
};

// ---- the switches ----

interface Target {
  readonly dir: string;
  vsctl(...args: string[]): string;
  ofctl(...args: string[]): string;
  appctl(...args: string[]): string;
}

function sh(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv): string {
  return execFileSync(cmd, args, { env, encoding: 'utf8', timeout: 30_000 });
}

/** Starts an ovsdb-server and a switch daemon in a fresh directory: Weft's own (`weft ...`) or Open vSwitch's. */
function start(kind: 'weft' | 'ovs', cleanup: (fn: () => void) => void): Target {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${kind}-live-match-`));
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir, OVS_PKGDATADIR: dir };
  cleanup(() => {
    for (const p of ['ovs-vswitchd', 'ovsdb-server']) {
      try { process.kill(Number(fs.readFileSync(path.join(dir, `${p}.pid`), 'utf8')), 'SIGKILL'); } catch { /* not running */ }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const prog = (name: string): [string, string[]] => (kind === 'weft' ? [weft, [name]] : [name.startsWith('ovs') ? name : `ovs-${name}`, []]);
  const run = (name: string, ...args: string[]): string => { const [cmd, pre] = prog(name); return sh(cmd, [...pre, ...args], env); };
  const schema = kind === 'weft' ? path.join(root, 'schemas/vswitch.ovsschema') : '/usr/share/openvswitch/vswitch.ovsschema';
  run('ovsdb-tool', 'create', path.join(dir, 'conf.db'), schema);
  run('ovsdb-server', '--detach', '--no-chdir', '--pidfile', '--log-file', `--remote=punix:${dir}/db.sock`, path.join(dir, 'conf.db'));
  const vsctl = (...args: string[]) => sh('ovs-vsctl', [`--db=unix:${dir}/db.sock`, '--timeout=20', ...args], env);
  vsctl('--no-wait', 'init');
  run(kind === 'weft' ? 'vswitchd' : 'ovs-vswitchd', '--detach', '--no-chdir', '--pidfile', '--log-file', '--enable-dummy', '--disable-system', '--disable-system-route', `unix:${dir}/db.sock`);
  return {
    dir, vsctl,
    ofctl: (...args) => sh('ovs-ofctl', ['--timeout=10', ...args], env),
    appctl: (...args) => sh('ovs-appctl', ['--timeout=10', '-t', 'ovs-vswitchd', ...args], env),
  };
}

function records(file: string): Buffer[] {
  // A capture being appended to may end in a partial record: decode what is whole.
  try { return decodePcap(fs.readFileSync(file)).records.map((r) => Buffer.from(r.data)); } catch { return []; }
}

function ipv4Ttl(f: Buffer): string {
  const ihl = (f[14]! & 15) * 4;
  const ok = checksum(f, 14, ihl) === 0;
  return `ttl=${f[22]}${ok ? '' : ' (bad checksum)'}`;
}

/** Where `frame` went: "drop", or the ports it left by, each with "ttl=N" when it was rewritten. */
async function deliver(t: Target, frame: Uint8Array): Promise<string> {
  const pcap = (p: string) => path.join(t.dir, `${p}.pcap`);
  const seen = new Map(PORTS.map((p) => [p, records(pcap(p)).length]));
  const sentinels = records(pcap('p2')).filter((r) => r.equals(SENTINEL)).length;
  t.appctl('netdev-dummy/receive', 'p1', Buffer.from(frame).toString('hex'));
  t.appctl('netdev-dummy/receive', 'p1', SENTINEL.toString('hex'));
  const deadline = Date.now() + 10_000;
  while (records(pcap('p2')).filter((r) => r.equals(SENTINEL)).length === sentinels) {
    assert.ok(Date.now() < deadline, 'the sentinel (an ARP request for 10.0.0.1, which rule arp_tpa=10.0.0.1 sends to p2) never reached p2');
    await new Promise((r) => setTimeout(r, 20));
  }
  const out: string[] = [];
  for (const p of PORTS) {
    for (const r of records(pcap(p)).slice(seen.get(p)!)) {
      if (r.equals(SENTINEL)) continue;
      if (r.equals(Buffer.from(frame))) out.push(p);
      else out.push(r.readUInt16BE(12) === 0x0800 ? `${p} ${ipv4Ttl(r)}` : `${p} (rewritten)`);
    }
  }
  return out.length ? out.sort().join(', ') : 'drop';
}

/** The rules with their counters, as "match actions=... n_packets=N", in dump order. */
function flowCounters(t: Target): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of t.ofctl('dump-flows', 'br0').split('\n')) {
    const m = /n_packets=(\d+),.*?(priority=\S+?)(?: actions=|,actions=)/.exec(line) ?? /n_packets=(\d+),.*?(priority=\d+)\s/.exec(line);
    if (m) out[m[2]!] = Number(m[1]);
  }
  return out;
}

/** Where a packet-out of `frame` went (it has outputs in every case here: wait for the first). */
async function packetOut(t: Target, inPort: number, actions: string, frame: Uint8Array): Promise<string> {
  const pcap = (p: string) => path.join(t.dir, `${p}.pcap`);
  const seen = new Map(PORTS.map((p) => [p, records(pcap(p)).length]));
  t.ofctl('packet-out', 'br0', String(inPort), actions, Buffer.from(frame).toString('hex'));
  const fresh = () => PORTS.flatMap((p) => records(pcap(p)).slice(seen.get(p)!).map((r) => ({ p, r })));
  const deadline = Date.now() + 10_000;
  while (fresh().length === 0) {
    assert.ok(Date.now() < deadline, `packet-out ${actions} sent nothing`);
    await new Promise((r) => setTimeout(r, 20));
  }
  return fresh().map(({ p, r }) => (r.equals(Buffer.from(frame)) ? p : r.readUInt16BE(12) === 0x0800 ? `${p} ${ipv4Ttl(r)}` : `${p} (rewritten)`)).sort().join(', ');
}

/** Packet-outs whose actions read L3/L4 fields: keyed like received packets, they must agree with the rules above. */
const PACKET_OUTS: { name: string; inPort: number; actions: string; frame: Uint8Array; want: string }[] = [
  { name: 'packet-out dec_ttl', inPort: 1, actions: 'dec_ttl,output:4', frame: buildUdpIpv4({ ...l2, ...v4, ttl: 9, srcPort: 1, dstPort: 2 }), want: 'p4 ttl=8' },
  { name: 'packet-out resubmit of an ICMP echo request', inPort: 4, actions: 'resubmit(,0)', frame: buildIcmpEcho({ ...l2, ...v4, id: 2, seq: 2 }), want: 'p2' },
  { name: 'packet-out resubmit of an IPv6 packet to 2001:db8::2', inPort: 1, actions: 'resubmit(,0)', frame: buildUdpIpv6({ ...l2, src: ip6('2001:db8::9'), dst: ip6('2001:db8::2'), srcPort: 7, dstPort: 8 }), want: 'p4' },
];

interface Outcome { readonly deliveries: Record<string, string>; readonly counters: Record<string, number> }

async function script(t: Target): Promise<Outcome> {
  t.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=dummy', 'fail-mode=secure',
    ...PORTS.flatMap((p, i) => ['--', 'add-port', 'br0', p, '--', 'set', 'interface', p, 'type=dummy', `ofport_request=${i + 1}`, `options:tx_pcap=${t.dir}/${p}.pcap`]));
  t.ofctl('del-flows', 'br0');
  for (const f of FLOWS) t.ofctl('add-flow', 'br0', f);
  const deliveries: Record<string, string> = {};
  for (const round of [1, 2]) {
    for (const c of CASES) deliveries[`${c.name}, round ${round}`] = await deliver(t, c.frame);
  }
  // Rule counters of megaflow hits reach OpenFlow when the datapath's stats are pulled (OVS: revalidators).
  let counters = flowCounters(t);
  const deadline = Date.now() + 10_000;
  while (JSON.stringify(counters) !== JSON.stringify(N_PACKETS) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 200));
    counters = flowCounters(t);
  }
  // Packet-outs last, so that whether they count on rules does not touch the counters above.
  for (const po of PACKET_OUTS) deliveries[po.name] = await packetOut(t, po.inPort, po.actions, po.frame);
  return { deliveries, counters };
}

function golden(): Outcome {
  const deliveries: Record<string, string> = {};
  for (const round of [1, 2]) for (const c of CASES) deliveries[`${c.name}, round ${round}`] = c.want;
  for (const po of PACKET_OUTS) deliveries[po.name] = po.want;
  return { deliveries, counters: N_PACKETS };
}

test('Weft: OpenFlow L3/L4 matches and dec_ttl on live packets (ovs-ofctl, netdev-dummy/receive, tx_pcap)', { timeout: 120_000 }, async (t) => {
  const sw = start('weft', (fn) => t.after(fn));
  assert.deepEqual(await script(sw), golden());
});

const haveOvs = spawnSync('sh', ['-c', 'command -v ovs-vswitchd && test -f /usr/share/openvswitch/vswitch.ovsschema']).status === 0;

test('Open vSwitch: the same script gives the same results', { timeout: 120_000, skip: haveOvs ? false : 'ovs-vswitchd is not installed' }, async (t) => {
  const sw = start('ovs', (fn) => t.after(fn));
  assert.deepEqual(await script(sw), golden());
});
