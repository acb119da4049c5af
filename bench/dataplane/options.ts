/**
 * The command line of `npm run bench:dataplane`, parsed into one checked
 * options object.
 *
 * Flags follow bench/lib/args.ts (`--name=value`, typed by their defaults,
 * unknown flags refused), and also accept the spaced form `--name value`
 * users type by habit: a value flag followed by a word that is not itself a
 * flag takes that word. Lists (`--switch`, `--mode`, `--tests`) are
 * comma-separated; every name is checked here, so a typo stops the run
 * before any namespace exists. `--quick` is a preset (one repetition,
 * 1-second iperf3 runs, 20 pings) that explicit `--reps`, `--duration` or
 * `--pings` still override.
 */
import * as os from 'node:os';
import * as path from 'node:path';
import { parseFlags, usage, UsageError } from '../lib/args.js';

export { UsageError };

export const SWITCH_KINDS = ['linux-bridge', 'ovs-netdev', 'weft'] as const;
export type SwitchKind = (typeof SWITCH_KINDS)[number];

export const TEST_NAMES = ['ping', 'udp64', 'udp1400', 'tcp'] as const;
export type TestName = (typeof TEST_NAMES)[number];

export const MODES = ['plain', 'vlan'] as const;
export type Mode = (typeof MODES)[number];

/** off: `ethtool -K IF tx off` on every veth end (Open vSwitch's userspace datapath needs it); keep: kernel defaults. */
export type Offload = 'off' | 'keep';

export interface DataplaneOptions {
  readonly switches: readonly SwitchKind[];
  readonly modes: readonly Mode[];
  readonly tests: readonly TestName[];
  readonly reps: number;
  /** Seconds per iperf3 run. */
  readonly duration: number;
  /** Echo requests per RTT measurement, 10 ms apart. */
  readonly pings: number;
  readonly offload: Offload;
  /** The access VLAN of both ports in vlan mode. */
  readonly vlan: number;
  /** Seconds a switch has, once configured, until vm1 must reach vm2. */
  readonly readyTimeout: number;
  /** Where the JSON results go. */
  readonly out: string;
  /** Keep the scratch directory (daemon logs, raw iperf3 and ping output). */
  readonly keep: boolean;
  /** Only remove what killed earlier runs left behind, then exit. */
  readonly cleanup: boolean;
}

const FLAGS = {
  defaults: {
    switch: SWITCH_KINDS.join(','),
    mode: 'plain',
    tests: TEST_NAMES.join(','),
    reps: 3,
    duration: 2,
    pings: 100,
    offload: 'off',
    vlan: 100,
    readyTimeout: 30,
    out: '',
    keep: false,
    quick: false,
    cleanup: false,
  },
  help: {
    switch: `switches to compare, comma-separated (${SWITCH_KINDS.join(', ')})`,
    mode: 'plain (one bridge, two ports), vlan (both ports access ports of --vlan), or plain,vlan (one table each)',
    tests: `tests to run, comma-separated (${TEST_NAMES.join(', ')})`,
    reps: 'interleaved repetitions of every test on every switch (the median is reported)',
    duration: 'seconds per iperf3 run',
    pings: 'echo requests per RTT measurement (10 ms apart)',
    offload: 'off: ethtool -K IF tx off on every veth end (OVS userspace needs it); keep: kernel defaults',
    vlan: 'access VLAN of both ports in vlan mode',
    readyTimeout: 'seconds a configured switch has until vm1 reaches vm2 (else it is reported failed)',
    out: 'JSON results file (default: a new file under the temporary directory)',
    keep: 'keep the scratch directory (daemon logs, raw iperf3/ping output)',
    quick: 'smoke run: 1 repetition, 1-second iperf3 runs, 20 pings',
    cleanup: 'remove namespaces and processes left by killed runs of this benchmark, then exit',
  },
};

const VALUE_FLAGS = new Set(
  Object.entries(FLAGS.defaults).filter(([, v]) => typeof v !== 'boolean').map(([k]) => k.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)),
);

/** `--name value` becomes `--name=value` for flags that take a value. */
export function joinSpacedFlags(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const m = /^--([a-z0-9-]+)$/.exec(a);
    const next = argv[i + 1];
    if (m && VALUE_FLAGS.has(m[1]!) && next !== undefined && !next.startsWith('--')) {
      out.push(`${a}=${next}`);
      i++;
    } else {
      out.push(a);
    }
  }
  return out;
}

function list<T extends string>(flag: string, text: string, allowed: readonly T[]): T[] {
  const items = text.split(',').map((s) => s.trim()).filter(Boolean);
  if (items.length === 0) throw new UsageError(`--${flag}: name at least one of ${allowed.join(', ')}`);
  for (const s of items) {
    if (!(allowed as readonly string[]).includes(s)) throw new UsageError(`--${flag}: unknown "${s}" (one of ${allowed.join(', ')})`);
  }
  if (new Set(items).size !== items.length) throw new UsageError(`--${flag}: "${text}" names something twice`);
  return items as T[];
}

/** Parses argv (without node and the script); null means `--help` was asked for. */
export function parseOptions(argv: readonly string[], now = new Date()): DataplaneOptions | null {
  const explicit = new Set(joinSpacedFlags(argv).map((a) => /^--([a-z0-9-]+)/.exec(a)?.[1]));
  const f = parseFlags(joinSpacedFlags(argv), FLAGS);
  if (!f) return null;
  if (f.quick) {
    if (!explicit.has('reps')) f.reps = 1;
    if (!explicit.has('duration')) f.duration = 1;
    if (!explicit.has('pings')) f.pings = 20;
  }
  if (f.offload !== 'off' && f.offload !== 'keep') throw new UsageError(`--offload: "${f.offload}" (off or keep)`);
  if (!Number.isInteger(f.reps) || f.reps < 1) throw new UsageError('--reps: a whole number, at least 1');
  if (!Number.isInteger(f.duration) || f.duration < 1) throw new UsageError('--duration: whole seconds, at least 1');
  if (!Number.isInteger(f.pings) || f.pings < 1) throw new UsageError('--pings: a whole number, at least 1');
  if (!Number.isInteger(f.vlan) || f.vlan < 1 || f.vlan > 4094) throw new UsageError('--vlan: 1 to 4094');
  if (f.readyTimeout <= 0) throw new UsageError('--ready-timeout: more than 0 seconds');
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return {
    switches: list('switch', f.switch, SWITCH_KINDS),
    modes: list('mode', f.mode, MODES),
    tests: list('tests', f.tests, TEST_NAMES),
    reps: f.reps,
    duration: f.duration,
    pings: f.pings,
    offload: f.offload,
    vlan: f.vlan,
    readyTimeout: f.readyTimeout,
    out: f.out || path.join(os.tmpdir(), `weft-bench-dataplane-${stamp}-${process.pid}.json`),
    keep: f.keep,
    cleanup: f.cleanup,
  };
}

export function usageText(): string {
  return usage('npm run bench:dataplane --', FLAGS) +
    '\nBuilds two VM namespaces joined by each switch and measures, interleaved:\n' +
    'UDP 64-byte and 1400-byte packets/s delivered, single-stream TCP Gbit/s and ping RTT.\n' +
    'Needs root, ip, iperf3, ping, ethtool; the Open vSwitch tools for ovs-netdev; the built\n' +
    'native addon for weft. Exit status: 0 every switch produced every figure, 1 otherwise.\n';
}
