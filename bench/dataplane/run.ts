/**
 * One mode of the benchmark: every switch on its own copy of the topology,
 * all up at once, then the tests interleaved.
 *
 * Steps, in order:
 *   1. For each switch in turn: check the machine has what it needs, build
 *      its topology, start it, start the iperf3 server, and wait until vm1
 *      reaches vm2 (that wait is its setup time). A switch that fails any
 *      of these is reported `failed` with the reason; the others go on.
 *   2. Repetition k runs test 1 on every switch, then test 2 on every
 *      switch, and so on; the switch order is rotated by one each
 *      repetition (`interleave`). Rep k of every switch therefore ran
 *      within seconds of the others, so load from elsewhere on the machine
 *      hits all of them alike, and no switch always goes first.
 *   3. Before each measurement the switch's daemons are checked; one that
 *      died marks the switch failed (with its log's last words) and its
 *      remaining cells empty, rather than timing out test after test.
 *
 * The lab (lab.ts) is the caller's, so that the caller can clean it up on
 * every way out.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { formatNumber } from '../lib/table.js';
import { tail, type Daemon, type Lab } from './lab.js';
import { cpuSeconds } from './cpu.js';
import { METRICS, Probe } from './measure.js';
import type { DataplaneOptions, Mode, Offload, SwitchKind, TestName } from './options.js';
import { adapterFor, type StartedSwitch } from './switches.js';
import { buildTopology, waitUntilForwarding } from './topology.js';

export interface SwitchOutcome {
  readonly kind: SwitchKind;
  status: 'ok' | 'failed';
  /** Why it failed, in plain words. */
  reason?: string;
  /** Seconds from start until vm1 first reached vm2. */
  setupSeconds?: number;
  note?: string;
}

export interface MeasurementRecord {
  readonly switch: SwitchKind;
  readonly test: TestName;
  readonly metric: string;
  readonly unit: string;
  /** 1-based. */
  readonly rep: number;
  readonly value: number | null;
  readonly extra: Readonly<Record<string, number | string>>;
}

export interface ModeRun {
  readonly mode: Mode;
  readonly vlan: number | null;
  readonly offload: Offload;
  readonly switches: readonly SwitchOutcome[];
  readonly records: readonly MeasurementRecord[];
  readonly startedAt: string;
  readonly seconds: number;
  readonly loadAverage: { readonly start: number; readonly end: number };
}

export interface Step {
  readonly rep: number;
  readonly test: TestName;
  /** Index into the switch list. */
  readonly switchIndex: number;
}

/** The measurement order: by repetition, then test, then switch, the switch order rotated per repetition. */
export function interleave(opts: { switchCount: number; reps: number; tests: readonly TestName[] }): Step[] {
  const steps: Step[] = [];
  for (let rep = 1; rep <= opts.reps; rep++) {
    for (const test of opts.tests) {
      for (let k = 0; k < opts.switchCount; k++) steps.push({ rep, test, switchIndex: (k + rep - 1) % opts.switchCount });
    }
  }
  return steps;
}

const SHORT: Readonly<Record<SwitchKind, string>> = { 'linux-bridge': 'lb', 'ovs-netdev': 'ovs', weft: 'weft' };

interface Instance {
  readonly outcome: SwitchOutcome;
  probe?: Probe;
  started?: StartedSwitch;
}

export async function runMode(lab: Lab, opts: DataplaneOptions, mode: Mode, log: (line: string) => void): Promise<ModeRun> {
  const t0 = Date.now();
  const loadStart = os.loadavg()[0]!;
  const instances: Instance[] = [];
  for (const kind of opts.switches) {
    const inst: Instance = { outcome: { kind, status: 'ok' } };
    instances.push(inst);
    await setUp(lab, opts, mode, inst);
    if (lab.closed) break;
    const o = inst.outcome;
    log(o.status === 'ok' ? `[${mode}] ${kind}: forwarding ${o.setupSeconds!.toFixed(1)} s after start` : `[${mode}] ${kind}: FAILED: ${o.reason}`);
  }

  const records: MeasurementRecord[] = [];
  const total = interleave({ switchCount: instances.length, reps: opts.reps, tests: opts.tests });
  for (const step of total) {
    if (lab.closed) break;
    const inst = instances[step.switchIndex]!;
    const { kind } = inst.outcome;
    const info = METRICS[step.test];
    const base = { switch: kind, test: step.test, metric: info.metric, unit: info.unit, rep: step.rep };
    const dead = inst.started?.daemons.find((d) => d.exitInfo());
    if (inst.outcome.status === 'ok' && dead) fail(inst.outcome, diedReason(dead));
    if (inst.outcome.status !== 'ok' || !inst.probe) {
      records.push({ ...base, value: null, extra: { error: `switch failed: ${inst.outcome.reason ?? 'not started'}` } });
      continue;
    }
    const pids = inst.started?.daemons.map((d) => d.pid) ?? [];
    const cpu0 = pids.length ? cpuSeconds(pids) : 0;
    const measured = await inst.probe.measure(step.test, step.rep);
    let m = measured;
    const rx = Number(measured.extra.rx_packets);
    if (pids.length && step.test !== 'ping' && step.test !== 'tcp' && rx > 0) {
      // Switch CPU per delivered packet: the figure least moved by who the scheduler favoured.
      m = { ...measured, extra: { ...measured.extra, switch_cpu_us_per_pkt: Math.round(((cpuSeconds(pids) - cpu0) / rx) * 1e6 * 100) / 100 } };
    }
    records.push({ ...base, ...m });
    const shown = m.value === null ? `failed (${String(m.extra.error)})` : `${formatNumber(m.value)} ${info.unit}`;
    log(`[${mode}] rep ${step.rep}/${opts.reps} ${step.test} ${kind}: ${shown}`);
  }

  return {
    mode, vlan: mode === 'vlan' ? opts.vlan : null, offload: opts.offload,
    switches: instances.map((i) => i.outcome), records,
    startedAt: new Date(t0).toISOString(), seconds: (Date.now() - t0) / 1000,
    loadAverage: { start: loadStart, end: os.loadavg()[0]! },
  };
}

/** Step 1 for one switch; any failure lands in its outcome. */
async function setUp(lab: Lab, opts: DataplaneOptions, mode: Mode, inst: Instance): Promise<void> {
  const { kind } = inst.outcome;
  const adapter = adapterFor(kind);
  const missing = adapter.missing();
  if (missing) return fail(inst.outcome, missing);
  try {
    const topo = await buildTopology(lab, { tag: `${mode[0]}-${SHORT[kind]}`, offload: opts.offload });
    const dir = path.join(lab.dir, `${mode}-${kind}`);
    fs.mkdirSync(dir, { recursive: true });
    const t0 = Date.now();
    inst.started = await adapter.start({ lab, topo, mode, vlan: opts.vlan, dir });
    if (inst.started.note) inst.outcome.note = inst.started.note;
    inst.probe = new Probe(lab, topo, { duration: opts.duration, pings: opts.pings, rawDir: path.join(dir, 'raw') });
    inst.probe.startServer();
    if (!(await waitUntilForwarding(lab, topo, opts.readyTimeout * 1000))) {
      const dead = inst.started.daemons.find((d) => d.exitInfo());
      const logTail = inst.started.log ? tail(inst.started.log, 2) : '';
      return fail(inst.outcome, dead ? diedReason(dead)
        : `vm1 could not reach vm2 within ${opts.readyTimeout} s${logTail ? ` (${path.basename(inst.started.log!)}: ${logTail})` : ''}`);
    }
    inst.outcome.setupSeconds = (Date.now() - t0) / 1000;
  } catch (e) {
    fail(inst.outcome, (e as Error).message.split('\n')[0]!);
  }
}

function fail(o: SwitchOutcome, reason: string): void {
  o.status = 'failed';
  o.reason = reason;
}

function diedReason(d: Daemon): string {
  const e = d.exitInfo()!;
  const words = tail(d.logFile, 2) || tail(d.logFile.replace(/\.out$/, '.log'), 2);
  return `${d.name} exited (${e.signal ?? `status ${String(e.code)}`})${words ? `: ${words}` : ''}`;
}
