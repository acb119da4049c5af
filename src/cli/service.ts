/**
 * `weft start | stop | status | restart`: service control in the manner of
 * the `openvswitch-switch` service (ovs-ctl): runs and supervises Weft's
 * daemons with default directories, creating the database on first start.
 *
 * Weft keeps its own directories by default (/var/run/weft, /var/lib/weft,
 * /var/log/weft) so it never collides with an Open vSwitch installed on the
 * same machine (Debian starts one when `openvswitch-switch` is installed);
 * OVS_RUNDIR, OVS_DBDIR and OVS_LOGDIR override them, as for OVS. The real
 * OVS tools reach Weft with `--db=unix:<rundir>/db.sock` or by exporting
 * OVS_RUNDIR.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import * as net from 'node:net';
import { Connection } from '../jsonrpc/connection.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const mainJs = path.join(here, 'main.js');
const projectRoot = path.resolve(here, '../../..');

export interface ServiceDirs { run: string; db: string; log: string }

export function serviceDirs(env = process.env): ServiceDirs {
  return {
    run: env.OVS_RUNDIR ?? '/var/run/weft',
    db: env.OVS_DBDIR ?? '/var/lib/weft',
    log: env.OVS_LOGDIR ?? '/var/log/weft',
  };
}

interface Daemon { name: string; args(d: ServiceDirs): string[] }

const OVSDB: Daemon = {
  name: 'ovsdb-server',
  args: (d) => [
    'ovsdb-server', '--no-chdir',
    `--pidfile=${path.join(d.run, 'ovsdb-server.pid')}`,
    `--log-file=${path.join(d.log, 'ovsdb-server.log')}`,
    `--remote=punix:${path.join(d.run, 'db.sock')}`,
    '--remote=db:Open_vSwitch,Open_vSwitch,manager_options',
    path.join(d.db, 'conf.db'),
  ],
};

/** The daemons `weft start` runs, in start order. */
function daemons(): Daemon[] {
  const list = [OVSDB];
  if (fs.existsSync(path.join(here, 'vswitchd.js'))) {
    list.push({
      name: 'ovs-vswitchd',
      args: (d) => [
        // The dummy datapath is enabled until real interfaces (TAP, AF_PACKET) are served.
        'vswitchd', '--no-chdir', '--enable-dummy',
        `--pidfile=${path.join(d.run, 'ovs-vswitchd.pid')}`,
        `--log-file=${path.join(d.log, 'ovs-vswitchd.log')}`,
        `unix:${path.join(d.run, 'db.sock')}`,
      ],
    });
  }
  return list;
}

function readPid(file: string): number | null {
  try {
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    if (!Number.isInteger(pid) || pid <= 0) return null;
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

function pidOf(d: ServiceDirs, name: string): number | null {
  return readPid(path.join(d.run, `${name}.pid`));
}

function childEnv(d: ServiceDirs): NodeJS.ProcessEnv {
  return { ...process.env, OVS_RUNDIR: d.run, OVS_DBDIR: d.db, OVS_LOGDIR: d.log };
}

async function rpc<T>(sockPath: string, method: string, params: unknown[]): Promise<T> {
  const sock = net.createConnection({ path: sockPath });
  await new Promise<void>((res, rej) => { sock.once('connect', res); sock.once('error', rej); });
  const conn = new Connection(sock);
  try {
    return (await conn.request(method, params as never)) as T;
  } finally {
    conn.close();
  }
}

async function waitFor(what: string, ms: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await probe().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Starts a daemon with --detach: the launcher returns once the daemon is ready, or fails with its error. */
function spawnDaemon(dm: Daemon, d: ServiceDirs): string | null {
  const r = spawnSync(process.execPath, ['--enable-source-maps', mainJs, ...dm.args(d), '--detach'], {
    stdio: ['ignore', 'pipe', 'pipe'], env: childEnv(d), encoding: 'utf8', timeout: 30_000,
  });
  return r.status === 0 ? null : (r.stderr || r.stdout || `exit status ${r.status}`).trim();
}

export async function start(argv: string[]): Promise<number> {
  if (argv.includes('--help')) {
    process.stdout.write('usage: weft start\nStarts Weft\'s OVSDB server (and switch daemon) with default directories.\n');
    return 0;
  }
  const d = serviceDirs();
  for (const dir of [d.run, d.db, d.log]) fs.mkdirSync(dir, { recursive: true });
  const dbFile = path.join(d.db, 'conf.db');
  if (!fs.existsSync(dbFile)) {
    const schema = path.join(projectRoot, 'schemas/vswitch.ovsschema');
    const r = spawnSync(process.execPath, [mainJs, 'ovsdb-tool', 'create', dbFile, schema], { encoding: 'utf8', env: childEnv(d) });
    if (r.status !== 0) {
      process.stderr.write(`weft start: cannot create ${dbFile}: ${r.stderr || r.stdout}`);
      return 1;
    }
    process.stdout.write(`Created database ${dbFile}\n`);
  }
  const sock = path.join(d.run, 'db.sock');
  for (const dm of daemons()) {
    const pid = pidOf(d, dm.name);
    if (pid) { process.stdout.write(`${dm.name} is already running (pid ${pid})\n`); continue; }
    const err = spawnDaemon(dm, d);
    if (err) {
      process.stderr.write(`weft start: ${dm.name} did not start: ${err}\n`);
      return 1;
    }
    if (dm === OVSDB) {
      await waitFor('ovsdb-server', 10_000, async () => (await rpc<string[]>(sock, 'list_dbs', [])).includes('Open_vSwitch'));
      await initDatabase(sock);
    }
    process.stdout.write(`Started ${dm.name} (pid ${pidOf(d, dm.name) ?? '?'})\n`);
  }
  process.stdout.write([
    '',
    `Weft is running. Its database is ${dbFile}, served on unix:${sock}.`,
    'Configure it with Open vSwitch\'s own tools pointed at that socket, for example:',
    `  ovs-vsctl --db=unix:${sock} add-br br0`,
    `  ovs-vsctl --db=unix:${sock} show`,
    `or export OVS_RUNDIR=${d.run} and use ovs-vsctl, ovs-appctl and ovsdb-client as usual.`,
    'Stop it with: weft stop',
    '',
  ].join('\n'));
  return 0;
}

/** Creates the single Open_vSwitch row if there is none (what `ovs-vsctl --no-wait init` does). */
async function initDatabase(sock: string): Promise<void> {
  await rpc(sock, 'transact', ['Open_vSwitch',
    { op: 'wait', table: 'Open_vSwitch', where: [], columns: ['_uuid'], until: '==', rows: [], timeout: 0 },
    { op: 'insert', table: 'Open_vSwitch', row: {} }]);
  // When the row already exists, the wait fails and nothing is inserted: exactly what we want.
}

export async function stop(_argv: string[]): Promise<number> {
  const d = serviceDirs();
  for (const dm of daemons().reverse()) {
    const pid = pidOf(d, dm.name);
    if (!pid) { process.stdout.write(`${dm.name} is not running\n`); continue; }
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 5000;
    while (Date.now() < deadline && readPid(path.join(d.run, `${dm.name}.pid`)) === pid) {
      try { process.kill(pid, 0); } catch { break; }
      await new Promise((r) => setTimeout(r, 50));
    }
    try { process.kill(pid, 0); process.kill(pid, 'SIGKILL'); } catch { /* exited */ }
    process.stdout.write(`Stopped ${dm.name} (pid ${pid})\n`);
  }
  return 0;
}

export async function status(_argv: string[]): Promise<number> {
  const d = serviceDirs();
  let allUp = true;
  for (const dm of daemons()) {
    const pid = pidOf(d, dm.name);
    if (pid) process.stdout.write(`${dm.name} is running with pid ${pid}\n`);
    else { process.stdout.write(`${dm.name} is not running\n`); allUp = false; }
  }
  return allUp ? 0 : 3;   // LSB: 3 = program is not running
}

export async function restart(argv: string[]): Promise<number> {
  await stop(argv);
  return start(argv);
}
