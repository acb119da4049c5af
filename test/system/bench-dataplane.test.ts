/**
 * `npm run bench:dataplane`, cheaply: the harness in --quick mode with only
 * the Linux bridge (root, iperf3; about 5 s) must print a table with a
 * figure in every row, write JSON results, and leave no namespace, process
 * or directory behind. The pure parts (iperf3 and ping parsing, the
 * interleaved order, ratios and failed cells, flags) are checked without
 * root.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { parseIperf, parsePing } from '../../bench/dataplane/measure.js';
import { joinSpacedFlags, parseOptions, UsageError } from '../../bench/dataplane/options.js';
import { formatMode, summarize } from '../../bench/dataplane/report.js';
import { interleave, type MeasurementRecord, type ModeRun } from '../../bench/dataplane/run.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const benchJs = path.join(repoRoot, 'dist/bench/dataplane.js');

function skipReason(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  for (const t of ['iperf3', 'ip', 'ping', 'ethtool']) {
    if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `${t} is not installed`;
  }
  return null;
}

test('bench:dataplane --quick --switch=linux-bridge prints a table of figures and cleans up', { skip: skipReason() ?? false, timeout: 60_000 }, async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-bench-dp-test-'));
  try {
    const out = path.join(dir, 'results.json');
    const child = spawn(process.execPath, [benchJs, '--quick', '--switch', 'linux-bridge', `--out=${out}`], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
    child.stderr.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
    const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
    assert.equal(code, 0, `exit status ${String(code)}\n${stdout}\n${stderr}`);

    const rows = stdout.split('\n');
    const header = rows.find((l) => l.startsWith('metric'));
    assert.ok(header?.includes('linux-bridge'), stdout);
    for (const label of ['ping RTT', 'UDP 64 B', 'UDP 1400 B', 'TCP 1 stream']) {
      const row = rows.find((l) => l.startsWith(label));
      assert.ok(row, `no row for ${label}:\n${stdout}`);
      const cell = row.split('|')[1]!.trim();
      const value = Number(cell.replace(/,/g, ''));
      assert.ok(Number.isFinite(value) && value > 0, `${label}: "${cell}" is not a figure`);
    }
    assert.match(stdout, /linux-bridge: forwarding [\d.]+ s after start/);

    const json = JSON.parse(fs.readFileSync(out, 'utf8'));
    assert.equal(json.suite, 'dataplane');
    assert.equal(json.modes.length, 1);
    assert.deepEqual(json.modes[0].summary.map((s: { metric: string }) => s.metric), ['ping_rtt_ms', 'udp64_rx_pps', 'udp1400_rx_pps', 'tcp_gbps']);
    for (const s of json.modes[0].summary) assert.ok(s.cells['linux-bridge'].median > 0, JSON.stringify(s));

    // Nothing of this run is left: its namespaces carry its pid.
    const left = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.split('\n').filter((l) => l.startsWith(`wbd${child.pid}-`));
    assert.deepEqual(left, []);
    assert.deepEqual(fs.readdirSync(os.tmpdir()).filter((n) => n.startsWith(`weft-bench-dataplane-${child.pid}-`)), []);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('iperf3 UDP report: packets delivered per second from the receiver side', () => {
  const report = JSON.stringify({
    start: {},
    end: {
      sum_sent: { seconds: 1, packets: 1000, lost_packets: 0 },
      sum_received: { seconds: 2, packets: 1000, lost_packets: 200, lost_percent: 20 },
    },
  });
  const m = parseIperf(report, 'udp');
  assert.equal(m.value, 400);
  assert.equal(m.extra.loss_pct, 20);
  assert.equal(m.extra.tx_pps, 1000);
  assert.equal(parseIperf(JSON.stringify({ start: {}, error: 'the server is busy running a test. try again later' }), 'udp').value, null);
  assert.match(String(parseIperf('', 'tcp').extra.error), /printed nothing/);
  assert.match(String(parseIperf('{"start":', 'tcp').extra.error), /not JSON/);
  const tcp = parseIperf(JSON.stringify({ end: { sum_sent: { bits_per_second: 2.1e9, retransmits: 3 }, sum_received: { bits_per_second: 2e9 } } }), 'tcp');
  assert.equal(tcp.value, 2);
  assert.equal(tcp.extra.retransmits, 3);
});

test('ping statistics: mean RTT, and no replies is a failure', () => {
  const ok = parsePing('--- 10.199.0.2 ping statistics ---\n20 packets transmitted, 20 received, 0% packet loss, time 190ms\nrtt min/avg/max/mdev = 0.011/0.013/0.018/0.002 ms\n');
  assert.equal(ok.value, 0.013);
  assert.equal(ok.extra.max_ms, 0.018);
  const lost = parsePing('--- 10.199.0.2 ping statistics ---\n20 packets transmitted, 0 received, 100% packet loss, time 190ms\n');
  assert.equal(lost.value, null);
  assert.match(String(lost.extra.error), /no replies/);
});

test('interleave: rep k runs each test on every switch, the order rotated per rep', () => {
  const steps = interleave({ switchCount: 3, reps: 3, tests: ['ping', 'tcp'] });
  assert.equal(steps.length, 18);
  const order = (rep: number, t: string): number[] => steps.filter((s) => s.rep === rep && s.test === t).map((s) => s.switchIndex);
  assert.deepEqual(order(1, 'ping'), [0, 1, 2]);
  assert.deepEqual(order(2, 'ping'), [1, 2, 0]);
  assert.deepEqual(order(3, 'tcp'), [2, 0, 1]);
  assert.deepEqual(steps.slice(0, 4).map((s) => s.test), ['ping', 'ping', 'ping', 'tcp']);
});

test('report: medians, min-max, ratios; a failed switch shows "failed" and n/a ratios', () => {
  const rec = (sw: MeasurementRecord['switch'], rep: number, value: number | null): MeasurementRecord =>
    ({ switch: sw, test: 'udp64', metric: 'udp64_rx_pps', unit: 'pps', rep, value, extra: value === null ? { error: 'x' } : {} });
  const run = (weft: (number | null)[]): ModeRun => ({
    mode: 'plain', vlan: null, offload: 'off', startedAt: '', seconds: 1, loadAverage: { start: 0, end: 0 },
    switches: [{ kind: 'linux-bridge', status: 'ok', setupSeconds: 0.1 }, { kind: 'ovs-netdev', status: 'ok', setupSeconds: 0.5 },
      weft.every((v) => v === null) ? { kind: 'weft', status: 'failed', reason: 'vm1 could not reach vm2 within 30 s' } : { kind: 'weft', status: 'ok', setupSeconds: 1 }],
    records: [1, 2, 3].flatMap((r) => [rec('linux-bridge', r, 200_000 + r), rec('ovs-netdev', r, [100_000, 90_000, 110_000][r - 1]!), rec('weft', r, weft[r - 1]!)]),
  });
  const good = summarize(run([120_000, 99_000, 121_000]), ['udp64'])[0]!;
  assert.equal(good.cells['ovs-netdev']!.median, 100_000);
  assert.equal(good.cells.weft!.min, 99_000);
  assert.equal(good.ratios[0]!.name, 'weft/ovs-netdev');
  const near = (x: number | null, y: number): boolean => x !== null && Math.abs(x - y) < 1e-9;
  assert.ok(near(good.ratios[0]!.value, 1.2));
  assert.ok(near(good.ratios[0]!.perRepMin, 1.1));
  assert.ok(near(good.ratios[0]!.perRepMax, 1.2));
  assert.equal(good.ratios[1]!.name, 'weft/linux-bridge');

  const badRun = run([null, null, null]);
  const bad = summarize(badRun, ['udp64']);
  assert.equal(bad[0]!.cells.weft!.failed, 3);
  assert.equal(bad[0]!.ratios[0]!.value, null);
  const text = formatMode(badRun, bad, { reps: 3, duration: 2, pings: 100 });
  const row = text.split('\n').find((l) => l.startsWith('UDP 64 B'))!;
  assert.deepEqual(row.split('|').map((c) => c.trim()), ['UDP 64 B, packets/s delivered', '200,002 (200,001-200,003)', '100,000 (90,000-110,000)', 'failed', 'n/a', 'n/a']);
  assert.match(text, /weft: FAILED: vm1 could not reach vm2 within 30 s/);
});

test('flags: spaced and = forms, --quick presets, typos refused', () => {
  assert.deepEqual(joinSpacedFlags(['--switch', 'weft', '--quick', '--reps=2']), ['--switch=weft', '--quick', '--reps=2']);
  const q = parseOptions(['--quick', '--switch', 'linux-bridge,weft', '--reps', '2'])!;
  assert.deepEqual(q.switches, ['linux-bridge', 'weft']);
  assert.equal(q.reps, 2);
  assert.equal(q.duration, 1);
  assert.equal(q.pings, 20);
  assert.deepEqual(parseOptions([])!.modes, ['plain']);
  assert.deepEqual(parseOptions(['--mode=plain,vlan'])!.modes, ['plain', 'vlan']);
  assert.equal(parseOptions(['--help']), null);
  assert.throws(() => parseOptions(['--switch=ovs']), UsageError);
  assert.throws(() => parseOptions(['--offload=on']), UsageError);
  assert.throws(() => parseOptions(['--reps=0']), UsageError);
  assert.throws(() => parseOptions(['--swich=weft']), UsageError);
});
