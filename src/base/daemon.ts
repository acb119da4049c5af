/**
 * What every Weft daemon shares with Open vSwitch's: the command-line
 * options (`--pidfile`, `--detach`, `--log-file`, `--unixctl`, `-v`…), the
 * pidfile, the control socket `<rundir>/<program>.<pid>.ctl`, the built-in
 * appctl commands (`exit`, `version`, `list-commands`, `vlog/*`) and the
 * exit path, so the real `ovs-appctl`, `ovs-ctl`-style scripts and OVS's
 * test idioms (`--detach --no-chdir --pidfile`) drive Weft's daemons.
 *
 * Use:
 *
 *     const { daemon, rest } = parseDaemonArgs('ovs-vswitchd', argv);
 *     …parse `rest`, the daemon's own options…
 *     const ctx = await startDaemon('ovs-vswitchd', daemon);
 *     …open databases, bind sockets, ctx.unixctl.register(…)…
 *     ctx.onExit(() => …);
 *     ctx.ready();
 *
 * The pidfile lock. OVS marks a live pidfile with an fcntl() lock held by
 * the pid written in it, and the real `ovs-appctl -t PROGRAM` trusts a
 * pidfile only when it is so locked. Node cannot take fcntl locks, but locks
 * survive exec(): so a daemon with --pidfile is started through a small
 * Perl program (Perl is part of every Debian system) that takes the lock,
 * refuses when a live process holds the pidfile (unless
 * --overwrite-pidfile), writes its pid, and execs Node with the same
 * arguments, keeping pid and lock. The daemon must then never open and close
 * its own pidfile: closing any descriptor of a locked file drops the lock.
 * Without Perl the pidfile is written unlocked (Weft's tools still find it;
 * ovs-appctl -t PROGRAM does not, -t SOCKET does).
 *
 * Hence three roles for one program:
 *   - *launcher* (`--detach`, or `--pidfile` in the foreground): spawns the
 *     same Node command line (through the locker when there is a pidfile)
 *     and waits on a control pipe at fd 3. With --detach the child gets its
 *     own session and the launcher relays its output until the child reports
 *     ready, then exits 0; if the child fails first, the launcher exits with
 *     its status (as OVS's fork_and_wait_for_startup). In the foreground the
 *     launcher stays as a supervisor: it forwards SIGTERM/SIGINT/SIGHUP and
 *     exits as the child does, and if the supervisor is killed outright the
 *     child kills itself, so a test's SIGKILL still means a crash.
 *   - *child*: the daemon proper, started by a launcher.
 *   - *in-process*: no detach and no lock to take; everything happens here.
 *
 * Order of start-up (the child or in-process daemon), as OVS's:
 *   1. log levels and log file, so the rest can be reported;
 *   2. pidfile (already written by the locker, or written now);
 *   3. exit path: signal handlers and a last-resort unlink on process exit;
 *   4. control socket with the built-in commands;
 *   then the daemon's own set-up, then ctx.ready(): the launcher is
 *   released, and a detached daemon moves to "/" (unless --no-chdir) and
 *   stops writing to the console, whose reader is gone.
 *
 * Exit: `exit` replies first, then runs the exit hooks; SIGTERM, SIGINT and
 * SIGHUP log "terminating with signal N (Name)", run the hooks, and re-raise
 * the signal so the exit status says how the daemon died. Either way the
 * pidfile and the control socket are removed.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import * as os from 'node:os';
import { spawn } from 'node:child_process';
import { rundir, logdir, absFileName } from './dirs.js';
import { vlog, type Vlog, type VlogModule, strerror, vlogUsage } from './vlog.js';
import { CommandRegistry } from '../unixctl/commands.js';
import { UnixctlServer } from '../unixctl/server.js';
import { readPidfile } from '../unixctl/client.js';

export const WEFT_VERSION = '0.1.0';

export interface DaemonOptions {
  /** Absolute pidfile name, or null for none. */
  pidfile: string | null;
  overwritePidfile: boolean;
  detach: boolean;
  /** False with --no-chdir. */
  chdir: boolean;
  monitor: boolean;
  /** Absolute log file name, or null. */
  logFile: string | null;
  /** Control socket: an absolute name, "none", or null for <rundir>/<program>.<pid>.ctl. */
  unixctl: string | null;
  /** -v/--verbose specs in order; "" for a bare -v. */
  verbose: string[];
  user: string | null;
  help: boolean;
  version: boolean;
}

export class DaemonOptionError extends Error {}

type Arg = 'none' | 'optional' | 'required';
const LONG_OPTIONS: Record<string, Arg> = {
  detach: 'none', 'no-chdir': 'none', 'no-self-confinement': 'none', monitor: 'none',
  'overwrite-pidfile': 'none', pidfile: 'optional', user: 'required', unixctl: 'required',
  verbose: 'optional', 'log-file': 'optional', 'syslog-method': 'required', 'syslog-target': 'required',
  help: 'none', version: 'none',
};

/**
 * Takes the shared daemon options out of `argv`, wherever they are (up to a
 * "--"), and returns the rest untouched and in order. Throws
 * DaemonOptionError with getopt's wording for a malformed option.
 */
export function parseDaemonOptions(program: string, argv: readonly string[],
  env: Readonly<Record<string, string | undefined>> = process.env): { daemon: DaemonOptions; rest: string[] } {
  const run = rundir(env);
  const daemon: DaemonOptions = {
    pidfile: null, overwritePidfile: false, detach: false, chdir: true, monitor: false, logFile: null,
    unixctl: null, verbose: [], user: null, help: false, version: false,
  };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { rest.push(...argv.slice(i)); break; }
    if (a === '-h') { daemon.help = true; continue; }
    if (a === '-V') { daemon.version = true; continue; }
    if (a.startsWith('-v')) { daemon.verbose.push(a.slice(2)); continue; }
    if (!a.startsWith('--')) { rest.push(a); continue; }
    const eq = a.indexOf('=');
    const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
    const kind = LONG_OPTIONS[name];
    if (!kind) { rest.push(a); continue; }
    let value: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
    if (kind === 'none' && value !== undefined) throw new DaemonOptionError(`option '--${name}' doesn't allow an argument`);
    if (kind === 'required' && value === undefined) {
      if (i + 1 >= argv.length) throw new DaemonOptionError(`option '--${name}' requires an argument`);
      value = argv[++i]!;
    }
    switch (name) {
      case 'detach': daemon.detach = true; break;
      case 'no-chdir': daemon.chdir = false; break;
      case 'monitor': daemon.monitor = true; break;
      case 'overwrite-pidfile': daemon.overwritePidfile = true; break;
      case 'pidfile': daemon.pidfile = value ? absFileName(run, value) : `${run}/${program}.pid`; break;
      case 'user': daemon.user = value!; break;
      case 'unixctl': daemon.unixctl = value === 'none' ? 'none' : absFileName(run, value!); break;
      case 'verbose': daemon.verbose.push(value ?? ''); break;
      // Resolved now: a detached daemon changes directory after start-up, and vlog/reopen must still find it.
      case 'log-file': daemon.logFile = value ? path.resolve(value) : `${logdir(env)}/${program}.log`; break;
      case 'help': daemon.help = true; break;
      case 'version': daemon.version = true; break;
      default: break;    // --no-self-confinement, --syslog-*: accepted, nothing to do
    }
  }
  return { daemon, rest };
}

/** parseDaemonOptions() for a program's main(): a bad option prints "PROGRAM: message" and exits 1. */
export function parseDaemonArgs(program: string, argv: readonly string[]): { daemon: DaemonOptions; rest: string[] } {
  try {
    return parseDaemonOptions(program, argv);
  } catch (e) {
    if (!(e instanceof DaemonOptionError)) throw e;
    process.stderr.write(`${program}: ${e.message}\n`);
    process.exit(1);
  }
}

/** OVS's `--help` text for the daemon options. */
export function daemonUsage(program: string, env: Readonly<Record<string, string | undefined>> = process.env): string {
  return [
    'Daemon options:',
    '  --detach                run in background as daemon',
    '  --monitor               creates a process to monitor this daemon',
    '  --user=username[:group] changes the effective daemon user:group',
    "  --no-chdir              do not chdir to '/'",
    `  --pidfile[=FILE]        create pidfile (default: ${rundir(env)}/${program}.pid)`,
    '  --overwrite-pidfile     with --pidfile, start even if already running',
    '',
  ].join('\n');
}

export function versionLine(program: string): string {
  return `${program} (Weft) ${WEFT_VERSION}`;
}

export interface StartOptions {
  /** Printed before the shared option list by --help. */
  usage?: string;
}

export interface DaemonContext {
  readonly program: string;
  readonly options: DaemonOptions;
  readonly vlog: Vlog;
  /** The daemon's own log module ("ovs-vswitchd" logs as "ovs_vswitchd"). */
  readonly log: VlogModule;
  /** The appctl commands; served on `unixctlPath` unless --unixctl=none. */
  readonly unixctl: CommandRegistry;
  readonly unixctlPath: string | null;
  /** Runs `hook` (awaited, in registration order) before the daemon exits. */
  onExit(hook: () => void | Promise<void>): void;
  /** Tells a waiting launcher that start-up succeeded. Call once sockets are listening. */
  ready(): void;
  /** Runs the exit hooks, removes the pidfile and control socket, and exits. */
  exit(code?: number): Promise<never>;
}

const ROLE_ENV = 'WEFT_DAEMON_ROLE';          // "detached" | "supervised", set by the launcher
const LOCKED_ENV = 'WEFT_PIDFILE_LOCKED';     // the pidfile the locker wrote and holds
const CONTROL_FD = 3;
const HOOK_DEADLINE_MS = 5000;

/**
 * Starts the daemon side of `program` (see the module comment for the
 * roles). In a launcher this never resolves: the launcher exits once its
 * child is ready (with --detach) or gone.
 */
export async function startDaemon(program: string, opts: DaemonOptions, start: StartOptions = {}): Promise<DaemonContext> {
  if (opts.version) { process.stdout.write(`${versionLine(program)}\n`); process.exit(0); }
  if (opts.help) { process.stdout.write(helpText(program, start.usage)); process.exit(0); }
  const role = process.env[ROLE_ENV];
  if (role === undefined) {
    const perl = opts.pidfile ? findPerl() : null;
    if (opts.detach || perl) return launch(program, opts, perl);
  }
  delete process.env[ROLE_ENV];
  const locked = process.env[LOCKED_ENV];
  delete process.env[LOCKED_ENV];
  const control = role === undefined ? null : new net.Socket({ fd: CONTROL_FD, readable: true, writable: true });
  return runDaemon({ program, opts, role: role === 'detached' ? 'detached' : role === undefined ? 'in-process' : 'supervised',
    pidfileLocked: locked !== undefined && locked === opts.pidfile, control, vlog });
}

interface RunArgs {
  program: string;
  opts: DaemonOptions;
  role: 'detached' | 'supervised' | 'in-process';
  pidfileLocked: boolean;
  control: net.Socket | null;
  vlog: Vlog;
}

async function runDaemon(a: RunArgs): Promise<DaemonContext> {
  const { program, opts, control } = a;
  const log = a.vlog.module(program.replace(/-/g, '_'));
  const daemonLog = a.vlog.module('daemon_unix');
  a.vlog.program = program;
  if (control) {
    control.on('error', () => { /* the launcher went away; handled below */ });
    // A supervisor killed outright takes the daemon with it, as a SIGKILL of the daemon would.
    if (a.role === 'supervised') control.on('end', () => process.kill(process.pid, 'SIGKILL'));
    control.resume();
    control.unref();
  }
  if (a.role === 'detached') {
    // Our stdout and stderr are pipes to the launcher, which exits once we are ready.
    process.stdout.on('error', () => { /* reader gone */ });
    process.stderr.on('error', () => { /* reader gone */ });
  }

  // 1. Logging first, so every later failure is reported where the user looks.
  for (const spec of opts.verbose) {
    const e = a.vlog.setVerbosity(spec === '' ? undefined : spec);
    if (e) log.fatal(e);
  }
  // As OVS, a log file named explicitly must open; the default one may fail with a warning.
  if (opts.logFile && a.vlog.setLogFile(opts.logFile) !== null && opts.logFile !== `${logdir()}/${program}.log`) {
    process.exit(1);
  }

  // 2. Pidfile: held by the locker already, or written here without a lock.
  const cleanupFiles: string[] = [];
  if (opts.pidfile) {
    if (!a.pidfileLocked) writeUnlockedPidfile(opts.pidfile, opts.overwritePidfile, daemonLog);
    cleanupFiles.push(opts.pidfile);
  }

  // 3. Exit path. The synchronous unlink on 'exit' covers process.exit() and crashes.
  const hooks: Array<() => void | Promise<void>> = [];
  let exiting = false;
  let server: UnixctlServer | null = null;
  const removeFiles = (): void => {
    for (const f of cleanupFiles) { try { fs.unlinkSync(f); } catch { /* gone */ } }
    cleanupFiles.length = 0;
  };
  process.on('exit', removeFiles);
  const runHooks = async (): Promise<void> => {
    const all = (async () => { for (const h of hooks) { try { await h(); } catch (e) { log.err(`exit hook failed: ${String(e)}`); } } })();
    await Promise.race([all, new Promise((r) => setTimeout(r, HOOK_DEADLINE_MS).unref())]);
    await server?.close();
    removeFiles();
  };
  const exit = async (code = 0): Promise<never> => {
    if (!exiting) { exiting = true; await runHooks(); process.exit(code); }
    return new Promise<never>(() => { /* already exiting */ });
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    if (exiting) return;
    exiting = true;
    const num = os.constants.signals[sig];
    a.vlog.module('fatal_signal').warn(`terminating with signal ${num} (${SIGNAL_NAMES[sig] ?? sig})`);
    void runHooks().then(() => {
      for (const s of FATAL_SIGNALS) process.off(s, onSignal);
      process.kill(process.pid, sig);
      setTimeout(() => process.exit(128 + num), 100);   // if someone else also handles `sig`
    });
  };
  for (const s of FATAL_SIGNALS) process.on(s, onSignal);

  // 4. Control socket and the built-in commands.
  const unixctl = new CommandRegistry(versionLine(program));
  unixctl.register({ name: 'exit', usage: '', minArgs: 0, maxArgs: 0, handler: () => ({ ok: '', after: () => { void exit(0); } }) });
  for (const c of a.vlog.commands()) unixctl.register(c);
  const unixctlPath = opts.unixctl === 'none' ? null : opts.unixctl ?? `${rundir()}/${program}.${process.pid}.ctl`;
  if (unixctlPath) {
    try {
      server = await UnixctlServer.listen({ path: unixctlPath, commands: unixctl, log: a.vlog.module('unixctl') });
    } catch (e) {
      process.stderr.write(`${program}: ${unixctlPath}: could not initialize control socket (${strerror(e)})\n`);
      process.exit(1);
    }
    cleanupFiles.push(unixctlPath);
  }
  log.info(versionLine(program));

  let isReady = false;
  return {
    program, options: opts, vlog: a.vlog, log, unixctl, unixctlPath,
    onExit: (hook) => { hooks.push(hook); },
    exit,
    ready: () => {
      if (isReady) return;
      isReady = true;
      if (control) control.write('ready\n');
      if (a.role !== 'detached') return;
      control?.end();
      // The launcher has exited: nobody reads our stdout and stderr any more.
      if (opts.chdir) process.chdir('/');
      a.vlog.setLevel(null, 'console', 'off');
    },
  };
}

const FATAL_SIGNALS: NodeJS.Signals[] = ['SIGTERM', 'SIGINT', 'SIGHUP'];
const SIGNAL_NAMES: Partial<Record<NodeJS.Signals, string>> = { SIGTERM: 'Terminated', SIGINT: 'Interrupt', SIGHUP: 'Hangup' };

/** Without the locker: refuse a pidfile naming another live process, then write ours. */
function writeUnlockedPidfile(file: string, overwrite: boolean, log: VlogModule): void {
  if (!overwrite) {
    const pid = readPidfile(file);
    if (typeof pid === 'number' && pid !== process.pid) log.fatal(`${file}: already running as pid ${pid}, aborting`);
  }
  const tmp = `${file}.tmp${process.pid}`;
  try {
    fs.writeFileSync(tmp, `${process.pid}\n`);
    fs.renameSync(tmp, file);
  } catch (e) {
    log.fatal(`${file}: create failed (${strerror(e)})`);
  }
}

function helpText(program: string, usage: string | undefined): string {
  return (usage ?? `${program}: Weft's ${program}\nusage: weft ${program} [OPTIONS]\n`) + '\n' +
    daemonUsage(program) + '\n' + vlogUsage(program, logdir()) + '\n' +
    'Other options:\n' +
    '  --unixctl=SOCKET        override default control socket name\n' +
    '  -h, --help              display this help message\n' +
    '  -V, --version           display version information\n';
}

function findPerl(): string | null {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    const p = path.join(dir || '.', 'perl');
    try { fs.accessSync(p, fs.constants.X_OK); return p; } catch { /* next */ }
  }
  return null;
}

/**
 * The pidfile locker: takes an fcntl lock on "<pidfile>.tmp", checks that no
 * live process holds the pidfile, writes its pid, renames the file into
 * place (the lock follows the inode) and execs the daemon, keeping pid and
 * lock. Failures are reported on the control pipe as "error TEXT".
 * Arguments: PIDFILE OVERWRITE(0|1) COMMAND ARG...
 */
const LOCKER = String.raw`
use strict;
use Fcntl qw(O_RDWR O_CREAT SEEK_SET F_GETLK F_SETLK F_SETFD F_WRLCK F_UNLCK);
my ($pidfile, $overwrite, @cmd) = @ARGV;
my $flock = length(pack('l!', 0)) == 8 ? 'ssx4qqlx4' : 'sslll';
sub fail { open(my $c, '>&=', 3); print $c "error $_[0]\n"; close($c); exit 1; }
my $tmp = $overwrite ? "$pidfile.tmp$$" : "$pidfile.tmp";
sysopen(my $fh, $tmp, O_RDWR | O_CREAT, 0644) or fail("$tmp: create failed ($!)");
fcntl($fh, F_SETLK, pack($flock, F_WRLCK, SEEK_SET, 0, 0, 0)) or fail("$tmp: fcntl(F_SETLK) failed ($!)");
if (!$overwrite && sysopen(my $old, $pidfile, O_RDWR)) {
  my $lk = pack($flock, F_WRLCK, SEEK_SET, 0, 0, 0);
  if (fcntl($old, F_GETLK, $lk)) {
    my ($type, undef, undef, undef, $pid) = unpack($flock, $lk);
    if ($type != F_UNLCK) { unlink($tmp); fail("$pidfile: already running as pid $pid, aborting"); }
  }
  close($old);
}
truncate($fh, 0);
syswrite($fh, "$$\n") or fail("$tmp: write failed ($!)");
rename($tmp, $pidfile) or fail("failed to rename \"$tmp\" to \"$pidfile\" ($!)");
fcntl($fh, F_SETFD, 0);
exec { $cmd[0] } @cmd;
fail("$cmd[0]: exec failed ($!)");
`;

/** The launcher role: spawn the daemon proper and wait for it (see the module comment). */
function launch(program: string, opts: DaemonOptions, perl: string | null): Promise<never> {
  const detach = opts.detach;
  const node = [process.execPath, ...process.execArgv, ...process.argv.slice(1)];
  const argv = perl && opts.pidfile
    ? [perl, '-e', LOCKER, opts.pidfile, opts.overwritePidfile ? '1' : '0', ...node]
    : node;
  const env: NodeJS.ProcessEnv = { ...process.env, [ROLE_ENV]: detach ? 'detached' : 'supervised' };
  if (perl && opts.pidfile) env[LOCKED_ENV] = opts.pidfile;
  const child = spawn(argv[0]!, argv.slice(1), {
    detached: detach,
    stdio: detach ? ['ignore', 'pipe', 'pipe', 'pipe'] : ['inherit', 'inherit', 'inherit', 'pipe'],
    env,
  });
  if (detach) {
    child.stdout!.pipe(process.stdout, { end: false });
    child.stderr!.pipe(process.stderr, { end: false });
  } else {
    for (const s of FATAL_SIGNALS) process.on(s, () => { child.kill(s); });
  }
  let ready = false;
  let error: string | null = null;
  let buffered = '';
  const controlPipe = child.stdio[CONTROL_FD] as net.Socket;
  controlPipe.setEncoding('utf8');
  controlPipe.on('data', (d: string) => {
    buffered += d;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      if (line === 'ready' && !ready) { ready = true; if (detach) released(); }
      else if (line.startsWith('error ')) error = line.slice(6);
    }
  });
  controlPipe.on('error', () => { /* the child's end closed */ });

  // Output the child wrote before "ready" may still sit in the pipes: give it two loop turns.
  const released = (): void => {
    setImmediate(() => setImmediate(() => {
      child.stdout!.unpipe(); child.stderr!.unpipe();
      child.stdout!.destroy(); child.stderr!.destroy(); controlPipe.destroy();
      child.unref();
      process.exit(0);
    }));
  };

  return new Promise<never>(() => {
    child.on('error', (e) => {
      process.stderr.write(`${program}: ${argv[0]}: ${strerror(e)}\n`);
      process.exit(1);
    });
    child.on('close', (code, signal) => {
      if (detach && ready) return;
      if (error !== null) { process.stderr.write(`${program}: ${error}\n`); process.exit(1); }
      if (!detach) {
        if (!signal) process.exit(code ?? 1);
        for (const s of FATAL_SIGNALS) process.removeAllListeners(s);
        process.kill(process.pid, signal);
        setTimeout(() => process.exit(128 + os.constants.signals[signal]), 100);
        return;
      }
      if (code) process.exit(code);
      const status = signal ? `killed (${signal})` : `exit status ${code}`;
      vlog.module('daemon_unix').err(`fork child died before signaling startup (${status})`);
      vlog.module('daemon_unix').fatal('could not detach from foreground session');
    });
  });
}
