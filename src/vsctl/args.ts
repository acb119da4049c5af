/**
 * ovs-vsctl's command line: global options (parsed as glibc's getopt_long
 * with "+": stop at the first non-option, accept unique abbreviations and
 * `--opt value`, with glibc's own error messages), then `--`-separated
 * commands, each with its own leading `--option[=value]` words. Command
 * options given before the first command (`ovs-vsctl --may-exist add-br
 * br0`) belong to the first command.
 *
 * Parsing never touches the database: every error here is reported before
 * connecting, as ovs-vsctl does.
 */
import type { Command, CommandSyntax } from './context.js';
import { VsctlError } from './context.js';
import { type TableStyle, DEFAULT_STYLE } from './table-format.js';

export interface GlobalOptions {
  db: string | null;
  oneline: boolean;
  dryRun: boolean;
  wait: boolean;
  timeout: number;
  retry: boolean;
  noSyslog: boolean;
  style: TableStyle;
  action: 'run' | 'help' | 'version' | 'commands' | 'options';
}

type HasArg = 'no' | 'required' | 'optional';
interface LongOption { name: string; hasArg: HasArg; short?: string; local?: boolean }

const GLOBAL_OPTIONS: LongOption[] = [
  { name: 'db', hasArg: 'required' },
  { name: 'no-syslog', hasArg: 'no' },
  { name: 'no-wait', hasArg: 'no' },
  { name: 'dry-run', hasArg: 'no' },
  { name: 'oneline', hasArg: 'no' },
  { name: 'timeout', hasArg: 'required', short: 't' },
  { name: 'retry', hasArg: 'no' },
  { name: 'help', hasArg: 'no', short: 'h' },
  { name: 'commands', hasArg: 'no' },
  { name: 'options', hasArg: 'no' },
  { name: 'leader-only', hasArg: 'no' },
  { name: 'no-leader-only', hasArg: 'no' },
  { name: 'shuffle-remotes', hasArg: 'no' },
  { name: 'no-shuffle-remotes', hasArg: 'no' },
  { name: 'version', hasArg: 'no', short: 'V' },
  { name: 'verbose', hasArg: 'optional', short: 'v' },
  { name: 'log-file', hasArg: 'optional' },
  { name: 'syslog-method', hasArg: 'required' },
  { name: 'syslog-target', hasArg: 'required' },
  { name: 'format', hasArg: 'required', short: 'f' },
  { name: 'data', hasArg: 'required', short: 'd' },
  { name: 'no-headings', hasArg: 'no' },
  { name: 'pretty', hasArg: 'no' },
  { name: 'bare', hasArg: 'no' },
  { name: 'max-column-width', hasArg: 'required' },
  { name: 'private-key', hasArg: 'required', short: 'p' },
  { name: 'certificate', hasArg: 'required', short: 'c' },
  { name: 'ca-cert', hasArg: 'required', short: 'C' },
  { name: 'ssl-protocols', hasArg: 'required' },
  { name: 'ssl-ciphers', hasArg: 'required' },
  { name: 'bootstrap-ca-cert', hasArg: 'required' },
  { name: 'peer-ca-cert', hasArg: 'required' },
];

/** Command options accepted in global position, in the order ovs-vsctl's table lists them. */
const LOCAL_ORDER = ['may-exist', 'if-exists', 'id', 'inactivity-probe', 'real', 'fake', 'fake-iface', 'with-iface', 'bootstrap', 'columns', 'all'];

function allOptions(commands: Iterable<CommandSyntax>): LongOption[] {
  const local = new Map<string, HasArg>();
  for (const c of commands) {
    for (const o of c.options.split(',').filter((x) => x)) {
      const m = /^--([^=?]+)([=?]?)$/.exec(o)!;
      local.set(m[1]!, m[2] === '=' ? 'required' : m[2] === '?' ? 'optional' : 'no');
    }
  }
  const names = [...local.keys()].sort((a, b) => {
    const ia = LOCAL_ORDER.indexOf(a), ib = LOCAL_ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib);
  });
  return [...GLOBAL_OPTIONS, ...names.map((name) => ({ name, hasArg: local.get(name)!, local: true }))];
}

export interface ParsedCommandLine {
  opts: GlobalOptions;
  commands: Command[];
}

/** Parses argv (without the program name). */
export function parseCommandLine(argv: string[], registry: Map<string, CommandSyntax>): ParsedCommandLine {
  const opts: GlobalOptions = {
    db: null, oneline: false, dryRun: false, wait: true, timeout: 0, retry: false, noSyslog: false,
    style: { ...DEFAULT_STYLE }, action: 'run',
  };
  const options = allOptions(registry.values());
  const localOptions = new Map<string, string | null>();
  const getoptError = (msg: string): never => { throw new VsctlError(msg, 1); };

  const apply = (o: LongOption, value: string | null): void => {
    if (o.local) {
      localOptions.set(`--${o.name}`, value);
      return;
    }
    switch (o.name) {
      case 'db': opts.db = value; break;
      case 'oneline': opts.oneline = true; break;
      case 'no-syslog': opts.noSyslog = true; break;
      case 'no-wait': opts.wait = false; break;
      case 'dry-run': opts.dryRun = true; break;
      case 'timeout': {
        const n = /^\s*\+?\d+$/.test(value!) ? Number(value) : NaN;
        if (!(n > 0 && n <= 4294967295)) throw new VsctlError(`value ${value} on -t or --timeout is invalid`);
        opts.timeout = n;
        break;
      }
      case 'retry': opts.retry = true; break;
      case 'help': opts.action = 'help'; break;
      case 'commands': opts.action = 'commands'; break;
      case 'options': if (opts.action !== 'commands') opts.action = 'options'; break;
      case 'version': opts.action = 'version'; break;
      case 'format':
        if (!['table', 'list', 'html', 'csv', 'json'].includes(value!)) throw new VsctlError(`unknown output format "${value}"`);
        opts.style.format = value as TableStyle['format'];
        break;
      case 'data':
        if (!['string', 'bare', 'json'].includes(value!)) throw new VsctlError(`unknown data format "${value}"`);
        opts.style.cellFormat = value as TableStyle['cellFormat'];
        break;
      case 'no-headings': opts.style.headings = false; break;
      case 'pretty': opts.style.pretty = true; break;
      case 'bare': Object.assign(opts.style, { format: 'list', cellFormat: 'bare', headings: false }); break;
      case 'max-column-width': opts.style.maxColumnWidth = Number.parseInt(value!, 10) || 0; break;
      default: break;      // logging, SSL, cluster options: accepted, no effect here
    }
  };

  let i = 0;
  while (i < argv.length) {
    const a = argv[i]!;
    if (a === '--') { i++; break; }
    if (!a.startsWith('-') || a === '-') break;
    i++;
    if (a.startsWith('--')) {
      const eq = a.indexOf('=');
      const name = eq < 0 ? a.slice(2) : a.slice(2, eq);
      let found = options.find((o) => o.name === name);
      if (!found) {
        const cands = options.filter((o) => o.name.startsWith(name));
        // glibc: several matches are ambiguous unless they all behave the same (same flag, value, argument).
        const first = cands[0];
        if (first && cands.some((c) => c !== first && (!c.local || !first.local || c.hasArg !== first.hasArg))) {
          getoptError(`option '--${name}' is ambiguous; possibilities:${cands.map((c) => ` '--${c.name}'`).join('')}`);
        }
        found = cands[0];
      }
      if (!found) getoptError(`unrecognized option '${a}'`);
      const o = found!;
      let value: string | null = null;
      if (eq >= 0) {
        if (o.hasArg === 'no') getoptError(`option '--${o.name}' doesn't allow an argument`);
        value = a.slice(eq + 1);
      } else if (o.hasArg === 'required') {
        if (i >= argv.length) getoptError(`option '--${o.name}' requires an argument`);
        value = argv[i++]!;
      }
      apply(o, value);
    } else {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        const o = options.find((x) => x.short === c);
        if (!o) getoptError(`invalid option -- '${c}'`);
        if (o!.hasArg === 'no') { apply(o!, null); continue; }
        let value: string | null = a.slice(j + 1) || null;
        if (value === null && o!.hasArg === 'required') {
          if (i >= argv.length) getoptError(`option requires an argument -- '${c}'`);
          value = argv[i++]!;
        }
        apply(o!, value);
        break;
      }
    }
  }
  if (opts.action !== 'run') return { opts, commands: [] };
  return { opts, commands: parseCommands(argv.slice(i), localOptions, registry) };
}

function parseCommand(words: string[], options: Map<string, string | null>, registry: Map<string, CommandSyntax>): Command {
  let i = 0;
  for (; i < words.length && words[i]!.startsWith('-'); i++) {
    const w = words[i]!;
    const eq = w.indexOf('=');
    const key = eq < 0 ? w : w.slice(0, eq);
    if (options.has(key)) throw new VsctlError(`'${w}' option specified multiple times`);
    options.set(key, eq < 0 ? null : w.slice(eq + 1));
  }
  if (i === words.length) throw new VsctlError('missing command name (use --help for help)');
  const syntax = registry.get(words[i]!);
  if (!syntax) throw new VsctlError(`unknown command '${words[i]}'; use --help for help`);
  for (const [name, value] of options) {
    const at = syntax.options.indexOf(name);
    const end = at < 0 ? undefined : syntax.options[at + name.length] ?? '';
    if (end === undefined || !'=,? '.includes(end)) throw new VsctlError(`'${words[i]}' command has no '${name}' option`);
    if (end !== '?' && (end === '=') !== (value !== null)) {
      throw new VsctlError(end === '='
        ? `missing argument to '${name}' option on '${words[i]}' command`
        : `'${name}' option on '${words[i]}' does not accept an argument`);
    }
  }
  const nArgs = words.length - i - 1;
  if (nArgs < syntax.minArgs) throw new VsctlError(`'${syntax.name}' command requires at least ${syntax.minArgs} arguments`);
  if (nArgs > syntax.maxArgs) {
    const note = words.slice(i + 1).some((w) => w.startsWith('-'))
      ? ' (note that options must precede command names and follow a "--" argument)' : '';
    throw new VsctlError(`'${syntax.name}' command takes at most ${syntax.maxArgs} arguments${note}`);
  }
  return { syntax, argv: words.slice(i), options, output: '', table: null };
}

function parseCommands(argv: string[], local: Map<string, string | null>, registry: Map<string, CommandSyntax>): Command[] {
  const commands: Command[] = [];
  let start = 0;
  let pending = local;
  for (let i = 0; i <= argv.length; i++) {
    if (i === argv.length || argv[i] === '--') {
      if (i > start) {
        commands.push(parseCommand(argv.slice(start, i), pending, registry));
        pending = new Map();
      } else if (pending.size) {
        throw new VsctlError('missing command name (use --help for help)');
      }
      start = i + 1;
    }
  }
  if (!commands.length) throw new VsctlError('missing command name (use --help for help)');
  return commands;
}
