/**
 * From measurement records to the side-by-side table and the JSON summary.
 *
 * Per metric and switch: the median of the repetitions that produced a
 * figure, with their min and max (repetitions are combined by median, not
 * pooled, so one disturbed repetition moves the figure little). Ratios are
 * Weft's median over each peer's median (`weft/ovs-netdev`,
 * `weft/linux-bridge`), present when both sides have a figure; the range of
 * the per-repetition ratios (rep k of Weft over rep k of the peer, which
 * ran seconds apart) goes to the JSON as a measure of how steady the ratio
 * is. Above 1.0 is better for packets/s and Gbit/s; for RTT below 1.0 is.
 *
 * A switch with no figure for a metric shows `failed`; one with some
 * failed repetitions shows how many beside its median.
 */
import { median } from '../lib/stats.js';
import { formatNumber, formatTable } from '../lib/table.js';
import { METRICS } from './measure.js';
import type { SwitchKind, TestName } from './options.js';
import type { ModeRun } from './run.js';

export interface Cell {
  readonly median: number | null;
  readonly min: number | null;
  readonly max: number | null;
  /** Repetitions with a figure. */
  readonly ok: number;
  readonly failed: number;
}

export interface RatioSummary {
  /** `weft/<peer>`. */
  readonly name: string;
  readonly value: number | null;
  readonly perRepMin: number | null;
  readonly perRepMax: number | null;
}

export interface MetricSummary {
  readonly test: TestName;
  readonly metric: string;
  readonly unit: string;
  readonly higherIsBetter: boolean;
  readonly cells: Readonly<Partial<Record<SwitchKind, Cell>>>;
  readonly ratios: readonly RatioSummary[];
}

const CANDIDATE: SwitchKind = 'weft';
const PEERS: readonly SwitchKind[] = ['ovs-netdev', 'linux-bridge'];

export function summarize(run: ModeRun, tests: readonly TestName[]): MetricSummary[] {
  const kinds = run.switches.map((s) => s.kind);
  const ratioPairs = kinds.includes(CANDIDATE) ? PEERS.filter((p) => kinds.includes(p)) : [];
  return tests.map((test) => {
    const cells: Partial<Record<SwitchKind, Cell>> = {};
    for (const kind of kinds) {
      const recs = run.records.filter((r) => r.switch === kind && r.test === test);
      const vals = recs.map((r) => r.value).filter((v): v is number => v !== null && Number.isFinite(v));
      cells[kind] = vals.length
        ? { median: median(vals), min: Math.min(...vals), max: Math.max(...vals), ok: vals.length, failed: recs.length - vals.length }
        : { median: null, min: null, max: null, ok: 0, failed: recs.length };
    }
    const ratios = ratioPairs.map((peer): RatioSummary => {
      const a = cells[CANDIDATE]?.median ?? null, b = cells[peer]?.median ?? null;
      const perRep: number[] = [];
      for (const r of run.records.filter((x) => x.switch === CANDIDATE && x.test === test && x.value !== null)) {
        const p = run.records.find((x) => x.switch === peer && x.test === test && x.rep === r.rep);
        if (p?.value) perRep.push(r.value! / p.value);
      }
      return {
        name: `${CANDIDATE}/${peer}`,
        value: a !== null && b ? a / b : null,
        perRepMin: perRep.length ? Math.min(...perRep) : null,
        perRepMax: perRep.length ? Math.max(...perRep) : null,
      };
    });
    const info = METRICS[test];
    return { test, metric: info.metric, unit: info.unit, higherIsBetter: info.higherIsBetter, cells, ratios };
  });
}

function figure(unit: string, x: number): string {
  if (unit === 'ms') return x.toFixed(3);
  if (unit === 'Gbit/s') return x.toFixed(2);
  return formatNumber(x);
}

function cellText(unit: string, c: Cell | undefined): string {
  if (!c || c.median === null) return 'failed';
  const range = c.ok > 1 ? ` (${figure(unit, c.min!)}-${figure(unit, c.max!)})` : '';
  return `${figure(unit, c.median)}${range}${c.failed ? ` [${c.failed} failed]` : ''}`;
}

/** The table of one mode, with its heading and the per-switch status lines under it. */
export function formatMode(run: ModeRun, summary: readonly MetricSummary[], opts: { reps: number; duration: number; pings: number }): string {
  const kinds = run.switches.map((s) => s.kind);
  const ratioNames = summary[0]?.ratios.map((r) => r.name) ?? [];
  const columns = [
    { header: 'metric' },
    ...kinds.map((k) => ({ header: opts.reps > 1 ? `${k} median (min-max)` : k, align: 'right' as const })),
    ...ratioNames.map((n) => ({ header: n, align: 'right' as const })),
  ];
  const rows = summary.map((s) => [
    METRICS[s.test].label,
    ...kinds.map((k) => cellText(s.unit, s.cells[k])),
    ...s.ratios.map((r) => (r.value === null ? 'n/a' : r.value.toFixed(2))),
  ]);
  const vlan = run.mode === 'vlan' ? ` (both ports access ports of VLAN ${run.vlan})` : ' (one bridge, two ports)';
  const lines = [
    `Mode ${run.mode}${vlan}: vm1 10.199.0.1 -> switch -> vm2 10.199.0.2`,
    `${opts.reps} interleaved repetition(s), ${opts.duration} s per iperf3 run, ${opts.pings} pings 10 ms apart; ` +
      `checksum offload: ${run.offload === 'off' ? 'tx off on every veth end (ethtool -K IF tx off)' : 'kernel defaults (kept)'}`,
    '',
    formatTable(columns, rows).trimEnd(),
    '',
  ];
  if (ratioNames.length) lines.push('Ratios: Weft median / peer median; above 1.00 is better, except RTT where below 1.00 is better.');
  lines.push(...cpuTable(run, kinds));
  for (const s of run.switches) {
    const head = s.status === 'ok' ? `forwarding ${s.setupSeconds?.toFixed(1)} s after start` : `FAILED: ${s.reason}`;
    lines.push(`${s.kind}: ${head}${s.status === 'ok' ? failures(run, s.kind) : ''}${s.note ? `; note: ${s.note}` : ''}`);
  }
  return lines.join('\n') + '\n';
}

/** "; 3 of 12 measurements failed (why, why)" for a switch that started, or "". */
function failures(run: ModeRun, kind: SwitchKind): string {
  const mine = run.records.filter((r) => r.switch === kind);
  const bad = mine.filter((r) => r.value === null);
  if (!bad.length) return '';
  const why = [...new Set(bad.map((r) => `${r.test}: ${String(r.extra.error ?? 'no figure')}`))];
  return `; ${bad.length} of ${mine.length} measurements failed (${why.slice(0, 3).join('; ')}${why.length > 3 ? '; ...' : ''})`;
}

/**
 * Switch CPU per delivered packet (user + system time of the switch's
 * processes over the run / packets the receiver got), for the UDP tests:
 * on a machine where the load generator and the receiver compete with the
 * switch for CPU, the figure least moved by scheduling.
 */
function cpuTable(run: ModeRun, kinds: readonly SwitchKind[]): string[] {
  const withCpu = kinds.filter((k) => run.records.some((r) => r.switch === k && typeof r.extra.switch_cpu_us_per_pkt === 'number'));
  if (!withCpu.length) return [];
  const rows: string[][] = [];
  for (const test of ['udp64', 'udp1400'] as const) {
    const med = new Map<SwitchKind, number>();
    for (const k of withCpu) {
      const v = run.records.filter((r) => r.switch === k && r.test === test).map((r) => r.extra.switch_cpu_us_per_pkt).filter((x): x is number => typeof x === 'number');
      if (v.length) med.set(k, median(v));
    }
    if (!med.size) continue;
    const row = [`${METRICS[test].label.replace(/, packets\/s delivered/, '')}: switch CPU us per delivered packet`, ...withCpu.map((k) => (med.has(k) ? med.get(k)!.toFixed(2) : 'n/a'))];
    if (med.has(CANDIDATE) && med.has('ovs-netdev')) row.push((med.get(CANDIDATE)! / med.get('ovs-netdev')!).toFixed(2));
    rows.push(row);
  }
  if (!rows.length) return [];
  const cols: { header: string; align?: 'left' | 'right' }[] = [{ header: 'CPU (lower is better)' }, ...withCpu.map((k) => ({ header: k, align: 'right' as const }))];
  if (withCpu.includes(CANDIDATE) && withCpu.includes('ovs-netdev')) cols.push({ header: `${CANDIDATE}/ovs-netdev`, align: 'right' as const });
  return ['', formatTable(cols, rows).trimEnd(), ''];
}
