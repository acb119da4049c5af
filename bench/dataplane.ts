/**
 * `npm run bench:dataplane`: real packets through Weft, Open vSwitch's
 * userspace datapath and the Linux bridge, built the same way in one run and
 * measured side by side (root; everything lives in namespaces this program
 * creates and removes, also on failure or Ctrl-C):
 *
 *   vm1:eth0 (10.199.0.1) ==== p1:[ switch, ns sw ]:p2 ==== eth0:vm2 (10.199.0.2)
 *
 *   linux-bridge  the kernel bridge: the ceiling to close in on
 *   ovs-netdev    ovsdb-server + ovs-vswitchd, bridge datapath_type=netdev
 *   weft          weft ovsdb-server + weft vswitchd, ports of type system
 *
 * Figures (measure.ts): 64-byte and 1400-byte UDP packets/s delivered,
 * single-stream TCP Gbit/s, ping RTT; each the median of interleaved
 * repetitions (run.ts), with min-max and the ratios Weft/OVS-netdev and
 * Weft/Linux-bridge (report.ts). The targets: Weft/OVS-netdev at
 * least 1.0 on every throughput figure and at most 1.0 on RTT.
 *
 * A switch that cannot start or does not forward is reported as failed, with
 * the reason, and the others are still measured. The JSON results (every
 * repetition, the summaries, the machine and tool versions) go to `--out`.
 * Exit status 0 when every switch produced every figure, 1 otherwise.
 *
 * This file is the shell: flags, preflight, one lab per mode, output. The
 * pieces live in bench/dataplane/.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import { describeMachine, gitRevision, toolVersion } from './lib/machine.js';
import { findCommand, installSignalHandlers, Lab, removeOrphans } from './dataplane/lab.js';
import { parseOptions, usageText, UsageError, type DataplaneOptions } from './dataplane/options.js';
import { formatMode, summarize, type MetricSummary } from './dataplane/report.js';
import { runMode, type ModeRun } from './dataplane/run.js';
import { repoRoot } from './dataplane/switches.js';

const say = (line: string): void => { process.stderr.write(`bench:dataplane: ${line}\n`); };

/** Why this machine cannot run the benchmark at all, or null. */
function preflight(opts: DataplaneOptions): string | null {
  if (process.getuid?.() !== 0) return 'needs root (it creates network namespaces)';
  const tools = ['ip', 'ping', 'iperf3', 'sysctl', ...(opts.offload === 'off' ? ['ethtool'] : [])];
  for (const t of tools) if (!findCommand(t)) return `${t} is not installed (Debian: apt-get install iproute2 iputils-ping iperf3 ethtool procps)`;
  return null;
}

function describeRun() {
  return {
    machine: describeMachine(),
    cpuIdlePct: cpuIdleShare(),
    git: gitRevision(repoRoot),
    tools: {
      iperf3: toolVersion('iperf3'),
      ovsVswitchd: toolVersion('ovs-vswitchd'),
      kernel: os.release(),
    },
  };
}

/** Share of CPU time idle over 300 ms (outside load shows up as spread in the figures). */
function cpuIdleShare(): number | null {
  const read = (): number[] | null => {
    try {
      return fs.readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/).slice(1).map(Number);
    } catch {
      return null;
    }
  };
  const a = read();
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
  const b = read();
  if (!a || !b) return null;
  const d = b.map((x, i) => x - a[i]!);
  const total = d.reduce((s, x) => s + x, 0);
  return total > 0 ? Math.round((100 * (d[3]! + (d[4] ?? 0))) / total) : null;
}

async function main(): Promise<number> {
  let opts: DataplaneOptions | null;
  try {
    opts = parseOptions(process.argv.slice(2));
  } catch (e) {
    if (e instanceof UsageError) { say(e.message); return 2; }
    throw e;
  }
  if (!opts) { process.stdout.write(usageText()); return 0; }
  const why = preflight(opts);
  if (why) { say(`cannot run: ${why}`); return 1; }
  if (opts.cleanup) {
    const gone = removeOrphans();
    say(gone.length ? `removed ${gone.join(', ')}` : 'nothing left behind by earlier runs');
    return 0;
  }

  const labs: Lab[] = [];
  let interrupted = false;
  installSignalHandlers(() => labs, (sig) => {
    interrupted = true;
    say(`${sig}: stopping switches, removing namespaces; no results written`);
  });
  const meta = { startedAt: new Date().toISOString(), ...describeRun() };
  const machine = describeMachine();
  say(`${opts.switches.join(', ')} / ${opts.modes.join(', ')}: ${opts.reps} rep(s), ${opts.duration} s per iperf3 run; load ${machine.loadAverage1m}, CPU idle ${String(meta.cpuIdlePct)}%`);

  const runs: { run: ModeRun; summary: MetricSummary[] }[] = [];
  for (const mode of opts.modes) {
    const lab = new Lab({ keepDir: opts.keep });
    labs.push(lab);
    try {
      const run = await runMode(lab, opts, mode, say);
      runs.push({ run, summary: summarize(run, opts.tests) });
    } finally {
      await lab.cleanup();
      if (opts.keep) say(`kept ${lab.dir}`);
    }
    if (interrupted) break;
  }
  // The signal handler exits once the labs are gone; a partial table would mislead.
  if (interrupted) return 130;

  const end = describeMachine();
  const header = `Weft data-plane benchmark: ${machine.cores} cores, ${machine.cpuModel}, ${machine.platform}, node ${machine.node}; ` +
    `load ${machine.loadAverage1m} at start, ${end.loadAverage1m} at end; ${String(meta.tools.ovsVswitchd ?? 'Open vSwitch not found')}; ${String(meta.tools.iperf3 ?? '')}`;
  const busy = (meta.cpuIdlePct !== null && meta.cpuIdlePct < 90) || machine.loadAverage1m > machine.cores / 2;
  const warning = busy ? `warning: the machine was busy at start (CPU idle ${String(meta.cpuIdlePct)}%, load ${machine.loadAverage1m}): expect spread; compare ratios, or rerun when quiet\n` : '';
  process.stdout.write(`\n${header}\n${warning}\n${runs.map((r) => formatMode(r.run, r.summary, opts!)).join('\n')}`);

  const json = {
    suite: 'dataplane', version: 1, ...meta, finishedAt: new Date().toISOString(),
    options: { switches: opts.switches, modes: opts.modes, tests: opts.tests, reps: opts.reps, duration: opts.duration, pings: opts.pings, offload: opts.offload, vlan: opts.vlan },
    modes: runs.map(({ run, summary }) => ({ ...run, summary })),
  };
  fs.writeFileSync(opts.out, JSON.stringify(json, null, 2) + '\n');
  process.stdout.write(`\nresults: ${opts.out}\n`);

  const complete = runs.length === opts.modes.length && runs.every(({ run }) =>
    run.switches.every((s) => s.status === 'ok') && run.records.every((r) => r.value !== null));
  return complete ? 0 : 1;
}

main().then((code) => { process.exitCode = code; }, (e: unknown) => {
  say(`${(e as Error).stack ?? String(e)}`);
  process.exitCode = 1;
});
