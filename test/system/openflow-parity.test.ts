/**
 * Parity with Open vSwitch through the real ovs-ofctl: a few hundred
 * varied flows are added to a Weft bridge and to a real OVS bridge
 * (ovs-vswitchd --enable-dummy) with OpenFlow 1.0 (+NXM) and with
 * OpenFlow 1.3, and must dump identically in both versions (statistics
 * masked); invalid flow_mods must produce the same error output; and a
 * set of packets traced through the resulting tables must produce the
 * same "Datapath actions:" (port numbers mapped to names).
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { startWeft, startOvs, ofctl, run, type WeftSwitch, type OvsSwitch } from './openflow-harness.js';
import { corpus, INVALID, PACKETS, TRACE_FLOWS } from './openflow-corpus.js';

const BRIDGES = [{ name: 'br0', ports: ['p1', 'p2', 'p3'] }];
const VERSIONS = ['OpenFlow10', 'OpenFlow13'] as const;

let weft: WeftSwitch;
let ovs: OvsSwitch;

before(() => {
  weft = startWeft(BRIDGES);
  ovs = startOvs(BRIDGES);
});

after(() => {
  weft?.close();
  ovs?.close();
});

// ---- helpers ----

function stripLogs(s: string): string {
  return s.split('\n').filter((l) => !/^\d{4}-\d\d-\d\dT/.test(l)).join('\n');
}

function sortedLines(s: string): string[] {
  return s.split('\n').filter((l) => l.trim() && !/_FLOW reply/.test(l)).sort();
}

async function both(args: (x: string) => string[]): Promise<[string, string]> {
  const [a, b] = await Promise.all([ofctl(args(ovs.mgmt('br0'))), ofctl(args(weft.mgmt('br0')))]);
  return [`rc=${a.rc}\n${a.stdout}${stripLogs(a.stderr)}`, `rc=${b.rc}\n${b.stdout}${stripLogs(b.stderr)}`];
}

// ---- tests ----

test('dump-flows after add-flows: identical in OpenFlow 1.0 and 1.3, both ways', async () => {
  const flows = corpus();
  assert.ok(flows.length >= 200, `corpus has ${flows.length} flows`);
  const file = path.join(weft.dir, 'flows.txt');
  fs.writeFileSync(file, flows.join('\n') + '\n');
  for (const addV of VERSIONS) {
    for (const sw of [ovs.mgmt('br0'), weft.mgmt('br0')]) {
      const d = await ofctl(['-O', addV, 'del-flows', sw]);
      assert.equal(d.rc, 0, d.stderr);
    }
    const [o, w] = await both((x) => ['-O', addV, 'add-flows', x, file]);
    assert.equal(w, o, `add-flows with ${addV}`);
    for (const dumpV of VERSIONS) {
      const [od, wd] = await both((x) => ['-O', dumpV, '--no-stats', 'dump-flows', x]);
      const ol = sortedLines(od), wl = sortedLines(wd);
      const missing = ol.filter((l) => !wl.includes(l)), extra = wl.filter((l) => !ol.includes(l));
      assert.deepEqual({ missing: missing.slice(0, 10), extra: extra.slice(0, 10) }, { missing: [], extra: [] }, `added with ${addV}, dumped with ${dumpV}`);
      assert.equal(wl.length, ol.length);
      assert.ok(ol.length >= flows.length * 0.9, `only ${ol.length} of ${flows.length} flows dumped`);
    }
  }
});

test('invalid flow_mods: identical errors', async () => {
  for (const v of VERSIONS) {
    for (const f of INVALID) {
      const [o, w] = await both((x) => ['-O', v, 'add-flow', x, f]);
      assert.equal(w, o, `${v}: add-flow ${f}`);
    }
  }
});


/**
 * A "Datapath actions:" line with port numbers replaced by interface names,
 * runs of consecutive outputs sorted (flooding order is free), and
 * controller userspace actions reduced to their kind.
 */
function normalizeActions(line: string, names: Map<number, string>): string {
  const acts = line.replace(/^Datapath actions: /, '')
    .replace(/userspace\([^()]*(\([^()]*\))?[^()]*\)/g, 'userspace(controller)')
    .split(/,(?![^()]*\))/);
  const out: string[] = [];
  let run: string[] = [];
  const flush = () => { out.push(...run.sort()); run = []; };
  for (const a of acts) {
    if (/^\d+$/.test(a)) { run.push(names.get(Number(a)) ?? `?${a}`); continue; }
    flush();
    out.push(a);
  }
  flush();
  return out.join(',');
}

test('ofproto/trace: identical datapath actions over the parity tables', async () => {
  const file = path.join(weft.dir, 'trace-flows.txt');
  fs.writeFileSync(file, TRACE_FLOWS.join('\n') + '\n');
  for (const sw of [ovs.mgmt('br0'), weft.mgmt('br0')]) {
    await ofctl(['del-flows', sw]);
    const r = await ofctl(['add-flows', sw, file]);
    assert.equal(r.rc, 0, r.stderr);
  }
  const ovsNames = new Map<number, string>();
  for (const m of ovs.appctl('dpif/show').matchAll(/^\s+(\S+) \d+\/(\d+):/gm)) ovsNames.set(Number(m[2]), m[1]!);
  const weftNames = new Map<number, string>();
  for (const of of weft.sw.bridges.values()) for (const p of of.ports.values()) if (p.odp !== null) weftNames.set(p.odp, p.name);
  const diffs: string[] = [];
  let outputs = 0;
  for (const pkt of PACKETS) {
    const o = (await run('ovs-appctl', ['--timeout=10', 'ofproto/trace', 'br0', pkt], undefined, { ...process.env, OVS_RUNDIR: ovs.dir })).stdout;
    const w = weft.trace('br0', pkt);
    const last = (s: string) => s.split('\n').filter((l) => l.startsWith('Datapath actions: ')).pop() ?? '(none)';
    const oa = normalizeActions(last(o), ovsNames), wa = normalizeActions(last(w), weftNames);
    if (oa !== wa) diffs.push(`${pkt}\n  ovs : ${oa}\n  weft: ${wa}`);
    if (oa !== 'drop') outputs++;
  }
  assert.deepEqual(diffs, []);
  assert.ok(outputs > PACKETS.length / 2, 'most traced packets must be forwarded somewhere');
});

/** A session of table edits, each command run against both switches, outputs compared (durations masked). */
const SESSION: ReadonlyArray<readonly string[]> = [
  ['del-flows', 'X'],
  ['add-flow', 'X', 'priority=5,in_port=1,actions=output:2'],
  ['add-flow', 'X', 'cookie=0x10,priority=6,in_port=2,actions=output:1'],
  ['add-flow', 'X', 'cookie=0x11,priority=7,tcp,actions=output:3'],
  ['--strict', 'add-flow', 'X', 'check_overlap,priority=5,actions=drop'],
  ['add-flow', 'X', 'check_overlap,priority=5,in_port=1,dl_type=0x0800,actions=drop'],
  ['add-flow', 'X', 'check_overlap,priority=9,in_port=3,actions=drop'],
  ['mod-flows', 'X', 'in_port=1,actions=output:3'],
  ['--strict', 'mod-flows', 'X', 'priority=6,in_port=2,actions=NORMAL'],
  ['mod-flows', 'X', 'cookie=0x11/0xff,actions=LOCAL'],
  ['mod-flows', 'X', 'in_port=99,actions=output:1'],
  ['-O', 'OpenFlow13', 'mod-flows', 'X', 'in_port=98,actions=output:1'],
  ['--no-stats', 'dump-flows', 'X'],
  ['dump-aggregate', 'X', 'in_port=1'],
  ['del-flows', 'X', 'out_port=3'],
  ['--strict', 'del-flows', 'X', 'priority=6,in_port=2'],
  ['del-flows', 'X', 'cookie=0x10/0xf0'],
  ['--no-stats', 'dump-flows', 'X'],
  ['-O', 'OpenFlow13', 'add-group', 'X', 'group_id=5,type=select,bucket=output:1,bucket=output:2'],
  ['-O', 'OpenFlow13', 'add-group', 'X', 'group_id=5,type=all,bucket=output:1'],
  ['-O', 'OpenFlow13', 'add-flow', 'X', 'priority=20,in_port=1,actions=group:5'],
  ['-O', 'OpenFlow13', 'mod-group', 'X', 'group_id=5,type=all,bucket=output:3'],
  ['-O', 'OpenFlow13', 'mod-group', 'X', 'group_id=6,type=all,bucket=output:3'],
  ['-O', 'OpenFlow13', 'dump-groups', 'X'],
  ['-O', 'OpenFlow13', 'del-groups', 'X', 'group_id=5'],
  ['-O', 'OpenFlow13', '--no-stats', 'dump-flows', 'X'],
  ['-O', 'OpenFlow13', '--bundle', 'add-flows', 'X', 'BUNDLE_OK'],
  ['-O', 'OpenFlow13', '--bundle', 'add-flows', 'X', 'BUNDLE_BAD'],
  ['-O', 'OpenFlow13', '--no-stats', 'dump-flows', 'X'],
  ['-O', 'OpenFlow13', 'add-flow', 'X', 'table=1,priority=1,actions=goto_table:2'],
  ['-O', 'OpenFlow13', 'add-flow', 'X', 'table=2,priority=1,reset_counts,no_packet_counts,actions=write_actions(output:1),clear_actions'],
  ['-O', 'OpenFlow13', 'add-flow', 'X', 'table=2,priority=2,actions=clear_actions,write_actions(output:1),write_metadata:0x5/0xff,goto_table:3'],
  ['-O', 'OpenFlow13', '--no-stats', 'dump-flows', 'X', 'table=2'],
  ['--no-stats', 'dump-flows', 'X', 'table=2'],
];

test('flow and group table edits: identical outputs and tables', async () => {
  const ok = path.join(weft.dir, 'bundle-ok.txt'), bad = path.join(weft.dir, 'bundle-bad.txt');
  fs.writeFileSync(ok, 'priority=30,in_port=2,actions=output:3\npriority=31,in_port=3,actions=output:2\n');
  fs.writeFileSync(bad, 'priority=40,in_port=2,actions=output:1\npriority=41,actions=group:77\n');
  const mask = (s: string) => s.replace(/duration=[0-9.]+s/g, 'duration=?').replace(/\/tmp\/[^ ]*\.mgmt/g, 'MGMT');
  for (const cmd of SESSION) {
    const args = (x: string) => cmd.map((a) => (a === 'X' ? x : a === 'BUNDLE_OK' ? ok : a === 'BUNDLE_BAD' ? bad : a));
    const [o, w] = await both(args);
    // OVS dumps rules in its classifier's hash order; compare dumps as sets of lines.
    const norm = (x: string) => (cmd.includes('dump-flows') ? x.split('\n').sort().join('\n') : x);
    assert.equal(norm(mask(w)), norm(mask(o)), `ovs-ofctl ${cmd.join(' ')}`);
  }
});

test('learn: frames through a learning pipeline install the same flows', async () => {
  const flows = [
    'table=0,priority=10,actions=learn(table=1,hard_timeout=60,priority=7,cookie=0x5,NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_OF_IN_PORT[]->NXM_NX_REG1[0..15],output:NXM_OF_IN_PORT[]),learn(table=2,idle_timeout=30,NXM_OF_VLAN_TCI[0..11],eth_type=0x88b5,load:0xabc->NXM_NX_REG2[]),resubmit(,1)',
    'table=1,priority=0,actions=FLOOD',
  ];
  for (const x of [ovs.mgmt('br0'), weft.mgmt('br0')]) {
    await ofctl(['del-flows', x]);
    for (const f of flows) assert.equal((await ofctl(['add-flow', x, f])).rc, 0);
  }
  const frames = [
    ['p1', '505400000002505400000001810000058' + '8b5' + '00'.repeat(46)],
    ['p2', '505400000001505400000002' + '88b5' + '00'.repeat(46)],
    ['p3', 'ffffffffffff505400000003810000078' + '8b5' + '00'.repeat(46)],
  ];
  for (const [port, hex] of frames) {
    await run('ovs-appctl', ['netdev-dummy/receive', port!, hex!], undefined, { ...process.env, OVS_RUNDIR: ovs.dir });
    weft.devs.get(port!)!.receive([Buffer.from(hex!, 'hex')]);
  }
  await new Promise((r) => setTimeout(r, 500));
  const [o, w] = await both((x) => ['-O', 'OpenFlow13', '--no-stats', 'dump-flows', x]);
  assert.deepEqual(sortedLines(w), sortedLines(o));
  assert.ok(sortedLines(o).length >= 7);
});
