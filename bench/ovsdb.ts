/**
 * `npm run bench:ovsdb`: Weft's OVSDB server against the real Open vSwitch
 * ovsdb-server, side by side, same schema (schemas/vswitch.ovsschema), same
 * load, same machine, one run.
 *
 * Method. Each repetition runs every phase on each server, every time on a
 * server started fresh in its own temporary directory from a database file
 * made by the real `ovsdb-tool create`. Servers alternate within a
 * repetition and the order flips from one repetition to the next (Weft, OVS,
 * OVS, Weft, …), so drift in machine load falls on both alike; the figure
 * reported for each server is the median over repetitions. Phases (see
 * lib/ovsdb-load.ts for the exact transactions):
 *
 *   txn     N clients, ovs-vsctl-shaped transactions back to back;
 *   fanout  K monitor_cond clients on Open_vSwitch.next_cfg, one writer
 *           paced at R tx/s (update latency), then back to back (writer
 *           throughput under fan-out);
 *   bulk    insert R QoS rows, then one new monitor's initial dump.
 *
 * The client side is this one Node process; it is the same for both
 * servers, so it shifts both servers' figures, not their ratio, as long as
 * it is not the bottleneck (the paced fan-out keeps it light).
 *
 * Durability differs by default and the report says so: Weft acknowledges a
 * commit only after its storage reports it durable, while ovsdb-server 3.1
 * writes without fsync unless the transaction says `"durable": true`.
 * `--durable` makes every transaction of the load say so.
 *
 * A benchmark is not a test: the exit status is non-zero only when a server
 * or the load could not run, never because of the figures.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseFlags, usage, UsageError, type FlagSet } from './lib/args.js';
import { installCleanup, cleanupAll, makeTempDir, removeTempDir, sleep } from './lib/proc.js';
import { startOvsdbServer, SERVER_LABEL, type ServerKind } from './lib/ovsdb-servers.js';
import { runTransactions, runFanout, runBulk, runSequentialInserts } from './lib/ovsdb-load.js';
import { straceAvailable, straceLauncher, countSyscalls } from './lib/syscalls.js';
import { median } from './lib/stats.js';
import { formatTable, formatNumber, formatRatio, formatPairs } from './lib/table.js';
import { describeMachine, toolVersion, gitRevision } from './lib/machine.js';
import { summarizeProfiles, formatProfileSummary } from './lib/cpuprofile.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const SCHEMA = path.join(REPO, 'schemas', 'vswitch.ovsschema');

const FLAGS = {
  defaults: {
    clients: 8, monitors: 16, seconds: 3, warmup: 0.5, reps: 3, rate: 500,
    bulkRows: 10000, bulkBatch: 1000, durable: false, phases: 'txn,fanout,bulk', servers: 'weft,ovs',
    syncProbe: true, json: false, profile: '',
  },
  help: {
    clients: 'concurrent clients in the transaction phase',
    monitors: 'monitor_cond clients in the fan-out phase',
    seconds: 'measured seconds per phase (fan-out runs two such windows)',
    warmup: 'unmeasured seconds before each measured window',
    reps: 'repetitions per server (servers interleaved; medians reported)',
    rate: 'writer transactions/s in the paced fan-out window',
    bulkRows: 'rows inserted in the bulk phase',
    bulkBatch: 'rows per bulk transaction',
    durable: 'end every transaction with {"op":"commit","durable":true}',
    phases: 'comma-separated subset of txn,fanout,bulk',
    servers: 'comma-separated subset of weft,ovs',
    syncProbe: 'first count fsync/fdatasync calls per transaction of each server under strace',
    json: 'print the results as JSON instead of tables',
    profile: 'DIR: run Weft under node --cpu-prof, keep profiles in DIR, print a summary',
  },
} satisfies FlagSet<Record<string, number | boolean | string>>;

type Params = typeof FLAGS.defaults;
type Better = 'higher' | 'lower';

interface MetricDef { readonly key: string; readonly label: string; readonly unit: string; readonly better: Better }
type RepFigures = Record<string, number>;

interface ServerRuns { figures: RepFigures[]; failures: string[]; failedTxns: number; firstTxnError: string | null; delivered: number[] }

const PHASES = ['txn', 'fanout', 'bulk'] as const;
type Phase = (typeof PHASES)[number];

function metricDefs(p: Params): MetricDef[] {
  const defs: MetricDef[] = [];
  const phases = new Set(p.phases.split(','));
  if (phases.has('txn')) {
    defs.push(
      { key: 'txnRate', label: `txn throughput (${p.clients} clients)`, unit: 'tx/s', better: 'higher' },
      { key: 'txnP50', label: 'txn latency p50', unit: 'ms', better: 'lower' },
      { key: 'txnP99', label: 'txn latency p99', unit: 'ms', better: 'lower' },
    );
  }
  if (phases.has('fanout')) {
    defs.push(
      { key: 'fanP50', label: `fan-out update latency p50 (${p.monitors} monitors, ${p.rate} tx/s)`, unit: 'ms', better: 'lower' },
      { key: 'fanP99', label: 'fan-out update latency p99', unit: 'ms', better: 'lower' },
      { key: 'fanPacedRate', label: `fan-out writer achieved rate (target ${p.rate})`, unit: 'tx/s', better: 'higher' },
      { key: 'fanMaxRate', label: `fan-out writer back to back (${p.monitors} monitors)`, unit: 'tx/s', better: 'higher' },
      { key: 'fanMaxP50', label: 'fan-out update latency p50, back to back', unit: 'ms', better: 'lower' },
      { key: 'fanMaxP99', label: 'fan-out update latency p99, back to back', unit: 'ms', better: 'lower' },
    );
  }
  if (phases.has('bulk') && p.bulkRows > 0) {
    defs.push(
      { key: 'bulkRate', label: `bulk insert ${p.bulkRows} rows (${p.bulkBatch}/txn)`, unit: 'rows/s', better: 'higher' },
      { key: 'bulkDump', label: `monitor initial dump of ${p.bulkRows} rows`, unit: 'ms', better: 'lower' },
    );
  }
  return defs;
}

/** Runs one phase on a fresh server; returns its figures. */
async function runPhase(phase: Phase, kind: ServerKind, p: Params, runs: ServerRuns, nodeFlags: string[]): Promise<RepFigures> {
  const server = await startOvsdbServer({ kind, schemaFile: SCHEMA, nodeFlags: kind === 'weft' ? nodeFlags : [] });
  const common = { socket: server.socket, durable: p.durable, warmupMs: p.warmup * 1000, durationMs: p.seconds * 1000 };
  try {
    switch (phase) {
      case 'txn': {
        const r = await runTransactions({ ...common, clients: p.clients });
        runs.failedTxns += r.failed;
        runs.firstTxnError ??= r.firstError;
        return { txnRate: r.txPerSec, txnP50: r.latencyMs.p50, txnP99: r.latencyMs.p99 };
      }
      case 'fanout': {
        const paced = await runFanout({ ...common, monitors: p.monitors, rate: p.rate });
        const b2b = await runFanout({ ...common, monitors: p.monitors, rate: 0 });
        runs.failedTxns += paced.failed + b2b.failed;
        runs.firstTxnError ??= paced.firstError ?? b2b.firstError;
        runs.delivered.push(paced.delivered, b2b.delivered);
        return {
          fanP50: paced.updateLatencyMs.p50, fanP99: paced.updateLatencyMs.p99, fanPacedRate: paced.writerTxPerSec,
          fanMaxRate: b2b.writerTxPerSec, fanMaxP50: b2b.updateLatencyMs.p50, fanMaxP99: b2b.updateLatencyMs.p99,
        };
      }
      case 'bulk': {
        const r = await runBulk({ socket: server.socket, rows: p.bulkRows, batch: p.bulkBatch, durable: p.durable });
        if (r.dumpedRows !== p.bulkRows) runs.failures.push(`bulk: initial dump had ${r.dumpedRows} rows, expected ${p.bulkRows}`);
        return { bulkRate: r.rowsPerSec, bulkDump: r.dumpMs };
      }
    }
  } finally {
    await server.stop();
  }
}

const SYNC_CALLS = ['fsync', 'fdatasync'] as const;
const PROBE_TXNS = 100;

interface SyncProbe { readonly atStart: number; readonly perTxnDefault: number; readonly perTxnDurable: number }

/**
 * What durability each server actually pays for: fsync + fdatasync calls
 * per transaction, for PROBE_TXNS sequential one-row inserts without and
 * then with "durable": true, on a server run under strace (not the measured one).
 */
async function probeSyncs(kind: ServerKind): Promise<SyncProbe> {
  const dir = makeTempDir('weft-bench-strace');
  const log = path.join(dir, 'strace.log');
  const count = (): number => countSyscalls(log, SYNC_CALLS);
  const server = await startOvsdbServer({ kind, schemaFile: SCHEMA, launcher: straceLauncher(log, SYNC_CALLS) });
  try {
    await sleep(200);
    const c0 = count();
    await runSequentialInserts(server.socket, PROBE_TXNS, false);
    await sleep(100);
    const c1 = count();
    await runSequentialInserts(server.socket, PROBE_TXNS, true);
    await sleep(100);
    return { atStart: c0, perTxnDefault: (c1 - c0) / PROBE_TXNS, perTxnDurable: (count() - c1) / PROBE_TXNS };
  } finally {
    await server.stop();
    removeTempDir(dir);
  }
}

function progress(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

function describeFigures(f: RepFigures): string {
  return Object.entries(f).map(([k, v]) => `${k}=${formatNumber(v)}`).join(' ');
}

interface Report {
  machine: ReturnType<typeof describeMachine> & { loadAverage1mAtEnd: number };
  versions: { weft: string; ovs: string | null };
  params: Params;
  durability: string;
  syncsPerTxn: Partial<Record<ServerKind, SyncProbe>>;
  results: { key: string; metric: string; unit: string; better: Better; weft: number; ovs: number; ratio: number; reps: Record<ServerKind, number[]> }[];
  notes: string[];
  failures: string[];
}

function durabilityNote(p: Params): string {
  return p.durable
    ? 'every transaction of the load ends with {"op":"commit","durable":true}, so both servers must sync the log before replying'
    : 'load as is (no "durable"): Weft replies only once its storage reports the commit durable (by design: ' +
      'write + fdatasync, grouped per event-loop turn); ovsdb-server 3.1 syncs its log only for transactions ' +
      'that say "durable": true. --durable makes every transaction say so.';
}

function formatSyncs(syncs: Report['syncsPerTxn']): string {
  const parts = (Object.entries(syncs) as [ServerKind, SyncProbe][]).map(([k, s]) =>
    `${SERVER_LABEL[k]} ${s.perTxnDefault.toFixed(2)} default / ${s.perTxnDurable.toFixed(2)} durable`);
  return parts.length ? `${parts.join('; ')} (strace, ${PROBE_TXNS} sequential inserts each)` : 'not probed';
}

async function main(argv: string[]): Promise<number> {
  let p: Params | null;
  try {
    p = parseFlags(argv, FLAGS);
  } catch (e) {
    if (e instanceof UsageError) { process.stderr.write(`bench/ovsdb: ${e.message}\n`); return 2; }
    throw e;
  }
  if (!p) { process.stdout.write(usage('node dist/bench/ovsdb.js', FLAGS)); return 0; }
  const params = p;
  const servers = params.servers.split(',').filter((s): s is ServerKind => s === 'weft' || s === 'ovs');
  const phases = params.phases.split(',').filter((s): s is Phase => (PHASES as readonly string[]).includes(s));
  if (servers.length === 0 || phases.length === 0 || params.reps < 1 || params.clients < 1 || params.bulkBatch < 1) {
    process.stderr.write('bench/ovsdb: need at least one server, one phase, one rep, one client, bulk-batch ≥ 1\n');
    return 2;
  }
  installCleanup();

  const machine = describeMachine();
  const ovsVersion = toolVersion('ovsdb-server');
  const weftVersion = `weft ${(JSON.parse(fs.readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version} (${gitRevision(REPO) ?? 'no git'})`;
  let nodeFlags: string[] = [];
  let profileDir = '';
  if (params.profile) {
    profileDir = path.resolve(params.profile);
    fs.mkdirSync(profileDir, { recursive: true });
    nodeFlags = ['--cpu-prof', `--cpu-prof-dir=${profileDir}`];
  }
  const defs = metricDefs(params);
  const runs: Record<ServerKind, ServerRuns> = {
    weft: { figures: [], failures: [], failedTxns: 0, firstTxnError: null, delivered: [] },
    ovs: { figures: [], failures: [], failedTxns: 0, firstTxnError: null, delivered: [] },
  };
  progress(`bench/ovsdb: ${servers.map((s) => SERVER_LABEL[s]).join(' vs ')}, ${params.reps} rep(s) of ${phases.join(', ')}; ${machine.cores} cores, load ${machine.loadAverage1m}`);

  const syncs: Partial<Record<ServerKind, SyncProbe>> = {};
  if (params.syncProbe && straceAvailable()) {
    for (const kind of servers) {
      try {
        syncs[kind] = await probeSyncs(kind);
        progress(`  sync probe ${SERVER_LABEL[kind].padEnd(4)} fsync+fdatasync per txn: default ${syncs[kind]!.perTxnDefault.toFixed(2)}, durable ${syncs[kind]!.perTxnDurable.toFixed(2)}`);
      } catch (e) {
        runs[kind].failures.push(`sync probe: ${(e as Error).message}`);
      }
    }
  } else if (params.syncProbe) {
    progress('  sync probe skipped: strace is not available');
  }

  for (let rep = 0; rep < params.reps; rep++) {
    const order = rep % 2 === 0 ? servers : [...servers].reverse();
    const figures: Record<ServerKind, RepFigures> = { weft: {}, ovs: {} };
    for (const phase of phases) {
      if (phase === 'bulk' && params.bulkRows === 0) continue;
      for (const kind of order) {
        try {
          const f = await runPhase(phase, kind, params, runs[kind], nodeFlags);
          Object.assign(figures[kind], f);
          progress(`  rep ${rep + 1}/${params.reps} ${phase.padEnd(6)} ${SERVER_LABEL[kind].padEnd(4)} ${describeFigures(f)}`);
        } catch (e) {
          const msg = `rep ${rep + 1} ${phase}: ${(e as Error).message}`;
          runs[kind].failures.push(msg);
          progress(`  ${SERVER_LABEL[kind]} FAILED ${msg}`);
        }
      }
    }
    for (const kind of servers) runs[kind].figures.push(figures[kind]);
  }

  const reps = (kind: ServerKind, key: string): number[] => runs[kind].figures.map((f) => f[key] ?? NaN);
  const report: Report = {
    machine: { ...machine, loadAverage1mAtEnd: describeMachine().loadAverage1m },
    versions: { weft: weftVersion, ovs: ovsVersion },
    params,
    durability: durabilityNote(params),
    syncsPerTxn: syncs,
    results: defs.map((d) => {
      const w = median(reps('weft', d.key)), o = median(reps('ovs', d.key));
      return { key: d.key, metric: d.label, unit: d.unit, better: d.better, weft: w, ovs: o, ratio: w / o, reps: { weft: reps('weft', d.key), ovs: reps('ovs', d.key) } };
    }),
    notes: [],
    failures: servers.flatMap((k) => runs[k].failures.map((f) => `${SERVER_LABEL[k]}: ${f}`)),
  };
  for (const k of servers) {
    const r = runs[k];
    const probe = syncs[k];
    if (probe && probe.perTxnDurable < 0.5) {
      report.notes.push(`${SERVER_LABEL[k]}: made ${probe.perTxnDurable.toFixed(2)} fsync/fdatasync calls per "durable" transaction: its replies did not wait for the disk in this run`);
    }
    if (r.failedTxns) report.notes.push(`${SERVER_LABEL[k]}: ${r.failedTxns} transaction(s) failed, first: ${r.firstTxnError}`);
    if (r.delivered.length) {
      const worst = Math.min(...r.delivered.filter(Number.isFinite));
      report.notes.push(`${SERVER_LABEL[k]}: fan-out updates delivered one per transaction: worst window ${(worst * 100).toFixed(1)}% (merged updates count as missing)`);
    }
  }

  if (params.json) {
    process.stdout.write(JSON.stringify(report, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2) + '\n');
  } else {
    process.stdout.write(formatText(report));
  }
  if (profileDir) {
    const text = `\nWeft ovsdb-server CPU profile (${profileDir}):\n${formatProfileSummary(summarizeProfiles(profileDir, REPO))}`;
    (params.json ? process.stderr : process.stdout).write(text);
  }
  return report.failures.length ? 1 : 0;
}

/** Half the range of the repetitions as a percentage of their median: how much noise sits in a figure. */
function formatSpread(values: readonly number[]): string {
  const v = values.filter(Number.isFinite);
  const m = median(v);
  if (v.length < 2 || !(m > 0)) return '';
  return `${Math.round(((Math.max(...v) - Math.min(...v)) / 2 / m) * 100)}%`;
}

function formatText(r: Report): string {
  const p = r.params;
  const header = formatPairs([
    ['machine', `${r.machine.cores} cores (${r.machine.cpuModel}), ${r.machine.memoryGiB} GiB, ${r.machine.platform}`],
    ['load average', `${r.machine.loadAverage1m} at start, ${r.machine.loadAverage1mAtEnd} at end (1 min)`],
    ['node', r.machine.node],
    ['weft', r.versions.weft],
    ['ovs', r.versions.ovs ?? 'ovsdb-server not found'],
    ['schema', 'schemas/vswitch.ovsschema (files made by the real ovsdb-tool create)'],
    ['parameters', `clients=${p.clients} monitors=${p.monitors} seconds=${p.seconds} warmup=${p.warmup} reps=${p.reps} rate=${p.rate} ` +
      `bulk-rows=${p.bulkRows} bulk-batch=${p.bulkBatch} durable=${p.durable}`],
    ['durability', r.durability],
    ['syncs per txn', formatSyncs(r.syncsPerTxn)],
  ]);
  const rows = r.results.map((x) => [
    x.metric, x.unit, formatNumber(x.weft), formatSpread(x.reps.weft), formatNumber(x.ovs), formatSpread(x.reps.ovs),
    formatRatio(x.weft, x.ovs), x.better === 'higher' ? 'higher' : 'lower (≤1 is better)',
  ]);
  const table = formatTable([
    { header: 'metric' }, { header: 'unit' }, { header: 'Weft', align: 'right' }, { header: '±', align: 'right' },
    { header: 'OVS', align: 'right' }, { header: '±', align: 'right' }, { header: 'Weft/OVS', align: 'right' }, { header: 'better' },
  ], rows);
  const lines = [header, `medians of ${p.reps} rep(s); ± is half the range of the reps, in % of the median:`, table];
  if (r.notes.length) lines.push(r.notes.map((n) => `note: ${n}`).join('\n') + '\n');
  if (r.failures.length) lines.push(r.failures.map((f) => `FAILED ${f}`).join('\n') + '\n');
  return lines.join('\n');
}

main(process.argv.slice(2)).then(
  async (code) => { await cleanupAll(); process.exitCode = code; },
  async (e: unknown) => {
    process.stderr.write(`bench/ovsdb: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    await cleanupAll();
    process.exitCode = 1;
  },
);
