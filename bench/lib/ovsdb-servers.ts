/**
 * Starts an OVSDB server for a benchmark — Weft's (`weft ovsdb-server`, run
 * from the compiled dist/) or the real Open vSwitch `ovsdb-server` — fresh,
 * in its own temporary directory, on a unix socket, with the same command
 * line for both: `--remote=punix:SOCK --pidfile --unixctl --log-file
 * --no-chdir DB`. Both database files are made by the real
 * `ovsdb-tool create`, so the two servers start from byte-identical files.
 *
 * The real server runs in the foreground (no --detach), so it stays our
 * child and SIGTERM stops it; Weft's server exits cleanly on SIGTERM too,
 * which is what lets `--cpu-prof` write its profile at exit. Under a
 * launcher (strace) the child is the launcher, so stop() signals the server
 * itself, found by its pidfile, and the launcher exits with it.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeTempDir, removeTempDir, startProcess, canConnect, type ManagedProcess } from './proc.js';

export type ServerKind = 'weft' | 'ovs';

export const SERVER_LABEL: Record<ServerKind, string> = { weft: 'Weft', ovs: 'OVS' };

export interface OvsdbServerOptions {
  readonly kind: ServerKind;
  /** The .ovsschema the database file is created from. */
  readonly schemaFile: string;
  /** Extra node flags for Weft's process (e.g. --cpu-prof); ignored for OVS. */
  readonly nodeFlags?: readonly string[];
  /** A command prefix to run the server under (e.g. strace); stop() then signals the server by its pidfile. */
  readonly launcher?: readonly string[];
}

export interface RunningOvsdbServer {
  readonly kind: ServerKind;
  readonly dir: string;
  readonly socket: string;
  readonly dbFile: string;
  readonly process: ManagedProcess;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

/** dist/src/cli/main.js, found relative to this compiled file (dist/bench/lib/). */
export const WEFT_MAIN = fileURLToPath(new URL('../../src/cli/main.js', import.meta.url));

export async function startOvsdbServer(opts: OvsdbServerOptions): Promise<RunningOvsdbServer> {
  const dir = makeTempDir(`weft-bench-${opts.kind}`);
  try {
    const dbFile = path.join(dir, 'conf.db');
    const pidfile = path.join(dir, 'ovsdb-server.pid');
    const socket = path.join(dir, 'db.sock');
    execFileSync('ovsdb-tool', ['create', dbFile, opts.schemaFile], { stdio: ['ignore', 'ignore', 'pipe'] });
    const daemonFlags = [
      `--remote=punix:${socket}`, `--pidfile=${pidfile}`,
      `--unixctl=${path.join(dir, 'ovsdb-server.ctl')}`, `--log-file=${path.join(dir, 'ovsdb-server.log')}`, '--no-chdir',
    ];
    const env = { ...process.env, OVS_RUNDIR: dir, OVS_DBDIR: dir, OVS_LOGDIR: dir };
    const argv = opts.kind === 'weft'
      ? [process.execPath, '--enable-source-maps', ...(opts.nodeFlags ?? []), WEFT_MAIN, 'ovsdb-server', ...daemonFlags, dbFile]
      : ['ovsdb-server', ...daemonFlags, dbFile];
    const [command, ...args] = [...(opts.launcher ?? []), ...argv] as [string, ...string[]];
    const proc = await startProcess({
      name: opts.kind === 'weft' ? 'weft ovsdb-server' : 'ovsdb-server', command, args, cwd: dir, env,
      ready: async () => (await canConnect(socket)) && (!opts.launcher || fs.existsSync(pidfile)),
    });
    return {
      kind: opts.kind, dir, socket, dbFile, process: proc,
      stop: async () => {
        if (opts.launcher) {
          try { process.kill(Number(fs.readFileSync(pidfile, 'utf8').trim()), 'SIGTERM'); } catch { /* already gone */ }
          await Promise.race([proc.exited, new Promise((r) => setTimeout(r, 5000))]);
        }
        const exit = await proc.stop();
        removeTempDir(dir);
        if (exit.code !== 0 && exit.signal !== 'SIGTERM') {
          throw new Error(`${proc.name} exited with code ${String(exit.code)} signal ${String(exit.signal)}:\n${proc.stderrTail().trimEnd()}`);
        }
      },
    };
  } catch (e) {
    removeTempDir(dir);
    throw e;
  }
}
