/**
 * Everything one benchmark run creates on the host, and its removal.
 *
 * A `Lab` owns three kinds of things: network namespaces (all named
 * `wbd<pid>-…`, the pid being this process's, so runs never collide and a
 * leftover can be traced to the run that made it), long-running processes
 * (switch daemons, iperf3 servers) and one scratch directory. Nothing else
 * is touched: no interface outside those namespaces, no process it did not
 * start. Interfaces need no bookkeeping: veths live in the namespaces and
 * vanish with them.
 *
 * Processes are started in the foreground as our children, each leading a
 * process group of its own (so a Ctrl-C on the terminal reaches this
 * program, which then stops them in order), and are stopped by the pid we
 * hold, as a group: SIGTERM, then SIGKILL if they linger. Since we are
 * their parent, a pid cannot be reused before we have seen the child exit,
 * and nothing is signalled after that.
 *
 * `cleanup()` stops the processes, then deletes the namespaces (a namespace
 * with a process still inside would outlive its name, so any client still
 * running in one of ours is killed first), then the directory.
 * It is idempotent and safe to call while the run is still going: from
 * then on the lab refuses to create anything. `installSignalHandlers` runs
 * it on SIGINT/SIGTERM/SIGHUP; its `exit` hook does the synchronous
 * remainder (SIGKILL, `ip netns del`) if a run ends without it. A run killed
 * with SIGKILL leaves its namespaces behind; `removeOrphans` finds the ones
 * whose run's pid is gone and removes them and the processes inside.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const NAMESPACE_PREFIX = 'wbd';
const DIR_PREFIX = 'weft-bench-dataplane-';
/** A kept scratch directory holds this file, so that removeOrphans leaves it alone. */
const KEPT_MARK = 'KEPT';

export interface RunOptions {
  /** Run inside this network namespace (`ip netns exec`). */
  readonly ns?: string;
  readonly timeoutMs?: number;
  readonly env?: NodeJS.ProcessEnv;
}

export interface RunResult {
  /** Exit status; null when killed (by the timeout or a signal). */
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface DaemonSpec {
  /** Short name for messages ("ovs-vswitchd"). */
  readonly name: string;
  readonly ns?: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  /** stdout and stderr are appended here. */
  readonly logFile: string;
}

export interface Daemon {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** How it ended, or null while it runs. */
  exitInfo(): ExitInfo | null;
}

export class CommandError extends Error {}

interface Child {
  readonly daemon: Daemon;
  readonly child: ChildProcess;
  readonly exited: Promise<ExitInfo>;
}

export class Lab {
  /** `wbd<pid>`: every namespace of this run starts with it. */
  readonly prefix: string;
  readonly dir: string;
  private readonly keepDir: boolean;
  private readonly namespaces: string[] = [];
  private readonly children = new Map<number, Child>();
  private closing: Promise<void> | null = null;

  constructor(opts: { keepDir?: boolean } = {}) {
    this.prefix = `${NAMESPACE_PREFIX}${process.pid}`;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), `${DIR_PREFIX}${process.pid}-`));
    this.keepDir = opts.keepDir ?? false;
  }

  get closed(): boolean {
    return this.closing !== null;
  }

  /** Runs a command to completion; never throws for a non-zero exit. */
  run(command: string, args: readonly string[], opts: RunOptions = {}): Promise<RunResult> {
    const [bin, argv] = opts.ns ? ['ip', ['netns', 'exec', opts.ns, command, ...args]] : [command, [...args]];
    return new Promise((resolve) => {
      const child = spawn(bin, argv, { env: opts.env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '', stderr = '', timedOut = false;
      child.stdout!.setEncoding('utf8').on('data', (s: string) => { stdout += s; });
      child.stderr!.setEncoding('utf8').on('data', (s: string) => { stderr += s; });
      const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, opts.timeoutMs ?? 30_000);
      child.once('error', (e) => { clearTimeout(timer); resolve({ code: null, stdout, stderr: stderr + e.message, timedOut }); });
      child.once('close', (code) => { clearTimeout(timer); resolve({ code, stdout, stderr, timedOut }); });
    });
  }

  /** Runs a command that must succeed; throws a CommandError quoting its stderr otherwise. */
  async must(command: string, args: readonly string[], opts: RunOptions = {}): Promise<string> {
    const r = await this.run(command, args, opts);
    if (r.code !== 0) {
      const why = r.timedOut ? 'timed out' : `exit status ${String(r.code)}`;
      const detail = (r.stderr || r.stdout).trim().split('\n').slice(-3).join(' / ');
      throw new CommandError(`${[command, ...args].join(' ')}${opts.ns ? ` (in ${opts.ns})` : ''}: ${why}${detail ? `: ${detail}` : ''}`);
    }
    return r.stdout;
  }

  /** Creates namespace `<prefix>-<suffix>` with loopback up and IPv6 off (no ND/MLD chatter). */
  async netns(suffix: string): Promise<string> {
    this.refuseIfClosed();
    const ns = `${this.prefix}-${suffix}`;
    await this.must('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await this.must('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    await this.must('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'], { ns });
    return ns;
  }

  /** Starts a long-running process, in its own process group, remembered for cleanup. */
  spawnDaemon(spec: DaemonSpec): Daemon {
    this.refuseIfClosed();
    const [bin, argv] = spec.ns ? ['ip', ['netns', 'exec', spec.ns, spec.command, ...spec.args]] : [spec.command, [...spec.args]];
    const log = fs.openSync(spec.logFile, 'a');
    const child = spawn(bin, argv, { env: spec.env ?? process.env, stdio: ['ignore', log, log], detached: true });
    fs.closeSync(log);
    let info: ExitInfo | null = null;
    const exited = new Promise<ExitInfo>((resolve) => {
      child.once('exit', (code, signal) => { info = { code, signal }; resolve(info); });
      child.once('error', () => { info ??= { code: null, signal: null }; resolve(info); });
    });
    const pid = child.pid ?? -1;
    const daemon: Daemon = { name: spec.name, pid, logFile: spec.logFile, exitInfo: () => info };
    if (pid > 0) {
      this.children.set(pid, { daemon, child, exited });
      void exited.then(() => this.children.delete(pid));
    } else {
      info = { code: null, signal: null };
    }
    return daemon;
  }

  /** SIGTERM, then SIGKILL after graceMs; resolves once the process is gone. */
  async stop(daemon: Daemon, graceMs = 3000): Promise<void> {
    const c = this.children.get(daemon.pid);
    if (!c || c.daemon !== daemon || daemon.exitInfo()) return;
    signalGroup(c, 'SIGTERM');
    const timer = setTimeout(() => { if (!daemon.exitInfo()) signalGroup(c, 'SIGKILL'); }, graceMs);
    await c.exited;
    clearTimeout(timer);
  }

  /** Removes everything this lab created. Idempotent; later calls wait for the first. */
  cleanup(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all([...this.children.values()].map((c) => this.stop(c.daemon)));
      for (const ns of this.namespaces.splice(0).reverse()) {
        // A client still running inside (a ping or iperf3 cut short) would keep the namespace alive.
        for (const pid of namespacePids(ns)) killQuietly(pid);
        await this.run('ip', ['netns', 'del', ns]);
      }
      if (!this.keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
      else fs.writeFileSync(path.join(this.dir, KEPT_MARK), 'kept on request (--keep)\n');
    })();
    return this.closing;
  }

  /** What can still be done from an `exit` hook, where nothing asynchronous runs. */
  cleanupSync(): void {
    for (const c of this.children.values()) if (!c.daemon.exitInfo()) signalGroup(c, 'SIGKILL');
    this.children.clear();
    for (const ns of this.namespaces.splice(0).reverse()) {
      for (const pid of namespacePids(ns)) killQuietly(pid);
      spawnSync('ip', ['netns', 'del', ns]);
    }
    if (!this.keepDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private refuseIfClosed(): void {
    if (this.closing) throw new CommandError('the benchmark is stopping');
  }
}

/**
 * Signals the process group the child leads (it was started detached, so
 * the group is ours): a launcher that supervises a daemon of its own (Weft's
 * daemons run that way in the foreground) is stopped together with it.
 */
function signalGroup(c: Child, signal: NodeJS.Signals): void {
  try {
    process.kill(-c.daemon.pid, signal);
  } catch {
    c.child.kill(signal);
  }
}

function namespacePids(ns: string): number[] {
  const r = spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' });
  return (r.stdout ?? '').split(/\s+/).filter(Boolean).map(Number).filter((n) => n > 1);
}

function killQuietly(pid: number): void {
  try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Cleans up whatever labs exist when SIGINT/SIGTERM/SIGHUP arrives, then
 * exits 130/143/129; at exit, does the synchronous remainder for labs not
 * cleaned up yet. `labs` is asked at the moment of the signal.
 */
export function installSignalHandlers(labs: () => readonly Lab[], onSignal: (signal: NodeJS.Signals) => void = () => {}): void {
  const codes: [NodeJS.Signals, number][] = [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]];
  for (const [sig, code] of codes) {
    process.once(sig, () => {
      onSignal(sig);
      void Promise.allSettled(labs().map((l) => l.cleanup())).finally(() => process.exit(code));
    });
  }
  process.once('exit', () => { for (const l of labs()) l.cleanupSync(); });
}

/**
 * Removes namespaces named `wbd<pid>-…` whose run (that pid) no longer
 * exists, after killing the processes inside them, and such runs' scratch
 * directories (unless kept with --keep). Returns what it removed. Whatever
 * belongs to a pid that is alive is a run in progress and stays.
 */
export function removeOrphans(): string[] {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const re = new RegExp(`^(${NAMESPACE_PREFIX}(\\d+)-\\S+)`);
  const removed: string[] = [];
  for (const line of (r.stdout ?? '').split('\n')) {
    const m = re.exec(line.trim());
    if (!m || alive(Number(m[2]))) continue;
    for (const pid of namespacePids(m[1]!)) killQuietly(pid);
    spawnSync('ip', ['netns', 'del', m[1]!]);
    removed.push(m[1]!);
  }
  const dirRe = new RegExp(`^${DIR_PREFIX}(\\d+)-[A-Za-z0-9]{6}$`);
  for (const name of fs.readdirSync(os.tmpdir())) {
    const m = dirRe.exec(name);
    const dir = path.join(os.tmpdir(), name);
    if (!m || alive(Number(m[1])) || fs.existsSync(path.join(dir, KEPT_MARK))) continue;
    fs.rmSync(dir, { recursive: true, force: true });
    removed.push(dir);
  }
  return removed;
}

/** The path of an executable found on PATH (plus the sbin directories root tools live in), or null. */
export function findCommand(name: string): string | null {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin'].filter(Boolean);
  for (const d of dirs) {
    const p = path.join(d, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch { /* not here */ }
  }
  return null;
}

/** The last `lines` non-empty lines of a file, joined with " / "; empty if unreadable. */
export function tail(file: string, lines = 3): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').filter((l) => l.trim()).slice(-lines).join(' / ');
  } catch {
    return '';
  }
}
