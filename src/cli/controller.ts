/**
 * `weft controller`: the control plane daemon, a Neutron-compatible API
 * over the OVN_Northbound database.
 *
 *   weft controller [--listen=ADDR:PORT] (--dir=DIR | --nb=unix:PATH|tcp:IP:PORT)
 *                   [--nb-listen=punix:PATH|ptcp:PORT[:IP]]... [--config=FILE]
 *                   [--pidfile[=FILE]] [--log-file[=FILE]] [--detach]
 *
 * With --dir, the database is DIR/ovnnb.db (created on first start) and is
 * also served on punix:DIR/ovnnb_db.sock, so `ovn-nbctl
 * --db=unix:DIR/ovnnb_db.sock show` shows what the API made.
 *
 * The OpenAPI description of the API is at `GET /openapi.json`.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { loadConfig, ConfigError } from '../controller/config.js';
import { Controller } from '../controller/service.js';

interface Options {
  listen: string;
  dir: string | null;
  nb: string | null;
  nbListen: string[] | null;
  config: string | null;
  pidfile: string | null;
  logFile: string | null;
  detach: boolean;
}

const USAGE = `usage: weft controller [OPTIONS]
Neutron-compatible (OpenStack Networking v2.0) API over an OVN_Northbound database.

  --listen=ADDR:PORT    API address (default 127.0.0.1:9696)
  --dir=DIR             embedded database DIR/ovnnb.db, served on punix:DIR/ovnnb_db.sock
  --nb=REMOTE           use the OVSDB server at unix:PATH or tcp:IP:PORT instead
  --nb-listen=REMOTE    serve the embedded database on this passive remote (repeatable;
                        replaces the default punix:DIR/ovnnb_db.sock)
  --config=FILE         neutron.conf/ml2_conf.ini-style settings (see docs)
  --pidfile[=FILE]      write the process id (default RUNDIR/weft-controller.pid)
  --log-file[=FILE]     request log (default LOGDIR/weft-controller.log)
  --detach              run in the background once the API is listening
  --help, --version

The API's OpenAPI 3 description is served at GET /openapi.json; version discovery
at GET /, Neutron v2.0 under /v2.0/, a minimal Keystone v3 under /v3/.
`;

function rundir(): string { return process.env.OVS_RUNDIR ?? '/var/run/openvswitch'; }
function logdir(): string { return process.env.OVS_LOGDIR ?? '/var/log/openvswitch'; }

export function parseArgs(argv: readonly string[]): Options | 'help' | 'version' {
  const o: Options = { listen: '127.0.0.1:9696', dir: null, nb: null, nbListen: null, config: null, pidfile: null, logFile: null, detach: false };
  for (const a of argv) {
    const eq = a.indexOf('=');
    const name = eq < 0 ? a : a.slice(0, eq), value = eq < 0 ? null : a.slice(eq + 1);
    const need = (): string => { if (!value) throw new Error(`option '${name}' requires an argument`); return value; };
    switch (name) {
      case '--listen': o.listen = need(); break;
      case '--dir': o.dir = path.resolve(need()); break;
      case '--nb': o.nb = need(); break;
      case '--nb-listen': (o.nbListen ??= []).push(need()); break;
      case '--config': o.config = need(); break;
      case '--pidfile': o.pidfile = value ? path.resolve(rundir(), value) : path.join(rundir(), 'weft-controller.pid'); break;
      case '--log-file': o.logFile = value ? path.resolve(value) : path.join(logdir(), 'weft-controller.log'); break;
      case '--detach': o.detach = true; break;
      case '--no-chdir': case '--monitor': break;
      case '--help': case '-h': return 'help';
      case '--version': case '-V': return 'version';
      default: throw new Error(`unrecognized option '${a}'`);
    }
  }
  if (!o.dir && !o.nb) throw new Error('one of --dir=DIR or --nb=REMOTE is required');
  if (o.dir && o.nb) throw new Error('--dir and --nb are mutually exclusive');
  return o;
}

const READY_ENV = 'WEFT_CONTROLLER_READY_FD';

/** --detach: starts a copy of this process without --detach and returns once it says it is ready. */
function detach(argv: readonly string[]): Promise<number> {
  const args = [...process.execArgv, process.argv[1]!, ...process.argv.slice(2).filter((a) => a !== '--detach')];
  void argv;
  const child = spawn(process.execPath, args, { detached: true, stdio: ['ignore', 'ignore', 'inherit', 'pipe'], env: { ...process.env, [READY_ENV]: '3' } });
  return new Promise((resolve) => {
    let said = '';
    const pipe = child.stdio[3] as NodeJS.ReadableStream;
    pipe.on('data', (d: Buffer) => {
      said += d.toString();
      if (said.includes('\n')) { child.unref(); process.stdout.write(said); resolve(0); }
    });
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

export async function main(argv: string[]): Promise<number> {
  let parsed: Options | 'help' | 'version';
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    process.stderr.write(`weft controller: ${(e as Error).message} (use --help for help)\n`);
    return 1;
  }
  if (parsed === 'help') { process.stdout.write(USAGE); return 0; }
  if (parsed === 'version') { process.stdout.write('weft controller (Weft) 0.1.0\n'); return 0; }
  const opts = parsed;
  if (opts.detach && !process.env[READY_ENV]) return detach(argv);
  let config;
  try {
    config = loadConfig(opts.config);
  } catch (e) {
    if (e instanceof ConfigError) { process.stderr.write(`weft controller: ${e.message}\n`); return 1; }
    throw e;
  }
  let ctl: Controller;
  try {
    ctl = await Controller.start({
      config, listen: opts.listen, logFile: opts.logFile,
      ...(opts.dir ? { dir: opts.dir } : {}), ...(opts.nb ? { nb: opts.nb } : {}), ...(opts.nbListen ? { nbListen: opts.nbListen } : {}),
    });
  } catch (e) {
    process.stderr.write(`weft controller: ${(e as Error).message}\n`);
    return 1;
  }
  if (opts.pidfile) {
    fs.writeFileSync(opts.pidfile, `${process.pid}\n`);
    const pf = opts.pidfile;
    process.on('exit', () => { try { fs.unlinkSync(pf); } catch { /* gone */ } });
  }
  const line = `weft controller: listening on ${ctl.url} (${ctl.store.description})\n`;
  process.stderr.write(line);
  if (opts.logFile) fs.appendFileSync(opts.logFile, line);
  const fd = process.env[READY_ENV];
  if (fd) {
    delete process.env[READY_ENV];
    fs.writeSync(Number(fd), `${ctl.url}\n`);
    fs.closeSync(Number(fd));
  }
  let stopping = false;
  const stop = (): void => {
    if (stopping) return;
    stopping = true;
    void ctl.close().then(() => process.exit(0), () => process.exit(1));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  return -1;   // keep running
}
