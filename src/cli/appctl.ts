/**
 * `weft appctl [-t TARGET] [--timeout=SECS] COMMAND [ARG...]`: sends one
 * command to a running daemon's control socket, with ovs-appctl's options,
 * messages and exit statuses, so scripts can use either:
 *
 *   0  the daemon answered; its text is on stdout
 *   1  bad usage, no pidfile, no socket, or the connection failed
 *   2  the daemon answered with an error; its text is on stderr, followed
 *      by "weft appctl: TARGET: server returned an error"
 *   killed by SIGALRM (142 in a shell) when --timeout expires, as OVS's is.
 *
 * Options stop at the first non-option argument, so a command's own
 * options (`ofproto/trace --generate …`) pass through untouched.
 */
import { vlog, vlogModule, strerror } from '../base/vlog.js';
import { rundir, logdir } from '../base/dirs.js';
import { UnixctlClient, UnixctlClientError, resolveTarget } from '../unixctl/client.js';
import { WEFT_VERSION } from '../base/daemon.js';

const PROGRAM = 'weft appctl';

interface Options { target: string; timeoutSecs: number; command: string; args: string[] }

type Parsed = { kind: 'run'; opts: Options } | { kind: 'exit'; code: number };

class UsageError extends Error {}

/** Long options: name -> [short letter, argument: 'none' | 'required' | 'optional']. */
const LONG: Record<string, [string, 'none' | 'required' | 'optional']> = {
  target: ['t', 'required'], execute: ['e', 'none'], help: ['h', 'none'], option: ['o', 'none'],
  version: ['V', 'none'], timeout: ['T', 'required'], verbose: ['v', 'optional'],
  'log-file': ['', 'optional'], 'syslog-method': ['', 'required'], 'syslog-target': ['', 'required'],
};
const SHORT_ARG: Record<string, 'none' | 'required' | 'optional'> = { t: 'required', e: 'none', h: 'none', o: 'none', V: 'none', T: 'required', v: 'optional' };

function usage(): string {
  return `${PROGRAM}, for querying and controlling Open vSwitch daemon
usage: ${PROGRAM} [TARGET] COMMAND [ARG...]
Targets:
  -t, --target=TARGET  pidfile or socket to contact
Common commands:
  list-commands      List commands supported by the target
  version            Print version of the target
  vlog/list          List current logging levels
  vlog/list-pattern  List logging patterns for each destination.
  vlog/set [SPEC]
      Set log levels as detailed in SPEC, which may include:
      A valid module name (all modules, by default)
      'syslog', 'console', 'file' (all destinations, by default))
      'off', 'emer', 'err', 'warn', 'info', or 'dbg' ('dbg', bydefault)
  vlog/reopen        Make the program reopen its log file
Other options:
  --timeout=SECS     wait at most SECS seconds for a response
  -h, --help         Print this helpful information
  -V, --version      Display ${PROGRAM} version information
`;
}

function optionList(): string {
  let out = '';
  for (const [name, [short, arg]] of Object.entries(LONG)) {
    out += `--${name}${arg === 'required' ? '=ARG' : arg === 'optional' ? '=[ARG]' : ''}\n`;
    if (short) out += `-${short} ${arg === 'required' ? 'ARG' : arg === 'optional' ? '[ARG]' : ''}\n`;
  }
  return out;
}

export function parseArgs(argv: string[]): Parsed {
  let target: string | null = null;
  let timeoutSecs = 0;
  let executes = 0;
  let i = 0;
  const apply = (opt: string, value: string | undefined): Parsed | null => {
    switch (opt) {
      case 't':
        if (target !== null) throw new UsageError('-t or --target may be specified only once');
        target = value!;
        return null;
      case 'e':
        if (executes++) throw new UsageError('-e or --execute may be speciifed only once');
        return null;
      case 'h': process.stdout.write(usage()); return { kind: 'exit', code: 0 };
      case 'o': process.stdout.write(optionList()); return { kind: 'exit', code: 0 };
      case 'V': process.stdout.write(`${PROGRAM} (Weft) ${WEFT_VERSION}\n`); return { kind: 'exit', code: 0 };
      case 'T':
        if (!/^\d+$/.test(value!) || Number(value) === 0) throw new UsageError(`value ${value} on -T or --timeout is invalid`);
        timeoutSecs = Number(value);
        return null;
      case 'v': {
        const e = vlog.setVerbosity(value);
        if (e) throw new UsageError(e);
        return null;
      }
      case 'log-file': {
        const e = vlog.setLogFile(value ?? `${logdir()}/ovs-appctl.log`);
        if (e && value !== undefined) return { kind: 'exit', code: 1 };
        return null;
      }
      default: return null;      // --syslog-method, --syslog-target: syslog is not used
    }
  };
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { i++; break; }
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      const spec = LONG[name];
      if (!spec) throw new UsageError(`unrecognized option '${eq < 0 ? a : a.slice(0, eq)}'`);
      let value: string | undefined = eq < 0 ? undefined : a.slice(eq + 1);
      if (spec[1] === 'none' && value !== undefined) throw new UsageError(`option '--${name}' doesn't allow an argument`);
      if (spec[1] === 'required' && value === undefined) {
        if (i + 1 >= argv.length) throw new UsageError(`option '--${name}' requires an argument`);
        value = argv[++i];
      }
      const r = apply(spec[0] || name, value);
      if (r) return r;
    } else if (a.startsWith('-') && a.length > 1) {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        const kind = SHORT_ARG[c];
        if (!kind) throw new UsageError(`invalid option -- '${c}'`);
        let value: string | undefined;
        if (kind !== 'none') {
          const rest = a.slice(j + 1);
          if (rest !== '') value = rest;
          else if (kind === 'required') {
            if (i + 1 >= argv.length) throw new UsageError(`option requires an argument -- '${c}'`);
            value = argv[++i];
          }
          j = a.length;
        }
        const r = apply(c, value);
        if (r) return r;
      }
    } else {
      break;
    }
  }
  if (i >= argv.length) throw new UsageError('at least one non-option argument is required (use --help for help)');
  return { kind: 'run', opts: { target: target ?? 'ovs-vswitchd', timeoutSecs, command: argv[i]!, args: argv.slice(i + 1) } };
}

function fail(msg: string): number {
  process.stderr.write(`${PROGRAM}: ${msg}\n`);
  return 1;
}

export async function main(argv: string[]): Promise<number> {
  vlog.program = PROGRAM;
  let parsed: Parsed;
  try {
    parsed = parseArgs(argv);
  } catch (e) {
    if (e instanceof UsageError) return fail(e.message);
    throw e;
  }
  if (parsed.kind === 'exit') return parsed.code;
  const { target, timeoutSecs, command, args } = parsed.opts;

  // As ovs-appctl's alarm(): the whole exchange, connection included, is bounded.
  const timer = timeoutSecs > 0 ? setTimeout(() => {
    vlogModule('fatal_signal').warn('terminating with signal 14 (Alarm clock)');
    process.kill(process.pid, 'SIGALRM');
  }, timeoutSecs * 1000) : null;
  try {
    return await run(target, command, args);
  } finally {
    if (timer) clearTimeout(timer);
  }
}

async function run(target: string, command: string, args: string[]): Promise<number> {
  const where = resolveTarget(target, rundir());
  if (!where.ok) {
    if (where.reason === strerror({ code: 'ENOENT' })) vlogModule('daemon_unix').warn(`${where.pidfile}: open: ${where.reason}`);
    return fail(`cannot read pidfile "${where.pidfile}" (${where.reason})`);
  }
  let client: UnixctlClient;
  try {
    client = await UnixctlClient.connect(where.socket);
  } catch (e) {
    vlogModule('unixctl').warn(`failed to connect to ${where.socket}`);
    return fail(`cannot connect to "${where.socket}" (${strerror(e)})`);
  }
  try {
    const r = await client.transact(command, args);
    if ('error' in r) {
      process.stderr.write(r.error);
      process.stderr.write(`${PROGRAM}: ${target}: server returned an error\n`);
      return 2;
    }
    process.stdout.write(r.result);
    return 0;
  } catch (e) {
    if (!(e instanceof UnixctlClientError)) throw e;
    const reason = e.code === 'EOF' ? 'End of file' : strerror({ code: e.code });
    vlogModule('unixctl').warn(`error communicating with unix:${where.socket}: ${e.code === 'EOF' ? reason : e.message}`);
    return fail(`${target}: transaction error (${reason})`);
  } finally {
    client.close();
  }
}
