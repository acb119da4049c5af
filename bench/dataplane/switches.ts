/**
 * The switches under test, one adapter each, all built on the same topology
 * (topology.ts) with the two veths `p1` and `p2` as ports:
 *
 *   linux-bridge  the kernel bridge, STP off: the ceiling to close in on
 *   ovs-netdev    a private ovsdb-server + ovs-vswitchd run inside the
 *                 switch namespace, bridge `datapath_type=netdev` (the
 *                 userspace datapath; its tap devices appear in that
 *                 namespace, not the host's)
 *   weft          `weft ovsdb-server` + `weft vswitchd` the same way,
 *                 configured with `weft vsctl`; ports of type "" (system),
 *                 i.e. packet sockets through Weft's native addon
 *
 * Both daemon pairs are started as Open vSwitch's own test suite starts
 * them: in the foreground with `--no-chdir --pidfile --log-file --unixctl`,
 * every file (database, sockets, pidfiles, logs, bridge management sockets
 * via OVS_RUNDIR) inside the instance's private directory, so nothing of a
 * system-wide instance is touched. The bridge is configured with one vsctl
 * transaction that waits until the switch has applied it (`cur_cfg`).
 *
 * In vlan mode both ports are access ports of the same VLAN (`tag=`). A
 * kernel without VLAN filtering on bridges (this one's) gets one plain
 * bridge per VLAN, the classic Linux design: with two access ports of one
 * VLAN no tag ever reaches a wire, so the forwarding work is the same. The
 * adapter says so in its note.
 *
 * `missing()` names what the machine lacks for a switch (tools, schema,
 * native addon); the run reports that switch as failed with this reason and
 * measures the others.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { findCommand, tail, type Daemon, type Lab } from './lab.js';
import type { Mode, SwitchKind } from './options.js';
import { SWITCH_PORTS, type Topology } from './topology.js';

export interface SwitchContext {
  readonly lab: Lab;
  readonly topo: Topology;
  readonly mode: Mode;
  readonly vlan: number;
  /** Private directory of this instance: database, sockets, pidfiles, logs. */
  readonly dir: string;
}

export interface StartedSwitch {
  /** Processes that must stay alive for the switch to forward. */
  readonly daemons: readonly Daemon[];
  /** A remark shown under the table. */
  readonly note?: string;
  /** Where to look when it misbehaves (its main log). */
  readonly log?: string;
}

export interface SwitchAdapter {
  readonly kind: SwitchKind;
  /** Why this switch cannot run on this machine, or null. */
  missing(): string | null;
  start(ctx: SwitchContext): Promise<StartedSwitch>;
}

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const weftBin = path.join(repoRoot, 'bin/weft');
const BRIDGE = 'br0';

export function adapterFor(kind: SwitchKind): SwitchAdapter {
  switch (kind) {
    case 'linux-bridge': return linuxBridge;
    case 'ovs-netdev': return ovsNetdev;
    case 'weft': return weft;
  }
}

const linuxBridge: SwitchAdapter = {
  kind: 'linux-bridge',
  missing: () => null,
  async start({ lab, topo, mode, vlan }) {
    const ipn = (...args: string[]): Promise<string> => lab.must('ip', ['-n', topo.sw, ...args]);
    let note: string | undefined;
    let filtering = false;
    if (mode === 'vlan') {
      const r = await lab.run('ip', ['-n', topo.sw, 'link', 'add', BRIDGE, 'type', 'bridge', 'stp_state', '0', 'vlan_filtering', '1', 'vlan_default_pvid', '0']);
      filtering = r.code === 0;
      if (!filtering) note = 'kernel without VLAN filtering on bridges: the access VLAN is one plain bridge of its own (same forwarding work)';
    }
    if (!filtering) await ipn('link', 'add', BRIDGE, 'type', 'bridge', 'stp_state', '0');
    for (const p of SWITCH_PORTS) {
      await ipn('link', 'set', p, 'master', BRIDGE);
      if (filtering) await lab.must('bridge', ['vlan', 'add', 'dev', p, 'vid', String(vlan), 'pvid', 'untagged'], { ns: topo.sw });
    }
    await ipn('link', 'set', BRIDGE, 'up');
    return note ? { daemons: [], note } : { daemons: [] };
  },
};

/** How to run one OVS-compatible implementation: command prefixes and its schema. */
interface OvsLike {
  /** For messages: "weft", "Open vSwitch". */
  readonly name: string;
  readonly ovsdbTool: readonly string[];
  readonly ovsdbServer: readonly string[];
  readonly vswitchd: readonly string[];
  readonly vsctl: readonly string[];
  readonly schema: () => string | null;
  /** Extra `set bridge` settings. */
  readonly bridgeSettings: readonly string[];
}

const OVS_SCHEMAS = ['/usr/share/openvswitch/vswitch.ovsschema', '/usr/local/share/openvswitch/vswitch.ovsschema'];

const OVS: OvsLike = {
  name: 'Open vSwitch',
  ovsdbTool: ['ovsdb-tool'],
  ovsdbServer: ['ovsdb-server', '-vconsole:off'],
  vswitchd: ['ovs-vswitchd', '-vconsole:off', '--disable-system'],
  vsctl: ['ovs-vsctl'],
  schema: () => OVS_SCHEMAS.find((f) => fs.existsSync(f)) ?? null,
  bridgeSettings: ['datapath_type=netdev'],
};

const WEFT: OvsLike = {
  name: 'weft',
  ovsdbTool: [weftBin, 'ovsdb-tool'],
  ovsdbServer: [weftBin, 'ovsdb-server'],
  vswitchd: [weftBin, 'vswitchd'],
  vsctl: [weftBin, 'vsctl'],
  schema: () => path.join(repoRoot, 'schemas/vswitch.ovsschema'),
  bridgeSettings: [],
};

const ovsNetdev: SwitchAdapter = {
  kind: 'ovs-netdev',
  missing() {
    for (const c of ['ovsdb-tool', 'ovsdb-server', 'ovs-vswitchd', 'ovs-vsctl']) {
      if (!findCommand(c)) return `${c} is not installed (Debian: openvswitch-switch)`;
    }
    return OVS.schema() ? null : `vswitch.ovsschema not found (looked in ${OVS_SCHEMAS.join(', ')})`;
  },
  start: (ctx) => startOvsLike(ctx, OVS),
};

const weft: SwitchAdapter = {
  kind: 'weft',
  missing() {
    if (!fs.existsSync(path.join(repoRoot, 'dist/src/cli/main.js'))) return 'Weft is not built (npm run build)';
    if (!fs.existsSync(path.join(repoRoot, 'build/Release/weft_io.node'))) return 'the native addon is not built (npm run build:native)';
    return null;
  },
  start: (ctx) => startOvsLike(ctx, WEFT),
};

async function startOvsLike(ctx: SwitchContext, impl: OvsLike): Promise<StartedSwitch> {
  const { lab, topo, dir } = ctx;
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir };
  const db = path.join(dir, 'conf.db');
  const sock = path.join(dir, 'db.sock');
  const vsctl = (...args: string[]): Promise<string> =>
    lab.must(impl.vsctl[0]!, [...impl.vsctl.slice(1), `--db=unix:${sock}`, '--timeout=20', ...args], { env, timeoutMs: 30_000 });
  // Files are named as Open vSwitch names them, whichever implementation runs.
  const daemon = (name: string, argv: readonly string[], extra: readonly string[]): Daemon =>
    lab.spawnDaemon({
      name: `${impl.name} ${name}`, ns: topo.sw, env, command: argv[0]!, logFile: path.join(dir, `${name}.out`),
      args: [...argv.slice(1), '--no-chdir', `--pidfile=${dir}/${name}.pid`, `--log-file=${dir}/${name}.log`, `--unixctl=${dir}/${name}.ctl`, ...extra],
    });

  // The database first: vswitchd reads its configuration from it.
  await lab.must(impl.ovsdbTool[0]!, [...impl.ovsdbTool.slice(1), 'create', db, impl.schema()!], { env });
  const server = daemon('ovsdb-server', impl.ovsdbServer, [`--remote=punix:${sock}`, db]);
  await untilExists(lab, server, sock);
  // The Open_vSwitch row must exist before vswitchd starts reporting into it.
  await vsctl('--no-wait', 'init');
  const vswitchd = daemon('ovs-vswitchd', impl.vswitchd, [`unix:${sock}`]);
  await untilExists(lab, vswitchd, path.join(dir, 'ovs-vswitchd.ctl'));
  // One transaction, waited for until vswitchd has applied it.
  const tag = ctx.mode === 'vlan' ? [`tag=${ctx.vlan}`] : [];
  const bridge = impl.bridgeSettings.length ? ['--', 'set', 'bridge', BRIDGE, ...impl.bridgeSettings] : [];
  await vsctl('add-br', BRIDGE, ...bridge, ...SWITCH_PORTS.flatMap((p) => ['--', 'add-port', BRIDGE, p, ...tag]));
  return { daemons: [server, vswitchd], log: path.join(dir, 'ovs-vswitchd.log') };
}

/** Waits until a daemon has created `file` (its socket); fails with its own words if it exits first. */
async function untilExists(lab: Lab, d: Daemon, file: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const gone = d.exitInfo();
    if (gone) throw new Error(`${d.name} exited (${gone.signal ?? `status ${String(gone.code)}`}) at start: ${tail(d.logFile) || 'no output'}`);
    if (fs.existsSync(file)) return;
    if (lab.closed) throw new Error('the benchmark is stopping');
    if (Date.now() > deadline) throw new Error(`${d.name} did not create ${path.basename(file)} within ${timeoutMs / 1000} s: ${tail(d.logFile) || 'no output'}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
