/**
 * Processes and scratch directories for benchmarks, with cleanup that holds
 * on every way out.
 *
 * A benchmark starts daemons (Weft's and the real peer's) in temporary
 * directories under os.tmpdir(). Everything it creates is registered here:
 * `makeTempDir` and `startProcess` add to one registry, `stop`/`remove`
 * take out. `installCleanup()` makes the registry's contents go away on
 * normal exit, on an uncaught error, and on SIGINT/SIGTERM/SIGHUP (then the
 * benchmark exits 130/143/129): children get SIGTERM, then SIGKILL if they
 * linger; directories are removed recursively. The `exit` hook can only run
 * synchronous code, so there it is SIGKILL at once.
 *
 * A daemon counts as started when its readiness probe (usually "a client can
 * connect to its unix socket") succeeds; if it exits first, or the probe
 * times out, startProcess fails with the tail of its stderr, which is
 * usually the daemon's own explanation.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface StartOptions {
  /** Short name for messages ("weft ovsdb-server"). */
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly cwd?: string;
  readonly env?: NodeJS.ProcessEnv;
  /** Resolves true once the daemon serves; polled until it does or the timeout passes. */
  readonly ready: () => Promise<boolean>;
  readonly readyTimeoutMs?: number;
}

export interface ExitInfo {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export interface ManagedProcess {
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Settles when the process has exited, for whatever reason. */
  readonly exited: Promise<ExitInfo>;
  /** The last few kilobytes the process wrote to stderr. */
  stderrTail(): string;
  /** SIGTERM, then SIGKILL after graceMs (default 5000); resolves once it is gone. */
  stop(graceMs?: number): Promise<ExitInfo>;
}

const STDERR_TAIL = 8192;
const live = new Set<ManagedProcess>();
const dirs = new Set<string>();

/** Creates a fresh directory under os.tmpdir(), removed at exit unless kept with keepTempDir(). */
export function makeTempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
  dirs.add(dir);
  return dir;
}

export function removeTempDir(dir: string): void {
  dirs.delete(dir);
  fs.rmSync(dir, { recursive: true, force: true });
}

/** Takes a directory out of the cleanup registry (for results the user asked to keep). */
export function keepTempDir(dir: string): void {
  dirs.delete(dir);
}

export async function startProcess(opts: StartOptions): Promise<ManagedProcess> {
  const child = spawn(opts.command, [...opts.args], {
    cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', 'ignore', 'pipe'],
  });
  let tail = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (s: string) => { tail = (tail + s).slice(-STDERR_TAIL); });
  const exited = new Promise<ExitInfo>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
    child.once('error', () => resolve({ code: null, signal: null }));
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const proc: ManagedProcess = {
    name: opts.name,
    pid: child.pid ?? -1,
    child,
    exited,
    stderrTail: () => tail,
    stop: async (graceMs = 5000) => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        const info = await exited;
        clearTimeout(timer);
        live.delete(proc);
        return info;
      }
      live.delete(proc);
      return exited;
    },
  };
  live.add(proc);

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 15000);
  const end: { gone: ExitInfo | Error | null } = { gone: null };
  void exited.then((e) => { end.gone ??= e; });
  void spawnError.then((e) => { end.gone = e; });
  for (;;) {
    const gone = end.gone;
    if (gone) {
      live.delete(proc);
      const why = gone instanceof Error ? gone.message : `exited (code ${String(gone.code)}, signal ${String(gone.signal)})`;
      throw new Error(`${opts.name} ${why} before it was ready${tail ? `:\n${tail.trimEnd()}` : ''}`);
    }
    if (await opts.ready().catch(() => false)) return proc;
    if (Date.now() > deadline) {
      await proc.stop(1000);
      throw new Error(`${opts.name} not ready after ${opts.readyTimeoutMs ?? 15000} ms${tail ? `:\n${tail.trimEnd()}` : ''}`);
    }
    await sleep(20);
  }
}

/** True if a client can connect to the unix socket now. */
export function canConnect(socketPath: string): Promise<boolean> {
  if (!fs.existsSync(socketPath)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const s = net.createConnection({ path: socketPath });
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Stops every live process and removes every registered directory. */
export async function cleanupAll(): Promise<void> {
  await Promise.allSettled([...live].map((p) => p.stop(2000)));
  for (const d of [...dirs]) removeTempDir(d);
}

function cleanupNow(): void {
  for (const p of live) if (p.child.exitCode === null) p.child.kill('SIGKILL');
  live.clear();
  for (const d of [...dirs]) {
    try { removeTempDir(d); } catch { /* best effort at exit */ }
  }
}

let installed = false;

/** Hooks cleanup to exit and to the usual termination signals. Idempotent. */
export function installCleanup(): void {
  if (installed) return;
  installed = true;
  process.on('exit', cleanupNow);
  const codes: Partial<Record<NodeJS.Signals, number>> = { SIGINT: 130, SIGTERM: 143, SIGHUP: 129 };
  for (const [sig, code] of Object.entries(codes) as [NodeJS.Signals, number][]) {
    process.on(sig, () => {
      process.stderr.write(`\n${sig}: stopping servers and removing temporary directories\n`);
      void cleanupAll().finally(() => process.exit(code));
    });
  }
}
