/**
 * Starts an OVSDB server as a child process for tests: Weft's
 * (`bin/weft ovsdb-server`) or the real `ovsdb-server`, with the same
 * command line, so a test can run one script against both and compare.
 *
 * Each server lives in a directory that is also its OVS_RUNDIR, OVS_LOGDIR
 * and OVS_DBDIR (so the real clients find `db.sock` and control sockets
 * there by default). Database files are created with the real
 * `ovsdb-tool create` (the reference format), or taken as given.
 *
 * Readiness means a JSON-RPC `list_dbs` round trip on the unix socket lists
 * every served database, not merely that the socket file exists.
 *
 * Cleanup is the point of this module: `dispose()` stops the process
 * (SIGTERM, then SIGKILL after a grace period) and removes the directory if
 * this module created it; `startOvsdbServer(t, …)` registers `dispose()`
 * with `t.after`, and a process `exit` hook SIGKILLs any server a crashed
 * test left behind. Stopping and killing keep the directory, so a test can
 * restart the server on the same files (durability tests).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { RawRpcClient } from './ovsdb-rpc.js';

export type OvsdbServerImpl = 'weft' | 'real';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const WEFT_BIN = path.join(REPO_ROOT, 'bin/weft');
export const SCHEMAS = {
  vswitch: path.join(REPO_ROOT, 'schemas/vswitch.ovsschema'),
  ovnNb: path.join(REPO_ROOT, 'schemas/ovn-nb.ovsschema'),
  harness: path.join(REPO_ROOT, 'test/acceptance/ovs/lib/harness.ovsschema'),
} as const;

/** PATH with the sbin directories, where Debian installs ovsdb-server. */
export const TOOLS_PATH = `${process.env.PATH ?? '/usr/bin:/bin'}:/usr/sbin:/sbin:/usr/local/sbin`;

/** Absolute path of a program found on TOOLS_PATH, or null. */
export function findTool(name: string): string | null {
  for (const dir of TOOLS_PATH.split(':')) {
    if (!dir) continue;
    const p = path.join(dir, name);
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return null;
}

/** A skip reason naming the missing programs, or false when all are installed (for `{ skip: … }`). */
export function skipUnlessTools(...names: string[]): string | false {
  const missing = names.filter((n) => findTool(n) === null);
  return missing.length ? `not installed: ${missing.join(', ')}` : false;
}

/** A fresh temporary directory; removed by `t.after` when a test context is given. */
export function makeTempDir(prefix: string, t?: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `weft-${prefix}-`));
  t?.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Creates a database file with the real `ovsdb-tool create`. */
export function createDbFile(file: string, schema: string): void {
  const tool = findTool('ovsdb-tool');
  if (!tool) throw new Error('ovsdb-tool is not installed');
  const r = spawnSync(tool, ['create', file, schema], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ovsdb-tool create ${file} ${schema}: ${r.stderr}`);
}

/** A loopback TCP port that was free a moment ago (the kernel picks it). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export type DbSpec = { schema: string; file?: string } | { file: string };

export interface OvsdbServerOptions {
  impl: OvsdbServerImpl;
  /** Databases to serve, in order: `{schema}` creates a file (named after the schema unless `file`), `{file}` serves an existing one. */
  dbs: DbSpec[];
  /** Directory for sockets, pidfile, log and created files; a new temp dir (removed by dispose) if omitted. */
  dir?: string;
  /** Also listen on `ptcp:PORT:127.0.0.1` with a free port. */
  tcp?: boolean;
  /** More command-line arguments, placed before the database files. */
  extraArgs?: string[];
  readyTimeoutMs?: number;
}

const live = new Set<ChildProcess>();
process.on('exit', () => { for (const c of live) try { c.kill('SIGKILL'); } catch { /* gone */ } });

export class OvsdbServerProcess {
  readonly impl: OvsdbServerImpl;
  readonly dir: string;
  readonly sockPath: string;
  readonly pidfile: string;
  readonly logFile: string;
  readonly dbFiles: readonly string[];
  /** Environment for clients: OVS_RUNDIR/LOGDIR/DBDIR = dir, PATH with sbin. */
  readonly env: NodeJS.ProcessEnv;
  private tcpPort: number | null = null;
  private child: ChildProcess | null = null;
  private exit: Promise<void> = Promise.resolve();
  private captured = '';

  private constructor(private readonly opts: OvsdbServerOptions, dir: string, private readonly ownsDir: boolean, dbFiles: string[]) {
    this.impl = opts.impl;
    this.dir = dir;
    this.sockPath = path.join(dir, 'db.sock');
    this.pidfile = path.join(dir, 'ovsdb-server.pid');
    this.logFile = path.join(dir, 'ovsdb-server.log');
    this.dbFiles = dbFiles;
    this.env = { ...process.env, PATH: TOOLS_PATH, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir };
  }

  /** Creates the files and starts the server; resolves once it answers `list_dbs` with every database. */
  static async start(opts: OvsdbServerOptions): Promise<OvsdbServerProcess> {
    const ownsDir = opts.dir === undefined;
    const dir = opts.dir ?? makeTempDir(`ovsdb-${opts.impl}`);
    try {
      const files = opts.dbs.map((spec) => {
        if (!('schema' in spec)) return path.resolve(spec.file);
        const file = path.resolve(dir, spec.file ?? `${path.basename(spec.schema, '.ovsschema')}.db`);
        createDbFile(file, spec.schema);
        return file;
      });
      const s = new OvsdbServerProcess(opts, dir, ownsDir, files);
      await s.launch();
      return s;
    } catch (e) {
      if (ownsDir) fs.rmSync(dir, { recursive: true, force: true });
      throw e;
    }
  }

  /** `unix:SOCK`, as clients take it. */
  get unixRemote(): string { return `unix:${this.sockPath}`; }

  /** `tcp:127.0.0.1:PORT` when started with `tcp: true`. */
  get tcpRemote(): string | null { return this.tcpPort === null ? null : `tcp:127.0.0.1:${this.tcpPort}`; }

  get pid(): number | null { return this.child?.pid ?? null; }

  get running(): boolean { return this.child !== null && this.child.exitCode === null && this.child.signalCode === null; }

  /** What the server wrote to stdout/stderr plus its log file, for failure messages. */
  output(): string {
    let log = '';
    try { log = fs.readFileSync(this.logFile, 'utf8'); } catch { /* none */ }
    return `${this.captured}${log ? `\n--- ${this.logFile}\n${log}` : ''}`;
  }

  /** Stops gracefully (SIGTERM; SIGKILL after `graceMs`); keeps the directory. */
  async stop(graceMs = 3000): Promise<void> {
    const c = this.child;
    if (!c || !this.running) return this.exit;
    c.kill('SIGTERM');
    const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
    await this.exit;
    clearTimeout(timer);
  }

  /** Kills with SIGKILL (a crash) and waits for the exit; keeps the directory. */
  async kill(): Promise<void> {
    if (this.child && this.running) this.child.kill('SIGKILL');
    await this.exit;
  }

  /** Starts a new process on the same directory and files (after stop or kill). */
  async restart(): Promise<void> {
    if (this.running) throw new Error('restart: server still running');
    await this.launch();
  }

  /** Stops the process and removes the directory if this module created it. Idempotent. */
  async dispose(): Promise<void> {
    await this.stop();
    if (this.ownsDir) fs.rmSync(this.dir, { recursive: true, force: true });
  }

  private async launch(): Promise<void> {
    if (this.opts.tcp && this.tcpPort === null) this.tcpPort = await freeTcpPort();
    const args = [
      `--remote=punix:${this.sockPath}`,
      ...(this.tcpPort !== null ? [`--remote=ptcp:${this.tcpPort}:127.0.0.1`] : []),
      `--pidfile=${this.pidfile}`, `--log-file=${this.logFile}`,
      ...(this.opts.extraArgs ?? []),
      ...this.dbFiles,
    ];
    const [cmd, argv] = this.opts.impl === 'weft'
      ? [WEFT_BIN, ['ovsdb-server', ...args]]
      : [findTool('ovsdb-server') ?? 'ovsdb-server', ['--no-chdir', ...args]];
    const child = spawn(cmd, argv, { cwd: this.dir, env: this.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    live.add(child);
    this.exit = new Promise((resolve) => child.once('exit', () => { live.delete(child); resolve(); }));
    child.stdout!.on('data', (d: Buffer) => { this.captured += d.toString(); });
    child.stderr!.on('data', (d: Buffer) => { this.captured += d.toString(); });
    child.once('error', (e) => { this.captured += `spawn error: ${e.message}\n`; });
    try {
      await this.waitReady(this.opts.readyTimeoutMs ?? 10_000);
    } catch (e) {
      await this.kill();
      throw e;
    }
  }

  private async waitReady(timeoutMs: number): Promise<void> {
    const names = this.dbFiles.length;
    const deadline = Date.now() + timeoutMs;
    let last = 'no socket';
    while (Date.now() < deadline) {
      if (!this.running) throw new Error(`${this.impl} ovsdb-server exited during start-up:\n${this.output()}`);
      if (fs.existsSync(this.sockPath)) {
        try {
          const c = await RawRpcClient.connect({ path: this.sockPath });
          try {
            const r = await c.request('list_dbs', [], 2000);
            const dbs = Array.isArray(r.result) ? r.result.filter((n) => n !== '_Server') : [];
            if (dbs.length >= names) return;
            last = `list_dbs answered ${JSON.stringify(r.result)}`;
          } finally {
            c.close();
          }
        } catch (e) {
          last = (e as Error).message;
        }
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`${this.impl} ovsdb-server not ready after ${timeoutMs} ms (${last}):\n${this.output()}`);
  }
}

/** Starts a server and registers its disposal with the test context. */
export async function startOvsdbServer(t: { after(fn: () => Promise<void> | void): void }, opts: OvsdbServerOptions): Promise<OvsdbServerProcess> {
  const s = await OvsdbServerProcess.start(opts);
  t.after(() => s.dispose());
  return s;
}
