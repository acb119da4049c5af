/**
 * `weft ovsdb-server [DATABASE...]`: the OVSDB server daemon, with
 * ovsdb-server's command line (`--remote=`, `--pidfile`, `--log-file`,
 * `--unixctl`, `--detach`, `--no-chdir`, …) and control socket commands.
 */
import * as path from 'node:path';
import { OvsdbServer, type ServerLog } from '../ovsdb/server.js';
import { openStoredDatabase } from '../ovsdb/storage.js';

interface Options {
  remotes: string[];
  dbs: string[];
  pidfile: string | null;
  logFile: string | null;
}

function rundir(): string { return process.env.OVS_RUNDIR ?? '/var/run/openvswitch'; }
function dbdir(): string { return process.env.OVS_DBDIR ?? '/etc/openvswitch'; }

function parse(argv: string[]): Options {
  const o: Options = { remotes: [], dbs: [], pidfile: null, logFile: null };
  for (const a of argv) {
    if (a.startsWith('--remote=')) o.remotes.push(a.slice(9));
    else if (a === '--pidfile') o.pidfile = path.join(rundir(), 'ovsdb-server.pid');
    else if (a.startsWith('--pidfile=')) o.pidfile = path.resolve(rundir(), a.slice(10));
    else if (a === '--log-file') o.logFile = '';
    else if (a.startsWith('--log-file=')) o.logFile = a.slice(11);
    else if (a.startsWith('-')) continue;
    else o.dbs.push(a);
  }
  if (o.dbs.length === 0) o.dbs.push(path.join(dbdir(), 'conf.db'));
  return o;
}

export async function main(argv: string[]): Promise<number> {
  const opts = parse(argv);
  const log: ServerLog = {
    info: (m) => process.stderr.write(`ovsdb-server|INFO|${m}\n`),
    warn: (m) => process.stderr.write(`ovsdb-server|WARN|${m}\n`),
    error: (m) => process.stderr.write(`ovsdb-server|ERR|${m}\n`),
  };
  const server = new OvsdbServer(log);
  for (const file of opts.dbs) {
    const { db, storage, warnings } = await openStoredDatabase(file);
    for (const w of warnings) log.warn(w);
    server.addDatabase(db, storage);
  }
  for (const r of opts.remotes) await server.addRemote(r);
  if (opts.pidfile) {
    const fs = await import('node:fs');
    fs.writeFileSync(opts.pidfile, `${process.pid}\n`);
    const pf = opts.pidfile;
    process.on('exit', () => { try { fs.unlinkSync(pf); } catch { /* gone */ } });
  }
  const stop = (): void => { void server.close().then(() => process.exit(0)); };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return -1;   // keep running
}
