/**
 * Logging in Open vSwitch's vlog model, so Weft's daemons answer `ovs-appctl
 * vlog/set`, `vlog/list`, `vlog/reopen` and `vlog/close` as OVS's do and
 * write log files in the same line format.
 *
 * A *module* is a named source of messages (`ofproto`, `ovsdb_server`,
 * `unixctl`…). Each module has one level per *destination*: console (stderr),
 * syslog and file. A message is written to a destination when its level is
 * at or above the module's level for it, in the order off < emer < err <
 * warn < info < dbg. Every message written anywhere takes the next sequence
 * number, so lines can be correlated across destinations:
 *
 *     file     2026-11-22T12:00:00.123Z|00001|vlog|INFO|opened log file /x.log
 *     console  2026-11-22T12:00:00Z|00001|vlog|INFO|opened log file /x.log
 *
 * Weft keeps syslog as a level only (shown and settable, never sent), which
 * is how OVS behaves with no syslog daemon listening.
 *
 * Level specs (`-v`, `--verbose=`, `vlog/set`) are OVS's: words separated by
 * any of ` ,:\t`, each a module, a destination, a level or `any`; what is
 * left out means all modules, all destinations, level dbg. Modules created
 * after a spec that named no module start from the levels it set, so a
 * module that registers late is not left behind.
 *
 * Per-packet paths log through a RateLimit, OVS's token bucket: `burst`
 * messages at once, refilled at `perMinute`; what it drops is counted and
 * reported in one line with the next message it lets through. `vlog/
 * disable-rate-limit` turns the limit off per module for debugging.
 *
 * The log file is written synchronously (one write per line, O_APPEND), so
 * nothing is lost at exit and lines from one process never interleave.
 * `vlog/reopen` reopens the file by name for logrotate; it does nothing when
 * the name still refers to the open file, as OVS does. The clock is
 * injected for tests; it is the wall clock, since log lines are read by
 * people next to other programs' logs.
 */
import * as fs from 'node:fs';

export const LEVELS = ['off', 'emer', 'err', 'warn', 'info', 'dbg'] as const;
export type VlogLevel = (typeof LEVELS)[number];
export const DESTINATIONS = ['console', 'syslog', 'file'] as const;
export type VlogDestination = (typeof DESTINATIONS)[number];

/** A module's levels, indexed like DESTINATIONS, as indices into LEVELS. */
type Levels = [number, number, number];

const CONSOLE = 0, SYSLOG = 1, FILE = 2;
const L_OFF = 0, L_INFO = 4;

export interface VlogOptions {
  /** Program name, used by fatal() ("ovsdb-server: …"). */
  program?: string;
  /** Wall clock in ms since the epoch. */
  now?: () => number;
  /** Where console lines go; stderr by default. */
  console?: (text: string) => void;
}

/** The shape of an appctl command, declared here so base/ need not import unixctl/. */
export interface VlogCommand {
  name: string;
  usage: string;
  minArgs: number;
  maxArgs: number;
  handler(args: string[]): { ok: string } | { error: string };
}

/**
 * OVS's vlog_rate_limit: at most `burst` messages at once, refilled at
 * `perMinute` messages per minute.
 */
export class RateLimit {
  private tokens: number;
  private lastFill = Number.NaN;
  /** Messages dropped since the last one let through, and when (seconds). */
  nDropped = 0;
  private firstDropped = 0;
  private lastDropped = 0;

  constructor(readonly perMinute = 5, readonly burst = 20) {
    this.tokens = burst;
  }

  /** Takes one message's worth of tokens at time `nowMs`; false when the bucket is empty. */
  withdraw(nowMs: number): boolean {
    if (!Number.isNaN(this.lastFill) && nowMs > this.lastFill) {
      this.tokens = Math.min(this.burst, this.tokens + ((nowMs - this.lastFill) * this.perMinute) / 60_000);
    }
    if (Number.isNaN(this.lastFill) || nowMs > this.lastFill) this.lastFill = nowMs;
    if (this.tokens >= 1) { this.tokens -= 1; return true; }
    const s = Math.floor(nowMs / 1000);
    if (this.nDropped === 0) this.firstDropped = s;
    this.lastDropped = s;
    this.nDropped++;
    return false;
  }

  /** The "Dropped…" report owed for messages dropped so far, clearing the count; null if none. */
  takeDropReport(nowMs: number): string | null {
    if (this.nDropped === 0) return null;
    const s = Math.floor(nowMs / 1000);
    const text = `Dropped ${this.nDropped} log messages in last ${s - this.firstDropped} seconds ` +
      `(most recently, ${s - this.lastDropped} seconds ago) due to excessive rate`;
    this.nDropped = 0;
    return text;
  }
}

interface ModuleState { readonly name: string; levels: Levels; honorRateLimits: boolean }

/** One module's logger. Obtained from Vlog.module(); cheap to keep in a module-level constant. */
export class VlogModule {
  constructor(private readonly vlog: Vlog, private readonly state: ModuleState) {}

  get name(): string { return this.state.name; }

  isEnabled(level: VlogLevel): boolean {
    return this.vlog.isEnabled(this.state, LEVELS.indexOf(level));
  }

  log(level: VlogLevel, msg: string, rl?: RateLimit): void {
    this.vlog.write(this.state, LEVELS.indexOf(level), msg, rl);
  }

  emer(msg: string, rl?: RateLimit): void { this.log('emer', msg, rl); }
  err(msg: string, rl?: RateLimit): void { this.log('err', msg, rl); }
  /** Alias of err() for callers that speak of errors rather than levels. */
  error(msg: string, rl?: RateLimit): void { this.log('err', msg, rl); }
  warn(msg: string, rl?: RateLimit): void { this.log('warn', msg, rl); }
  info(msg: string, rl?: RateLimit): void { this.log('info', msg, rl); }
  dbg(msg: string, rl?: RateLimit): void { this.log('dbg', msg, rl); }

  /**
   * OVS's VLOG_FATAL: logs at emer everywhere but the console, prints
   * "PROGRAM: msg" on stderr instead, and exits with status 1.
   */
  fatal(msg: string): never {
    this.state.levels[CONSOLE] = L_OFF;
    this.log('emer', msg);
    this.vlog.writeConsole(`${this.vlog.program}: ${msg}\n`);
    process.exit(1);
  }
}

export class Vlog {
  program: string;
  private readonly now: () => number;
  private readonly consoleOut: (text: string) => void;
  private readonly modules = new Map<string, ModuleState>();
  private defaults: Levels = [L_INFO, L_INFO, L_INFO];
  private seq = 0;
  private logFileName: string | null = null;
  private logFd = -1;

  constructor(opts: VlogOptions = {}) {
    this.program = opts.program ?? 'weft';
    this.now = opts.now ?? Date.now;
    this.consoleOut = opts.console ?? ((t) => { process.stderr.write(t); });
    for (const m of ['vlog', 'daemon_unix', 'unixctl', 'fatal_signal']) this.module(m);
  }

  /** The logger for `name`, created on first use with the current default levels. */
  module(name: string): VlogModule {
    let m = this.modules.get(name);
    if (!m) {
      m = { name, levels: [...this.defaults] as Levels, honorRateLimits: true };
      this.modules.set(name, m);
    }
    return new VlogModule(this, m);
  }

  /** Sets `level` for one module (null: all, and later ones) and one destination (null: all). */
  setLevel(module: string | null, destination: VlogDestination | null, level: VlogLevel): void {
    const l = LEVELS.indexOf(level);
    const dests = destination === null ? [CONSOLE, SYSLOG, FILE] : [DESTINATIONS.indexOf(destination)];
    const targets = module === null ? [...this.modules.values()] : [this.findModule(module)!].filter(Boolean);
    for (const m of targets) for (const d of dests) m.levels[d] = l;
    if (module === null) for (const d of dests) this.defaults[d] = l;
  }

  /** Applies one level spec as `vlog/set` does. Returns OVS's error text, or null. */
  setLevelsFromString(spec: string): string | null {
    const words = spec.split(/[ ,:\t]+/).filter((w) => w !== '');
    if (words[0]?.toUpperCase() === 'PATTERN') return 'log patterns cannot be changed in Weft';
    if (words[0]?.toUpperCase() === 'FACILITY') return null;   // syslog is not sent; accept quietly
    let module: ModuleState | null = null;
    let level: VlogLevel | null = null;
    let dest: VlogDestination | null = null;
    for (const w of words) {
      const lw = w.toLowerCase();
      if (lw === 'any') continue;
      if ((DESTINATIONS as readonly string[]).includes(lw)) {
        if (dest) return 'cannot specify multiple destinations';
        dest = lw as VlogDestination;
      } else if ((LEVELS as readonly string[]).includes(lw)) {
        if (level) return 'cannot specify multiple levels';
        level = lw as VlogLevel;
      } else if (this.findModule(w)) {
        if (module) return 'cannot specify multiple modules';
        module = this.findModule(w)!;
      } else {
        return `no destination, level, or module "${w}"`;
      }
    }
    this.setLevel(module ? module.name : null, dest, level ?? 'dbg');
    return null;
  }

  /** `-v`/`--verbose[=SPEC]`: no spec means every module and destination at dbg. */
  setVerbosity(spec: string | undefined): string | null {
    if (spec === undefined || spec === '') { this.setLevel(null, null, 'dbg'); return null; }
    const e = this.setLevelsFromString(spec);
    return e === null ? null : `processing "${spec}": ${e}`;
  }

  /** Opens `file` for logging (closing any other); returns an error text or null. */
  setLogFile(file: string): string | null {
    let fd: number;
    try {
      fd = fs.openSync(file, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND, 0o660);
    } catch (e) {
      const text = strerror(e);
      this.module('vlog').warn(`failed to open ${file} for logging: ${text}`);
      return text;
    }
    if (this.logFd >= 0 && sameFile(this.logFd, fd)) {
      fs.closeSync(fd);
      return null;
    }
    if (this.logFd >= 0) this.module('vlog').info('closing log file');
    this.closeLogFile();
    this.logFileName = file;
    this.logFd = fd;
    this.module('vlog').info(`opened log file ${file}`);
    return null;
  }

  /** Reopens the log file by name (logrotate); an error text, or null. */
  reopenLogFile(): string | null {
    return this.logFileName === null ? null : this.setLogFile(this.logFileName);
  }

  /** Closes the log file but remembers its name, so vlog/reopen can open it again. */
  closeLogFile(): void {
    if (this.logFd >= 0) {
      try { fs.closeSync(this.logFd); } catch { /* already gone */ }
      this.logFd = -1;
    }
  }

  get logFile(): string | null { return this.logFileName; }

  /** `vlog/list` text. */
  listLevels(): string {
    const name = (l: number): string => LEVELS[l]!.toUpperCase();
    const lines = [...this.modules.values()].map((m) => {
      let line = `${m.name.padEnd(16)}  ${name(m.levels[CONSOLE]).padStart(4)}       ` +
        `${name(m.levels[SYSLOG]).padStart(4)}       ${name(m.levels[FILE]).padStart(4)}`;
      if (!m.honorRateLimits) line += '    (rate limiting disabled)';
      return line + '\n';
    }).sort();
    return '                 console    syslog    file\n' +
      '                 -------    ------    ------\n' + lines.join('');
  }

  /** `vlog/list-pattern` text (the patterns are fixed in Weft: OVS's defaults). */
  listPatterns(): string {
    return [
      '         prefix                            format',
      '         ------                            ------',
      'SYSLOG   <%B> %D{%h %e %T} %E %A:          ovs|%05N|%c%T|%p|%m',
      'CONSOLE  none                              %D{%Y-%m-%dT%H:%M:%SZ}|%05N|%c%T|%p|%m',
      'FILE     none                              %D{%Y-%m-%dT%H:%M:%S.###Z}|%05N|%c%T|%p|%m',
      '',
    ].join('\n');
  }

  /** Turns rate limiting on or off for the named modules (all when none named); an error text or null. */
  setRateLimits(names: string[], honor: boolean): string | null {
    const targets = names.length === 0 ? [...this.modules.values()] : names.map((n) => this.findModule(n));
    if (targets.some((m) => !m)) return 'unknown module';
    for (const m of targets) m!.honorRateLimits = honor;
    return null;
  }

  /** The vlog/* appctl commands, with OVS's names, usages and argument counts. */
  commands(): VlogCommand[] {
    const reply = (e: string | null): { ok: string } | { error: string } => (e === null ? { ok: '' } : { error: e });
    return [
      {
        name: 'vlog/set', usage: '{spec | PATTERN:destination:pattern}', minArgs: 0, maxArgs: Number.MAX_SAFE_INTEGER,
        handler: (args) => {
          if (args.length === 0) this.setLevel(null, null, 'dbg');
          for (const a of args) {
            const e = this.setLevelsFromString(a);
            if (e !== null) return { error: e };
          }
          return { ok: '' };
        },
      },
      { name: 'vlog/list', usage: '', minArgs: 0, maxArgs: 0, handler: () => ({ ok: this.listLevels() }) },
      { name: 'vlog/list-pattern', usage: '', minArgs: 0, maxArgs: 0, handler: () => ({ ok: this.listPatterns() }) },
      {
        name: 'vlog/enable-rate-limit', usage: '[module]...', minArgs: 0, maxArgs: Number.MAX_SAFE_INTEGER,
        handler: (args) => reply(this.setRateLimits(args, true)),
      },
      {
        name: 'vlog/disable-rate-limit', usage: '[module]...', minArgs: 0, maxArgs: Number.MAX_SAFE_INTEGER,
        handler: (args) => reply(this.setRateLimits(args, false)),
      },
      {
        name: 'vlog/reopen', usage: '', minArgs: 0, maxArgs: 0,
        handler: () => (this.logFileName === null ? { error: 'Logging to file not configured' } : reply(this.reopenLogFile())),
      },
      { name: 'vlog/close', usage: '', minArgs: 0, maxArgs: 0, handler: () => { this.closeLogFile(); return { ok: '' }; } },
    ];
  }

  /** @internal Used by VlogModule. */
  isEnabled(m: ModuleState, level: number): boolean {
    return level !== L_OFF && (level <= m.levels[CONSOLE] || level <= m.levels[SYSLOG] ||
      (this.logFd >= 0 && level <= m.levels[FILE]));
  }

  /** @internal Used by VlogModule. */
  write(m: ModuleState, level: number, msg: string, rl?: RateLimit): void {
    if (!this.isEnabled(m, level)) return;
    if (rl && m.honorRateLimits) {
      const now = this.now();
      if (!rl.withdraw(now)) return;
      const report = rl.takeDropReport(now);
      if (report !== null) this.emit(m, level, report);
    }
    this.emit(m, level, msg);
  }

  /** @internal Used by VlogModule.fatal(). */
  writeConsole(text: string): void {
    this.consoleOut(text);
  }

  private emit(m: ModuleState, level: number, msg: string): void {
    const toConsole = level <= m.levels[CONSOLE];
    const toFile = this.logFd >= 0 && level <= m.levels[FILE];
    const toSyslog = level <= m.levels[SYSLOG];
    if (!toConsole && !toFile && !toSyslog) return;
    const seq = String(++this.seq).padStart(5, '0');
    const stamp = new Date(this.now()).toISOString();      // 2026-11-22T12:00:00.123Z
    const tail = `|${seq}|${m.name}|${LEVELS[level]!.toUpperCase()}|${msg}\n`;
    if (toConsole) this.consoleOut(stamp.slice(0, 19) + 'Z' + tail);
    if (toFile) {
      try { fs.writeSync(this.logFd, stamp + tail); } catch { /* a full disk must not stop the daemon */ }
    }
  }

  private findModule(name: string): ModuleState | undefined {
    const exact = this.modules.get(name);
    if (exact) return exact;
    const lower = name.toLowerCase();
    for (const m of this.modules.values()) if (m.name.toLowerCase() === lower) return m;
    return undefined;
  }
}

function sameFile(a: number, b: number): boolean {
  try {
    const sa = fs.fstatSync(a), sb = fs.fstatSync(b);
    return sa.dev === sb.dev && sa.ino === sb.ino;
  } catch {
    return false;
  }
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory', EACCES: 'Permission denied', EPERM: 'Operation not permitted',
  ECONNREFUSED: 'Connection refused', ECONNRESET: 'Connection reset by peer', EPIPE: 'Broken pipe',
  ESRCH: 'No such process', EEXIST: 'File exists', EISDIR: 'Is a directory', ENOTDIR: 'Not a directory',
  EADDRINUSE: 'Address already in use', ENAMETOOLONG: 'File name too long', EINVAL: 'Invalid argument',
  ENOTSOCK: 'Socket operation on non-socket', EAGAIN: 'Resource temporarily unavailable',
  ETIMEDOUT: 'Connection timed out', EROFS: 'Read-only file system', ENOSPC: 'No space left on device',
  EPROTOTYPE: 'Protocol wrong type for socket', EOF: 'End of file',
};

/** The C library's strerror() text for a Node system error, as OVS prints them. */
export function strerror(e: unknown): string {
  const code = (e as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && ERRNO_TEXT[code]) return ERRNO_TEXT[code]!;
  return e instanceof Error ? e.message : String(e);
}

/** The process's logger, configured by startDaemon(); modules take theirs with vlogModule(). */
export const vlog = new Vlog();

/** The logger for module `name` on the process's Vlog. */
export function vlogModule(name: string): VlogModule {
  return vlog.module(name);
}

/** OVS's `--help` text for the logging options. */
export function vlogUsage(program: string, logdir: string): string {
  return [
    'Logging options:',
    '  -vSPEC, --verbose=SPEC   set logging levels',
    '  -v, --verbose            set maximum verbosity level',
    '  --log-file[=FILE]        enable logging to specified FILE',
    `                           (default: ${logdir}/${program}.log)`,
    '  --syslog-method=(libc|unix:file|udp:ip:port)',
    '                           specify how to send messages to syslog daemon',
    '  --syslog-target=HOST:PORT  also send syslog msgs to HOST:PORT via UDP',
    '',
  ].join('\n');
}
