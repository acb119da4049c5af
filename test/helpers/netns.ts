/**
 * Network namespaces and switch daemons for root system tests.
 *
 * A `Lab` owns everything it creates: namespaces (named with a per-process
 * prefix so parallel tests never collide), the veths inside them, daemon
 * processes (killed by the pids they wrote, never by name) and a scratch
 * directory. `cleanup()` removes all of it and is safe to call twice; tests
 * register it with `t.after` so it runs on failure too. Deleting a namespace
 * deletes the interfaces inside it, so nothing leaks into the host.
 *
 * `startWeft(ns)` runs Weft's ovsdb-server and vswitchd inside a namespace;
 * `startOvs(ns)` does the same with the real Open vSwitch (userspace
 * datapath), for interop tests. Both return a `Switch` with `vsctl` and
 * `appctl` bound to that instance.
 */
import { execFileSync, spawn, spawnSync, type SpawnOptions } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const weftBin = path.join(repoRoot, 'bin/weft');

/** Why root system tests cannot run here, or null when they can. */
export function labUnavailable(tools: string[] = []): string | null {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces)';
  if (spawnSync('ip', ['netns', 'list']).status !== 0) return 'ip netns does not work here';
  for (const t of tools) {
    if (spawnSync('sh', ['-c', `command -v ${t}`]).status !== 0) return `${t} is not installed (scripts/setup.sh installs it)`;
  }
  if (!fs.existsSync(path.join(repoRoot, 'build/Release/weft_io.node'))) return 'the native addon is not built (scripts/build-native.sh)';
  return null;
}

let labSeq = 0;

export interface Switch {
  readonly ns: string;
  readonly dir: string;
  vsctl(...args: string[]): string;
  appctl(...args: string[]): string;
}

export class Lab {
  readonly prefix: string;
  readonly dir: string;
  private readonly namespaces: string[] = [];
  private readonly pidfiles: string[] = [];
  private readonly children: number[] = [];

  constructor(tag = 'w') {
    this.prefix = `${tag}${process.pid % 100000}${labSeq++}`;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `weft-lab-${this.prefix}-`));
  }

  /** Runs a command; throws with its stderr on failure. */
  sh(cmd: string, args: string[], opts: { ns?: string; timeout?: number } = {}): string {
    const argv = opts.ns ? ['netns', 'exec', opts.ns, cmd, ...args] : args;
    const bin = opts.ns ? 'ip' : cmd;
    return execFileSync(bin, argv, { encoding: 'utf8', timeout: opts.timeout ?? 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
  }

  /** Like sh, but returns status and output instead of throwing. */
  try(cmd: string, args: string[], opts: { ns?: string; timeout?: number } = {}): { status: number; out: string } {
    const argv = opts.ns ? ['netns', 'exec', opts.ns, cmd, ...args] : args;
    const r = spawnSync(opts.ns ? 'ip' : cmd, argv, { encoding: 'utf8', timeout: opts.timeout ?? 30_000 });
    return { status: r.status ?? -1, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  }

  /** A namespace with loopback up; `name` is a short suffix. */
  netns(name: string): string {
    const ns = `${this.prefix}-${name}`;
    this.sh('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    this.sh('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /** A veth pair from `a` (in nsA) to `b` (in nsB), both up. */
  veth(nsA: string, a: string, nsB: string, b: string, opts: { mtu?: number } = {}): void {
    this.sh('ip', ['link', 'add', a, 'netns', nsA, 'type', 'veth', 'peer', 'name', b, 'netns', nsB]);
    for (const [ns, i] of [[nsA, a], [nsB, b]] as const) {
      if (opts.mtu) this.sh('ip', ['-n', ns, 'link', 'set', i, 'mtu', String(opts.mtu)]);
      this.sh('ip', ['-n', ns, 'link', 'set', i, 'up']);
    }
  }

  /** A "VM": a namespace whose eth0 is one end of a veth to `swNs`:`port`, with `addr` (CIDR). */
  vm(name: string, swNs: string, port: string, addr: string): string {
    const ns = this.netns(name);
    this.veth(swNs, port, ns, 'eth0');
    this.sh('ip', ['-n', ns, 'addr', 'add', addr, 'dev', 'eth0']);
    this.sh('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1'], { ns });
    return ns;
  }

  /** Starts a background process in `ns` and remembers it for cleanup. */
  spawn(ns: string, cmd: string, args: string[], opts: SpawnOptions = {}): number {
    const child = spawn('ip', ['netns', 'exec', ns, cmd, ...args], { stdio: 'ignore', detached: true, ...opts });
    child.unref();
    if (child.pid) this.children.push(child.pid);
    return child.pid ?? -1;
  }

  private daemonEnv(dir: string): NodeJS.ProcessEnv {
    return { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir };
  }

  private bind(ns: string, dir: string, vsctlBin: string[], appctlBin: string[]): Switch {
    const env = this.daemonEnv(dir);
    const run = (argv: string[]): string => execFileSync(argv[0]!, argv.slice(1), { env, encoding: 'utf8', timeout: 30_000, stdio: ['ignore', 'pipe', 'pipe'] });
    return {
      ns, dir,
      vsctl: (...args) => run([...vsctlBin, `--db=unix:${dir}/db.sock`, '--timeout=20', ...args]),
      appctl: (...args) => run([...appctlBin, '-t', path.join(dir, 'ovs-vswitchd.ctl'), ...args]),
    };
  }

  /** Weft's ovsdb-server and vswitchd inside `ns`, with an initialised database. */
  startWeft(ns: string, name = 'weft'): Switch {
    const dir = path.join(this.dir, name);
    fs.mkdirSync(dir, { recursive: true });
    const env = this.daemonEnv(dir);
    const inNs = (args: string[]): void => { execFileSync('ip', ['netns', 'exec', ns, weftBin, ...args], { env, stdio: 'ignore', timeout: 30_000 }); };
    inNs(['ovsdb-tool', 'create', path.join(dir, 'conf.db'), path.join(repoRoot, 'schemas/vswitch.ovsschema')]);
    inNs(['ovsdb-server', '--detach', '--no-chdir', `--pidfile=${dir}/ovsdb-server.pid`, `--log-file=${dir}/ovsdb-server.log`,
      `--unixctl=${dir}/ovsdb-server.ctl`, `--remote=punix:${dir}/db.sock`, path.join(dir, 'conf.db')]);
    this.pidfiles.push(path.join(dir, 'ovsdb-server.pid'));
    execFileSync(weftBin, ['vsctl', `--db=unix:${dir}/db.sock`, '--no-wait', 'init'], { env, stdio: 'ignore' });
    inNs(['vswitchd', '--detach', '--no-chdir', `--pidfile=${dir}/ovs-vswitchd.pid`, `--log-file=${dir}/ovs-vswitchd.log`,
      `--unixctl=${dir}/ovs-vswitchd.ctl`, `unix:${dir}/db.sock`]);
    this.pidfiles.push(path.join(dir, 'ovs-vswitchd.pid'));
    return this.bind(ns, dir, [weftBin, 'vsctl'], ['ovs-appctl']);
  }

  /** The real Open vSwitch (ovsdb-server + ovs-vswitchd) inside `ns`, for bridges with datapath_type=netdev. */
  startOvs(ns: string, name = 'ovs'): Switch {
    const dir = path.join(this.dir, name);
    fs.mkdirSync(dir, { recursive: true });
    const env = this.daemonEnv(dir);
    const schema = ['/usr/share/openvswitch/vswitch.ovsschema'].find((f) => fs.existsSync(f)) ?? path.join(repoRoot, 'schemas/vswitch.ovsschema');
    execFileSync('ovsdb-tool', ['create', path.join(dir, 'conf.db'), schema], { env });
    const inNs = (args: string[]): void => { execFileSync('ip', ['netns', 'exec', ns, ...args], { env, stdio: 'ignore', timeout: 30_000 }); };
    inNs(['ovsdb-server', '--detach', '--no-chdir', `--pidfile=${dir}/ovsdb-server.pid`, `--log-file=${dir}/ovsdb-server.log`,
      `--unixctl=${dir}/ovsdb-server.ctl`, `--remote=punix:${dir}/db.sock`, path.join(dir, 'conf.db')]);
    this.pidfiles.push(path.join(dir, 'ovsdb-server.pid'));
    execFileSync('ovs-vsctl', [`--db=unix:${dir}/db.sock`, '--no-wait', 'init'], { env, stdio: 'ignore' });
    inNs(['ovs-vswitchd', '--detach', '--no-chdir', `--pidfile=${dir}/ovs-vswitchd.pid`, `--log-file=${dir}/ovs-vswitchd.log`,
      `--unixctl=${dir}/ovs-vswitchd.ctl`, `unix:${dir}/db.sock`]);
    this.pidfiles.push(path.join(dir, 'ovs-vswitchd.pid'));
    return this.bind(ns, dir, ['ovs-vsctl'], ['ovs-appctl']);
  }

  /** Polls `fn` until it returns true or `ms` pass. */
  async until(fn: () => boolean, ms = 10_000, step = 100): Promise<boolean> {
    const end = Date.now() + ms;
    for (;;) {
      try { if (fn()) return true; } catch { /* not yet */ }
      if (Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, step));
    }
  }

  /** Retries `fn` (synchronously, 200 ms apart) until it returns true, at most `tries` times. */
  tryUntilSync(fn: () => boolean, tries = 25): boolean {
    for (let i = 0; i < tries; i++) {
      if (fn()) return true;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 200);
    }
    return false;
  }

  /** `ping -c n` from ns to addr: packets received. */
  ping(ns: string, addr: string, n = 3, waitS = 1): number {
    const r = this.try('ping', ['-c', String(n), '-i', '0.2', '-W', String(waitS), addr], { ns, timeout: (n * 0.2 + waitS + 5) * 1000 });
    const m = /(\d+) received/.exec(r.out);
    return m ? Number(m[1]) : 0;
  }

  cleanup(): void {
    for (const pid of this.children) {
      try { process.kill(-pid, 'SIGKILL'); } catch { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
    }
    for (const f of this.pidfiles.reverse()) {
      try { process.kill(Number(fs.readFileSync(f, 'utf8').trim()), 'SIGKILL'); } catch { /* not running */ }
    }
    for (const ns of this.namespaces.reverse()) spawnSync('ip', ['netns', 'del', ns]);
    this.namespaces.length = 0;
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
