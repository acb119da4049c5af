/**
 * Test harness for the OpenFlow suites: a Weft switch in-process (Switch +
 * OpenFlowManager, dummy ports, the bridge's `.mgmt` socket in a temporary
 * directory, so the real ovs-ofctl can talk to it), and a real Open vSwitch
 * (ovsdb-server + ovs-vswitchd --enable-dummy in a temporary directory,
 * started as test/acceptance/ovs/lib/common.sh starts it), with the same
 * bridges and ports, to compare against.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { SystemClock } from '../../src/base/clock.js';
import { Switch, type NetdevFactory } from '../../src/vswitch/bridge.js';
import type { SwitchConfig, BridgeConfig } from '../../src/vswitch/config.js';
import { DummyNetdev } from '../../src/netdev/dummy.js';
import { OpenFlowManager } from '../../src/openflow/connmgr/manager.js';
import { traceCommand } from '../../src/openflow/connmgr/trace.js';

export interface BridgeSpec {
  readonly name: string;
  readonly ports: readonly string[];
  readonly failMode?: 'standalone' | 'secure';
  readonly controllers?: readonly string[];
}

export interface WeftSwitch {
  readonly dir: string;
  readonly sw: Switch;
  readonly clock: SystemClock;
  readonly of: OpenFlowManager;
  readonly devs: Map<string, DummyNetdev>;
  mgmt(bridge: string): string;
  trace(bridge: string, flow: string): string;
  reconfigure(bridges: readonly BridgeSpec[]): void;
  close(): void;
}

function digits(name: string): number | null {
  const d = name.replace(/[^0-9]/g, '');
  return d && Number(d) > 0 ? Number(d) : null;
}

function config(bridges: readonly BridgeSpec[]): SwitchConfig {
  const brs: BridgeConfig[] = bridges.map((b, bi) => ({
    uuid: `br-${b.name}`, name: b.name, datapathType: 'dummy', failMode: b.failMode ?? 'standalone',
    otherConfig: new Map([['hwaddr', `aa:55:aa:55:00:${bi.toString(16).padStart(2, '0')}`]]), externalIds: new Map(),
    controllers: b.controllers ?? [], protocols: [],
    ports: [b.name, ...b.ports].map((p) => ({
      uuid: `port-${p}`, name: p, tag: null, trunks: [], vlanMode: null, bondMode: null, lacp: null, bondUpdelay: 0, bondDowndelay: 0,
      otherConfig: new Map(), fakeBridge: false,
      interfaces: [{ uuid: `if-${p}`, name: p, type: p === b.name ? 'internal' : 'dummy', options: new Map(), otherConfig: new Map(), ofportRequest: p === b.name ? null : digits(p), mac: null, mtuRequest: null }],
    })),
  }));
  return { rootUuid: 'root', nextCfg: 1, otherConfig: new Map(), bridges: brs };
}

export function startWeft(bridges: readonly BridgeSpec[], opts: { probeMs?: number } = {}): WeftSwitch {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-of-'));
  const clock = new SystemClock();
  const devs = new Map<string, DummyNetdev>();
  const factory: NetdevFactory = {
    create: ({ name, type }) => {
      const d = new DummyNetdev(name, type === 'internal' ? 'dummy-internal' : 'dummy');
      devs.set(name, d);
      return d;
    },
  };
  const sw = new Switch(clock, factory);
  const of = new OpenFlowManager(sw, { rundir: dir, clock, probeMs: opts.probeMs });
  const reconfigure = (bs: readonly BridgeSpec[]) => {
    const c = config(bs);
    sw.reconfigure(c);
    of.reconfigure(c.bridges.map((b) => ({ name: b.name, controllers: b.controllers, failMode: b.failMode, protocols: b.protocols })));
  };
  reconfigure(bridges);
  const timer = setInterval(() => { sw.runPeriodic(); of.run(); }, 50);
  return {
    dir, sw, clock, of, devs, reconfigure,
    mgmt: (b) => `unix:${path.join(dir, `${b}.mgmt`)}`,
    trace: (b, flow) => {
      const r = traceCommand(sw, clock, [b, flow]);
      return 'ok' in r ? r.ok : r.error;
    },
    close: () => { clearInterval(timer); of.close(); fs.rmSync(dir, { recursive: true, force: true }); },
  };
}

export interface OvsSwitch {
  readonly dir: string;
  mgmt(bridge: string): string;
  appctl(...args: string[]): string;
  vsctl(...args: string[]): string;
  close(): void;
}

function waitFor(cond: () => boolean, ms: number): void {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting for Open vSwitch');
    execFileSync('sleep', ['0.05']);
  }
}

/** A real ovsdb-server + ovs-vswitchd with the dummy datapath, bridges as `bridges`. */
export function startOvs(bridges: readonly BridgeSpec[]): OvsSwitch {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ovs-of-'));
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir, OVS_PKGDATADIR: dir };
  const schema = ['/usr/share/openvswitch/vswitch.ovsschema', '/usr/local/share/openvswitch/vswitch.ovsschema'].find((p) => fs.existsSync(p))!;
  execFileSync('ovsdb-tool', ['create', path.join(dir, 'conf.db'), schema], { env });
  const procs: ChildProcess[] = [];
  procs.push(spawn('ovsdb-server', ['--no-chdir', `--pidfile=${dir}/ovsdb-server.pid`, `--log-file=${dir}/ovsdb-server.log`, `--remote=punix:${dir}/db.sock`, path.join(dir, 'conf.db')], { env, stdio: 'ignore' }));
  waitFor(() => fs.existsSync(path.join(dir, 'db.sock')), 10000);
  const vsctl = (...args: string[]) => execFileSync('ovs-vsctl', ['--timeout=20', ...args], { env }).toString();
  vsctl('--no-wait', 'init');
  procs.push(spawn('ovs-vswitchd', ['--enable-dummy', '--disable-system', '--disable-system-route', '--no-chdir', `--pidfile=${dir}/ovs-vswitchd.pid`, `--log-file=${dir}/ovs-vswitchd.log`, `unix:${dir}/db.sock`], { env, stdio: 'ignore' }));
  waitFor(() => fs.existsSync(path.join(dir, 'ovs-vswitchd.pid')) && fs.readdirSync(dir).some((f) => /^ovs-vswitchd\.\d+\.ctl$/.test(f)), 10000);
  bridges.forEach((b, bi) => {
    const args = ['add-br', b.name, '--', 'set', 'bridge', b.name, 'datapath_type=dummy', `other-config:hwaddr=aa:55:aa:55:00:${bi.toString(16).padStart(2, '0')}`];
    if (b.failMode) args.push(`fail-mode=${b.failMode}`);
    for (const p of b.ports) args.push('--', 'add-port', b.name, p, '--', 'set', 'interface', p, 'type=dummy', ...(digits(p) ? [`ofport_request=${digits(p)}`] : []));
    vsctl(...args);
  });
  return {
    dir,
    mgmt: (b) => `unix:${path.join(dir, `${b}.mgmt`)}`,
    appctl: (...args) => execFileSync('ovs-appctl', ['--timeout=10', ...args], { env }).toString(),
    vsctl,
    close: () => {
      for (const pf of ['ovs-vswitchd.pid', 'ovsdb-server.pid']) {
        try { process.kill(Number(fs.readFileSync(path.join(dir, pf), 'utf8').trim()), 'SIGTERM'); } catch { /* gone */ }
      }
      for (const p of procs) { try { p.kill('SIGTERM'); } catch { /* gone */ } }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface OfctlResult { readonly rc: number; readonly stdout: string; readonly stderr: string }

/** Runs a program asynchronously (the Weft switch under test lives in this process); never throws. */
export function run(cmd: string, args: readonly string[], input?: string, env?: NodeJS.ProcessEnv): Promise<OfctlResult> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: env ?? process.env });
    let stdout = '', stderr = '';
    p.stdout.on('data', (d) => { stdout += d; });
    p.stderr.on('data', (d) => { stderr += d; });
    p.on('close', (code) => resolve({ rc: code ?? 1, stdout, stderr }));
    p.on('error', (e) => resolve({ rc: 127, stdout, stderr: String(e) }));
    p.stdin.on('error', () => { /* the program exited before reading its input */ });
    p.stdin.end(input ?? '');
  });
}

/** Runs the real ovs-ofctl (with a 10 s timeout). */
export function ofctl(args: readonly string[], input?: string): Promise<OfctlResult> {
  return run('ovs-ofctl', ['--timeout=10', ...args], input);
}
