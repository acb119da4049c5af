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
