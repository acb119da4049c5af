/**
 * `npm run bench:dataplane`: real packets through three switches built the
 * same way in one run, side by side (root; everything lives in namespaces
 * this program creates and removes, also on failure or Ctrl-C):
 *
 *   vm1:eth0 (10.199.0.1) ==== p1:[ switch in ns sw ]:p2 ==== eth0:vm2 (10.199.0.2)
 *
 *   weft          `weft ovsdb-server` + `weft vswitchd`, ports of type system
 *   ovs-netdev    the real ovsdb-server + ovs-vswitchd, bridge datapath_type=netdev
 *   linux-bridge  the kernel bridge (the ceiling to close in on)
 *
 * Measured from vm1 towards vm2, interleaved: repetition k runs each test on
 * every switch before moving on, with the switch order rotated per
 * repetition, so load from elsewhere hits every switch alike:
 *
 *   udp64     iperf3 -u -b 0 -l 64    packets/s delivered to the receiver
 *   udp1400   iperf3 -u -b 0 -l 1400  packets/s delivered
 *   tcp       iperf3, one stream      Gbit/s received
 *   ping      ping -i 0.01            mean RTT, ms
 *
 * Each figure is the median of the repetitions (min-max beside it); ratios
 * are Weft over each peer. TX checksum offload is turned off on every veth
 * end by default (`ethtool -K IF tx off`, which also disables TSO), because
 * Open vSwitch's userspace datapath forwards partial checksums as they are
 * and TCP through it fails otherwise; `--offload=keep` leaves the kernel's
 * defaults (Weft completes checksums and passes TSO super-segments on, so
 * it works both ways; OVS's TCP figure then fails).
 *
 * `--mode=vlan` makes both ports access ports of VLAN 100.
 */
import * as fs from 'node:fs';
import { Lab, labUnavailable } from '../test/helpers/netns.js';
import { parseFlags, usage, UsageError } from './lib/args.js';
import { median } from './lib/stats.js';
import { formatNumber, formatRatio, formatTable } from './lib/table.js';
import { describeMachine, toolVersion } from './lib/machine.js';

const FLAGS = {
  defaults: { switch: 'weft,ovs-netdev,linux-bridge', reps: 3, duration: 2, pings: 100, mode: 'plain', offload: 'off', tests: 'ping,udp64,udp1400,tcp', out: '', quick: false },
  help: {
    switch: 'switches to compare, comma-separated (weft, ovs-netdev, linux-bridge)',
    reps: 'repetitions of every test on every switch (the median is reported)',
    duration: 'seconds per iperf3 run',
    pings: 'pings per RTT measurement (10 ms apart)',
    mode: 'plain (one bridge, two ports) or vlan (both ports access ports of VLAN 100)',
    offload: 'off: ethtool -K tx off on every veth end (OVS userspace needs it); keep: kernel defaults',
    tests: 'tests to run, comma-separated (ping, udp64, udp1400, tcp)',
    out: 'also write every measurement as JSON lines to this file',
    quick: 'one repetition, 1-second runs, 20 pings (a smoke run)',
  },
};

type SwitchName = 'weft' | 'ovs-netdev' | 'linux-bridge';
type TestName = 'ping' | 'udp64' | 'udp1400' | 'tcp';

interface Instance {
  readonly name: SwitchName;
  readonly vm1: string;
  readonly vm2: string;
  readonly port: number;
  ready: boolean;
  note: string;
}

interface Result { sw: SwitchName; test: TestName; rep: number; value: number | null; extra: Record<string, unknown> }

const METRIC: Record<TestName, { label: string; unit: string; higherIsBetter: boolean }> = {
  udp64: { label: 'UDP 64-byte packets/s delivered', unit: 'pps', higherIsBetter: true },
  udp1400: { label: 'UDP 1400-byte packets/s delivered', unit: 'pps', higherIsBetter: true },
  tcp: { label: 'TCP single stream, Gbit/s', unit: 'Gbit/s', higherIsBetter: true },
  ping: { label: 'ping RTT, ms (lower is better)', unit: 'ms', higherIsBetter: false },
};

const VLAN = 100;

function build(lab: Lab, name: SwitchName, mode: string, offload: string, port: number): Instance {
  const tag = name === 'weft' ? 'w' : name === 'ovs-netdev' ? 'o' : 'l';
  const sw = lab.netns(`${tag}sw`);
  const vm1 = lab.vm(`${tag}vm1`, sw, 'p1', '10.199.0.1/24');
  const vm2 = lab.vm(`${tag}vm2`, sw, 'p2', '10.199.0.2/24');
  if (offload === 'off') {
    for (const [ns, dev] of [[sw, 'p1'], [sw, 'p2'], [vm1, 'eth0'], [vm2, 'eth0']] as const) lab.sh('ethtool', ['-K', dev, 'tx', 'off'], { ns });
  }
  const tagArgs = mode === 'vlan' ? [`tag=${VLAN}`] : [];
  if (name === 'linux-bridge') {
    // Both ports are in the same VLAN in either mode: one plain bridge is the kernel's equivalent.
    lab.sh('ip', ['-n', sw, 'link', 'add', 'br0', 'type', 'bridge']);
    for (const p of ['p1', 'p2']) lab.sh('ip', ['-n', sw, 'link', 'set', p, 'master', 'br0']);
    lab.sh('ip', ['-n', sw, 'link', 'set', 'br0', 'up']);
  } else if (name === 'ovs-netdev') {
    const s = lab.startOvs(sw, 'ovs');
    s.vsctl('add-br', 'br0', '--', 'set', 'bridge', 'br0', 'datapath_type=netdev',
      '--', 'add-port', 'br0', 'p1', ...tagArgs, '--', 'add-port', 'br0', 'p2', ...tagArgs);
  } else {
    const s = lab.startWeft(sw, 'weft');
    s.vsctl('add-br', 'br0', '--', 'add-port', 'br0', 'p1', ...tagArgs, '--', 'add-port', 'br0', 'p2', ...tagArgs);
  }
  lab.spawn(vm2, 'iperf3', ['-s', '-p', String(port), '-B', '10.199.0.2']);
  return { name, vm1, vm2, port, ready: false, note: '' };
}

function iperf(lab: Lab, inst: Instance, args: string[], seconds: number): any {
  for (let attempt = 0; attempt < 3; attempt++) {
    const r = lab.try('iperf3', ['-c', '10.199.0.2', '-p', String(inst.port), '-J', '-t', String(seconds), ...args], { ns: inst.vm1, timeout: (seconds + 20) * 1000 });
    try {
      const j = JSON.parse(r.out.slice(r.out.indexOf('{')));
      if (!j.error) return j;
      if (!/busy/.test(j.error)) return j;
    } catch { /* not JSON: retry */ }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
  }
  return { error: 'iperf3 did not run' };
}

function measure(lab: Lab, inst: Instance, test: TestName, flags: typeof FLAGS.defaults): { value: number | null; extra: Record<string, unknown> } {
  if (test === 'ping') {
    const r = lab.try('ping', ['-q', '-c', String(flags.pings), '-i', '0.01', '-W', '1', '10.199.0.2'], { ns: inst.vm1, timeout: flags.pings * 50 + 10_000 });
    const m = /= ([\d.]+)\/([\d.]+)\/([\d.]+)\/([\d.]+) ms/.exec(r.out);
    const lost = /(\d+)% packet loss/.exec(r.out);
    return m ? { value: Number(m[2]), extra: { min: Number(m[1]), max: Number(m[3]), mdev: Number(m[4]), lossPct: Number(lost?.[1] ?? 0) } } : { value: null, extra: { error: r.out.trim().split('\n').pop() } };
  }
  if (test === 'tcp') {
    const j = iperf(lab, inst, [], flags.duration);
    if (j.error) return { value: null, extra: { error: j.error } };
    return { value: j.end.sum_received.bits_per_second / 1e9, extra: { retransmits: j.end.sum_sent?.retransmits } };
  }
  const len = test === 'udp64' ? '64' : '1400';
  const j = iperf(lab, inst, ['-u', '-b', '0', '-l', len], flags.duration);
  if (j.error) return { value: null, extra: { error: j.error } };
  const s = j.end.sum_received ?? j.end.sum;
  const delivered = s.packets - s.lost_packets;
  const sent = j.end.sum_sent?.packets ?? s.packets;
  return { value: delivered / s.seconds, extra: { sentPps: sent / (j.end.sum_sent?.seconds ?? s.seconds), lossPct: s.lost_percent } };
}

function report(results: Result[], switches: SwitchName[], tests: TestName[], flags: typeof FLAGS.defaults, notes: string[]): string {
  const cols = [{ header: 'metric' }];
  for (const s of switches) cols.push({ header: `${s} median` }, { header: `${s} min-max` });
  const ratios: [SwitchName, SwitchName][] = [];
  if (switches.includes('weft')) for (const peer of ['ovs-netdev', 'linux-bridge'] as const) if (switches.includes(peer)) ratios.push(['weft', peer]);
  for (const [a, b] of ratios) cols.push({ header: `${a}/${b}` });
  const rows: string[][] = [];
  for (const t of tests) {
    const row = [METRIC[t].label];
    const med = new Map<SwitchName, number>();
    for (const s of switches) {
      const vals = results.filter((r) => r.sw === s && r.test === t && r.value !== null).map((r) => r.value!);
      const all = results.filter((r) => r.sw === s && r.test === t).length;
      if (vals.length === 0) { row.push(all ? 'failed' : 'n/a', ''); med.set(s, NaN); continue; }
      const m = median(vals);
      med.set(s, m);
      const fmt = (x: number): string => (t === 'tcp' ? x.toFixed(2) : t === 'ping' ? x.toFixed(3) : formatNumber(x));
      row.push(fmt(m) + (vals.length < all ? ` (${all - vals.length} failed)` : ''), `${fmt(Math.min(...vals))}-${fmt(Math.max(...vals))}`);
    }
    for (const [a, b] of ratios) row.push(formatRatio(med.get(a)!, med.get(b)!));
    rows.push(row);
  }
  const m = describeMachine();
  const head = [
    `Data plane, mode ${flags.mode}, offload ${flags.offload === 'off' ? 'off (ethtool -K tx off on every veth end)' : 'kernel defaults'}, ` +
      `${flags.reps} interleaved repetition(s), ${flags.duration} s per iperf3 run, ${flags.pings} pings`,
    `machine: ${m.cores} cores, ${m.cpuModel}, ${m.platform}, node ${m.node}, load ${m.loadAverage1m} at start; ${toolVersion('ovs-vswitchd') ?? 'ovs-vswitchd not found'}`,
    '',
  ];
  return head.join('\n') + '\n' + formatTable(cols.map((c, i) => ({ ...c, align: i === 0 ? 'left' : 'right' })), rows) +
    (ratios.length ? '\nRatios are Weft / peer medians: above 1.0 is better for packets/s and Gbit/s, below 1.0 for RTT.\n' : '') +
    notes.map((n) => `note: ${n}\n`).join('');
}

async function main(): Promise<number> {
  let flags: typeof FLAGS.defaults | null;
  try {
    flags = parseFlags(process.argv.slice(2), FLAGS);
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`bench:dataplane: ${e.message}\n`); return 2; }
    throw e;
  }
  if (!flags) { process.stdout.write(usage('npm run bench:dataplane --', FLAGS)); return 0; }
  if (flags.quick) { flags.reps = 1; flags.duration = 1; flags.pings = 20; }
  const switches = flags.switch.split(',').map((s) => s.trim()).filter(Boolean) as SwitchName[];
  const tests = flags.tests.split(',').map((s) => s.trim()).filter(Boolean) as TestName[];
  for (const s of switches) if (!['weft', 'ovs-netdev', 'linux-bridge'].includes(s)) { process.stderr.write(`bench:dataplane: unknown switch ${s}\n`); return 2; }
  for (const t of tests) if (!(t in METRIC)) { process.stderr.write(`bench:dataplane: unknown test ${t}\n`); return 2; }
  if (!['plain', 'vlan'].includes(flags.mode)) { process.stderr.write('bench:dataplane: --mode is plain or vlan\n'); return 2; }
  const why = labUnavailable(['iperf3', 'ping', 'ethtool', ...(switches.includes('ovs-netdev') ? ['ovs-vswitchd'] : [])]);
  if (why) { process.stderr.write(`bench:dataplane: cannot run: ${why}\n`); return 1; }

  const lab = new Lab('bd');
  let cleaned = false;
  const cleanup = (): void => { if (!cleaned) { cleaned = true; lab.cleanup(); } };
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => { cleanup(); process.exit(130); });
  const results: Result[] = [];
  const notes: string[] = [];
  try {
    const insts: Instance[] = [];
    let port = 20000 + (process.pid % 5000) * 3;
    for (const s of switches) {
      try {
        insts.push(build(lab, s, flags.mode, flags.offload, port++));
      } catch (e) {
        notes.push(`${s}: did not start: ${(e as Error).message.split('\n')[0]}`);
        insts.push({ name: s, vm1: '', vm2: '', port: 0, ready: false, note: 'failed' });
      }
    }
    for (const i of insts) {
      if (i.note) continue;
      const t0 = Date.now();
      i.ready = await lab.until(() => lab.ping(i.vm1, '10.199.0.2', 1, 1) === 1, 30_000, 200);
      if (!i.ready) notes.push(`${i.name}: vm1 could not ping vm2 within 30 s`);
      else process.stderr.write(`bench:dataplane: ${i.name} forwarding after ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
    }
    for (let rep = 0; rep < flags.reps; rep++) {
      const order = insts.map((_, k) => insts[(k + rep) % insts.length]!);
      for (const t of tests) {
        for (const i of order) {
          if (!i.ready) { results.push({ sw: i.name, test: t, rep, value: null, extra: { error: 'not forwarding' } }); continue; }
          const r = measure(lab, i, t, flags);
          results.push({ sw: i.name, test: t, rep, ...r });
          process.stderr.write(`bench:dataplane: rep ${rep + 1}/${flags.reps} ${t} ${i.name}: ${r.value === null ? `failed (${String(r.extra.error)})` : formatNumber(r.value)}\n`);
        }
      }
    }
  } finally {
    cleanup();
  }
  const text = report(results, switches, tests, flags, notes);
  process.stdout.write(text);
  if (flags.out) fs.writeFileSync(flags.out, results.map((r) => JSON.stringify({ suite: 'dataplane', mode: flags!.mode, offload: flags!.offload, ...r })).join('\n') + '\n');
  return 0;
}

main().then((c) => { process.exitCode = c; }, (e) => { process.stderr.write(`bench:dataplane: ${(e as Error).stack ?? e}\n`); process.exitCode = 1; });
