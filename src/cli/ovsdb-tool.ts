/**
 * `weft ovsdb-tool`: offline commands on standalone database files, with the
 * syntax, output, exit codes and error texts of Open vSwitch's ovsdb-tool.
 * Logic lives in src/ovsdb (log.ts, file.ts, file-schema.ts, file-show.ts);
 * this file parses arguments the way GNU getopt_long does (options anywhere,
 * unique prefixes of long options) and prints.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OvsdbError, readLog, replaceLog, encodeRecord, CLUSTERED_MAGIC, STANDALONE_MAGIC, ioError, errnoText } from '../ovsdb/log.js';
import { DbFile, readSchemaRecord } from '../ovsdb/file.js';
import { parseSchemaJson, canonicalSchemaJson, schemasEqual, type SchemaInfo } from '../ovsdb/file-schema.js';
import { snapshotRecord } from '../ovsdb/file-replay.js';
import { ShowLogPrinter } from '../ovsdb/file-show.js';
import { ovsJson, jsonParseErrorText } from '../ovsdb/ovs-json.js';

const PROGRAM = 'ovsdb-tool';
const VERSION = '0.1.0';

export interface ToolIo {
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: Record<string, string | undefined>;
}

/** Exits the command with a status, after printing `message` as ovs_fatal does. */
class Exit extends Error {
  constructor(readonly code: number, readonly text?: string) {
    super(text ?? `exit ${code}`);
  }
}

function fatal(message: string): never {
  throw new Exit(1, `${PROGRAM}: ${message}\n`);
}

interface Context {
  args: string[];
  verbosity: number;
  io: ToolIo;
}

interface Command {
  name: string;
  usage: string | null;
  min: number;
  max: number;
  run?: (ctx: Context) => void;
}

const COMMANDS: Command[] = [
  { name: 'create', usage: '[db [schema]]', min: 0, max: 2, run: doCreate },
  { name: 'create-cluster', usage: 'db contents local', min: 3, max: 3 },
  { name: 'join-cluster', usage: 'db name local remote...', min: 4, max: Infinity },
  { name: 'compact', usage: '[db [dst]]', min: 0, max: 2, run: doCompact },
  { name: 'convert', usage: '[db [schema [dst]]]', min: 0, max: 3 },
  { name: 'needs-conversion', usage: null, min: 0, max: 2, run: doNeedsConversion },
  { name: 'db-name', usage: '[db]', min: 0, max: 1, run: (c) => puts(c, dbSchema(c).name) },
  { name: 'db-version', usage: '[db]', min: 0, max: 1, run: (c) => puts(c, dbSchema(c).version) },
  { name: 'db-cksum', usage: '[db]', min: 0, max: 1, run: (c) => puts(c, dbSchema(c).cksum) },
  { name: 'db-cid', usage: 'db', min: 1, max: 1 },
  { name: 'db-sid', usage: 'db', min: 1, max: 1 },
  { name: 'db-local-address', usage: 'db', min: 1, max: 1 },
  { name: 'db-is-clustered', usage: 'db', min: 1, max: 1, run: (c) => hasMagic(c, CLUSTERED_MAGIC) },
  { name: 'db-is-standalone', usage: 'db', min: 1, max: 1, run: (c) => hasMagic(c, STANDALONE_MAGIC) },
  { name: 'schema-name', usage: '[schema]', min: 0, max: 1, run: (c) => puts(c, schemaFile(c, c.args[0]).name) },
  { name: 'schema-version', usage: '[schema]', min: 0, max: 1, run: (c) => puts(c, schemaFile(c, c.args[0]).version) },
  { name: 'schema-cksum', usage: '[schema]', min: 0, max: 1, run: (c) => puts(c, schemaFile(c, c.args[0]).cksum) },
  { name: 'query', usage: '[db] trns', min: 1, max: 2 },
  { name: 'transact', usage: '[db] trns', min: 1, max: 2 },
  { name: 'show-log', usage: '[db]', min: 0, max: 1, run: doShowLog },
  { name: 'check-cluster', usage: 'db...', min: 1, max: Infinity },
  { name: 'compare-versions', usage: 'a op b', min: 3, max: 3, run: doCompareVersions },
  { name: 'help', usage: null, min: 0, max: Infinity, run: (c) => c.io.stdout(usage(c.io.env)) },
  { name: 'list-commands', usage: null, min: 0, max: Infinity, run: doListCommands },
  { name: 'cluster-to-standalone', usage: 'db clusterdb', min: 2, max: 2 },
];

/** `weft ovsdb-tool ARGS`: the exit status. */
export async function main(argv: string[]): Promise<number> {
  return runOvsdbTool(argv, {
    stdout: (s) => process.stdout.write(s),
    stderr: (s) => process.stderr.write(s),
    env: process.env,
  });
}

/** Runs one ovsdb-tool command line against `io`; returns the exit status. */
export function runOvsdbTool(argv: string[], io: ToolIo): number {
  try {
    const { verbosity, operands } = parseOptions(argv, io);
    const [name, ...args] = operands;
    if (name === undefined) fatal('missing command name; use --help for help');
    const cmd = COMMANDS.find((c) => c.name === name);
    if (!cmd) fatal(`unknown command '${name}'; use --help for help`);
    if (args.length < cmd.min) fatal(`'${name}' command requires at least ${cmd.min} arguments`);
    if (args.length > cmd.max) fatal(`'${name}' command takes at most ${cmd.max} arguments`);
    if (!cmd.run) fatal(`'${name}' command is not supported by Weft (standalone databases only)`);
    cmd.run({ args, verbosity, io });
    return 0;
  } catch (e) {
    if (e instanceof Exit) {
      if (e.text) io.stderr(e.text);
      return e.code;
    }
    if (e instanceof OvsdbError) {
      io.stderr(`${PROGRAM}: ${e.message}\n`);
      return 1;
    }
    throw e;
  }
}

const LONG_OPTIONS: { name: string; arg: 'none' | 'required' | 'optional'; short?: string }[] = [
  { name: 'more', arg: 'none', short: 'm' },
  { name: 'rbac-role', arg: 'required' },
  { name: 'cid', arg: 'required' },
  { name: 'election-timer', arg: 'required' },
  { name: 'verbose', arg: 'optional', short: 'v' },
  { name: 'help', arg: 'none', short: 'h' },
  { name: 'option', arg: 'none', short: 'o' },
  { name: 'version', arg: 'none', short: 'V' },
];

function parseOptions(argv: string[], io: ToolIo): { verbosity: number; operands: string[] } {
  let verbosity = 0;
  const operands: string[] = [];
  const apply = (opt: string, value: string | undefined): void => {
    switch (opt) {
      case 'm': verbosity++; break;
      case 'h': io.stdout(usage(io.env)); throw new Exit(0);
      case 'o':
        for (const o of LONG_OPTIONS) {
          const arg = o.arg === 'required' ? '=ARG' : o.arg === 'optional' ? '=[ARG]' : '';
          io.stdout(`--${o.name}${arg}\n`);
          if (o.short) io.stdout(`-${o.short} ${o.arg === 'none' ? '' : o.arg === 'required' ? 'ARG' : '[ARG]'}\n`);
        }
        throw new Exit(0);
      case 'V': io.stdout(`${PROGRAM} (Weft) ${VERSION}\n`); throw new Exit(0);
      case 'v':
        if (value !== undefined && value !== '' && !/^(ANY|any|dbg|info|warn|err|emer|off|console|syslog|file)([:,].*)?$/.test(value)) {
          fatal(`processing "${value}": no destination, level, or module "${value.split(/[:,]/)[0]}"`);
        }
        break;
      case 'cid':
        if (!/^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/.test(value ?? '') || /^[0-]+$/.test(value ?? '')) fatal(`${value}: not a valid UUID`);
        break;
      default: break;
    }
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') { operands.push(...argv.slice(i + 1)); break; }
    if (a.startsWith('--')) {
      const [given, value] = a.includes('=') ? [a.slice(2, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a.slice(2), undefined];
      const exact = LONG_OPTIONS.find((o) => o.name === given);
      const matches = exact ? [exact] : LONG_OPTIONS.filter((o) => o.name.startsWith(given));
      if (matches.length === 0) throw new Exit(1, `${PROGRAM}: unrecognized option '--${given}'\n`);
      if (matches.length > 1) {
        throw new Exit(1, `${PROGRAM}: option '--${given}' is ambiguous; possibilities:${matches.map((m) => ` '--${m.name}'`).join('')}\n`);
      }
      const o = matches[0]!;
      let v = value;
      if (o.arg === 'none' && v !== undefined) throw new Exit(1, `${PROGRAM}: option '--${o.name}' doesn't allow an argument\n`);
      if (o.arg === 'required' && v === undefined) {
        if (i + 1 >= argv.length) throw new Exit(1, `${PROGRAM}: option '--${o.name}' requires an argument\n`);
        v = argv[++i];
      }
      apply(o.short ?? o.name, v);
    } else if (a.startsWith('-') && a !== '-') {
      for (let j = 1; j < a.length; j++) {
        const c = a[j]!;
        if (!'mvhoV'.includes(c)) throw new Exit(1, `${PROGRAM}: invalid option -- '${c}'\n`);
        if (c === 'v') { apply('v', a.slice(j + 1)); break; }
        apply(c, undefined);
      }
    } else {
      operands.push(a);
    }
  }
  return { verbosity, operands };
}

function dbDir(env: ToolIo['env']): string {
  if (env.OVS_DBDIR) return env.OVS_DBDIR;
  return env.OVS_SYSCONFDIR !== undefined ? `${env.OVS_SYSCONFDIR}/openvswitch` : '/etc/openvswitch';
}

function defaultDb(env: ToolIo['env']): string {
  return `${dbDir(env)}/conf.db`;
}

/** The project's own vswitch schema, found relative to this module (source or compiled). */
export function defaultSchema(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const candidates = [path.resolve(here, '../../schemas/vswitch.ovsschema'), path.resolve(here, '../../../schemas/vswitch.ovsschema')];
  return candidates.find((c) => fs.existsSync(c)) ?? candidates[0]!;
}

function usage(env: ToolIo['env']): string {
  return `${PROGRAM}: Open vSwitch database management utility (Weft)
usage: ${PROGRAM} [OPTIONS] COMMAND [ARG...]
  create [DB [SCHEMA]]    create DB with the given SCHEMA
  compact [DB [DST]]      compact DB in-place (or to DST)
  db-name [DB]            report name of schema used by DB
  db-version [DB]         report version of schema used by DB
  db-cksum [DB]           report checksum of schema used by DB
  db-is-clustered DB      test whether DB is clustered
  db-is-standalone DB     test whether DB is standalone
  schema-name [SCHEMA]    report SCHEMA's name
  schema-version [SCHEMA] report SCHEMA's schema version
  schema-cksum [SCHEMA]   report SCHEMA's checksum
  needs-conversion [DB [SCHEMA]]  report whether DB's schema differs from SCHEMA
  compare-versions A OP B  compare OVSDB schema version numbers
  [-m]... show-log [DB]   print DB's log entries
The default DB is ${defaultDb(env)}.
The default SCHEMA is ${defaultSchema()}.
Weft supports standalone databases only.

Other options:
  -m, --more                  increase show-log verbosity
  -h, --help                  display this help message
  -V, --version               display version information
`;
}

function puts(ctx: Context, s: string): void {
  ctx.io.stdout(s + '\n');
}

/** ovsdb_schema_from_file: a schema file's JSON, parsed, with ovsdb-tool's errors. */
function readSchemaFile(file: string): { json: unknown; info: SchemaInfo } {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new OvsdbError('failed to read schema', `"${file}" could not be read as JSON (error opening "${file}": ${errnoText(e)})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new OvsdbError('failed to read schema', `"${file}" could not be read as JSON (${jsonParseErrorText(text, e)})`);
  }
  try {
    return { json, info: parseSchemaJson(json) };
  } catch (e) {
    if (!(e instanceof OvsdbError)) throw e;
    throw new OvsdbError(e.tag, `failed to parse "${file}" as ovsdb schema: ${e.details}`, e.syntax !== undefined ? { syntax: e.syntax } : {});
  }
}

function schemaFile(ctx: Context, arg: string | undefined): SchemaInfo {
  return readSchemaFile(arg ?? defaultSchema()).info;
}

function dbSchema(ctx: Context): SchemaInfo {
  return readSchemaRecord(ctx.args[0] ?? defaultDb(ctx.io.env)).info;
}

function doCreate(ctx: Context): void {
  const db = ctx.args[0] ?? defaultDb(ctx.io.env);
  const { json } = readSchemaFile(ctx.args[1] ?? defaultSchema());
  DbFile.create(db, json).closeSync();
}

function doCompact(ctx: Context): void {
  const src = ctx.args[0] ?? defaultDb(ctx.io.env);
  const dst = ctx.args[1];
  // ovsdb-tool reads the whole database first and gives up on any damage.
  const opened = DbFile.open(src, { readOnly: true });
  if (opened.warnings.length) fatal(opened.warnings[0]!);
  const schema = opened.schemaInfo;
  const records = [
    ovsJson(canonicalSchemaJson(schema)),
    snapshotRecord(schema, opened.rows, { comment: `compacted by ovsdb-tool ${VERSION} (Weft)`, date: Date.now() }),
  ];
  if (dst === undefined) {
    replaceLog(src, records);
    return;
  }
  try {
    fs.writeFileSync(dst, Buffer.concat(records.map((r) => encodeRecord(r))), { mode: 0o660 });
  } catch (e) {
    throw ioError(`${dst}: create or open failed`, e);
  }
}

function doNeedsConversion(ctx: Context): void {
  const db = readSchemaRecord(ctx.args[0] ?? defaultDb(ctx.io.env)).info;
  const file = readSchemaFile(ctx.args[1] ?? defaultSchema()).info;
  puts(ctx, schemasEqual(db, file) ? 'no' : 'yes');
}

function hasMagic(ctx: Context, magic: string): void {
  const file = ctx.args[0]!;
  let head: Buffer;
  try {
    const fd = fs.openSync(file, 'r');
    head = Buffer.alloc(128);
    head = head.subarray(0, fs.readSync(fd, head, 0, 128, 0));
    fs.closeSync(fd);
  } catch (e) {
    throw ioError(`${file}: open failed`, e);
  }
  if (head.length === 0) throw new OvsdbError('ovsdb error', `${file}: cannot identify file type`);
  const m = /^OVSDB (\S+) [1-9][0-9]* [0-9a-fA-F]{40}\n/.exec(head.toString('latin1'));
  if (!m) throw new OvsdbError('ovsdb error', `${file}: unexpected file format`);
  if (m[1] !== STANDALONE_MAGIC && m[1] !== CLUSTERED_MAGIC) throw new OvsdbError('ovsdb error', `${file}: cannot identify file type`);
  if (m[1] !== magic) throw new Exit(2);
}

function doShowLog(ctx: Context): void {
  const file = ctx.args[0] ?? defaultDb(ctx.io.env);
  const scan = readLog(file);
  const printer = new ShowLogPrinter(ctx.verbosity);
  let out = '';
  try {
    scan.records.forEach((rec, i) => {
      if (i > 0) {
        out += printer.changeRecord(rec.json);
        return;
      }
      let schema: SchemaInfo;
      try {
        schema = parseSchemaJson(rec.json);
      } catch (e) {
        out += 'record 0:';  // ovsdb-tool has printed this much when it finds the schema bad
        throw e;
      }
      out += printer.schemaRecord(schema);
    });
  } finally {
    ctx.io.stdout(out);
  }
  if (scan.error) throw scan.error;
}

function doCompareVersions(ctx: Context): void {
  const parse = (s: string): number[] => {
    const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(s);
    if (!m || m.slice(1).some((x) => Number(x) > 4294967295)) fatal(`${s}: not an OVSDB version number in format x.y.z`);
    return m.slice(1).map(Number);
  };
  const a = parse(ctx.args[0]!);
  const b = parse(ctx.args[2]!);
  const i = [0, 1, 2].find((k) => a[k] !== b[k]);
  const cmp = i === undefined ? 0 : a[i]! > b[i]! ? 1 : -1;
  const ops: Record<string, boolean> = { '<': cmp < 0, '<=': cmp <= 0, '==': cmp === 0, '>=': cmp >= 0, '>': cmp > 0, '!=': cmp !== 0 };
  const result = ops[ctx.args[1]!];
  if (result === undefined) fatal(`${ctx.args[1]}: not a relational operator`);
  if (!result) throw new Exit(2);
}

function doListCommands(ctx: Context): void {
  let out = 'The available commands are:\n';
  for (const c of COMMANDS) out += `  ${c.name.padEnd(23)} ${c.usage ?? ''}\n`;
  ctx.io.stdout(out);
}
