/**
 * `weft vsctl`: a command-compatible ovs-vsctl.
 *
 * What it is. The configuration tool of the Open_vSwitch database: the same
 * command line (global options, `--`-chained commands with their own
 * options), the same output on stdout, the same messages on stderr (with
 * this program's name as prefix), the same exit codes and the same changes
 * to the database as ovs-vsctl 3.1, so every script written for ovs-vsctl
 * can call `weft vsctl` instead. It needs no Open vSwitch code or library:
 * it speaks OVSDB JSON-RPC to any server (Weft's or ovsdb-server).
 *
 * How one run goes (ovs-vsctl works in one shot, and so does this):
 *  1. Parse the command line and check everything that needs only the
 *     schema (unknown command, table or column, bad option): such errors
 *     are reported before connecting. The schema is the one compiled in
 *     (Weft's copy of vswitch.ovsschema), as ovs-vsctl's IDL is; the
 *     server's schema only limits which columns are read.
 *  2. Connect (`--db`, default `unix:$OVS_RUNDIR/db.sock`; `--retry` keeps
 *     trying), read every table in one `transact` of `select`s: a
 *     consistent snapshot (snapshot.ts).
 *  3. Run the commands in order against the snapshot; each sees the effects
 *     of the ones before it. A command error stops everything: nothing was
 *     sent, so nothing is applied.
 *  4. Send one transaction: `wait`s for what the commands verified, the
 *     writes, a comment, and unless --no-wait the `next_cfg` increment. If a
 *     verified value changed meanwhile the server answers "timed out" and
 *     the whole chain runs again from step 2 on a fresh snapshot. A chain
 *     that changes nothing sends nothing.
 *  5. Print each command's output (tables formatted per --format/--data),
 *     then, unless --no-wait, wait until ovs-vswitchd has applied the
 *     change (`cur_cfg` ≥ the new `next_cfg`) and report the interfaces it
 *     failed to set up.
 *
 * Waiting (wait-until, cur_cfg) uses a monitor on the server: no polling.
 * `--timeout` (or OVS_CTL_TIMEOUT) bounds the whole run; when it expires
 * the process ends by SIGALRM after vlog's "terminating with signal 14"
 * warning, exactly as ovs-vsctl does (exit status 142 in a shell).
 */
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseDatabaseSchema, type DatabaseSchema } from '../ovsdb/schema.js';
import { Connection, RpcError } from '../jsonrpc/connection.js';
import { connect, parseActive, StreamNameError } from '../jsonrpc/stream.js';
import type { JsonValue } from '../jsonrpc/message.js';
import { type Command, type CommandSyntax, type Context, VsctlError, Symbols } from './context.js';
import { parseCommandLine, type GlobalOptions } from './args.js';
import { ConsoleLog } from './log.js';
import { Snapshot, selectAll } from './snapshot.js';
import { DB_COMMANDS } from './db-commands.js';
import { BRIDGE_COMMANDS, escapeArg } from './bridge-commands.js';
import { SWITCH_COMMANDS } from './switch-commands.js';
import { SHOW_COMMAND } from './show.js';
import { DATAPATH_COMMANDS } from './datapath-commands.js';
import { formatTable } from './table-format.js';
import { usage } from './usage.js';

export interface VsctlIo {
  /** Program name used as the prefix of error messages ("ovs-vsctl" for drop-in use). */
  prog: string;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
  env: NodeJS.ProcessEnv;
}

export const COMMANDS: readonly CommandSyntax[] = [...SWITCH_COMMANDS.slice(0, 2), ...BRIDGE_COMMANDS, ...SWITCH_COMMANDS.slice(2), ...DATAPATH_COMMANDS, ...DB_COMMANDS, SHOW_COMMAND];

function registry(): Map<string, CommandSyntax> {
  return new Map(COMMANDS.map((c) => [c.name, c]));
}

let compiledSchema: DatabaseSchema | null = null;

/** The Open_vSwitch schema vsctl is built for (ovs-vsctl compiles its own in). */
export function vswitchSchema(): DatabaseSchema {
  if (!compiledSchema) {
    const candidates = ['../../../schemas/vswitch.ovsschema', '../../schemas/vswitch.ovsschema'];
    for (const c of candidates) {
      const p = fileURLToPath(new URL(c, import.meta.url));
      if (fs.existsSync(p)) { compiledSchema = parseDatabaseSchema(JSON.parse(fs.readFileSync(p, 'utf8'))); break; }
    }
    if (!compiledSchema) throw new Error('vswitch.ovsschema not found');
  }
  return compiledSchema;
}

const ERRNO_TEXT: Record<string, string> = {
  ENOENT: 'No such file or directory',
  ECONNREFUSED: 'Connection refused',
  EACCES: 'Permission denied',
  ECONNRESET: 'Connection reset by peer',
  ETIMEDOUT: 'Connection timed out',
  EHOSTUNREACH: 'No route to host',
  ENETUNREACH: 'Network is unreachable',
  ENOTSOCK: 'Socket operation on non-socket',
  EPIPE: 'Broken pipe',
};

class ConnectError extends Error {
  constructor(readonly text: string) { super(text); }
}

function connectOnce(db: string): Promise<Connection> {
  return new Promise((resolve, reject) => {
    let remote;
    try {
      remote = parseActive(db);
    } catch (e) {
      if (e instanceof StreamNameError) { reject(new ConnectError('Address family not supported by protocol')); return; }
      throw e;
    }
    const sock = connect(remote);
    sock.once('error', (e: NodeJS.ErrnoException) => reject(new ConnectError(ERRNO_TEXT[e.code ?? ''] ?? e.message)));
    sock.once('connect', () => { sock.removeAllListeners('error'); resolve(new Connection(sock)); });
  });
}

/** Connects to `db`, a comma-separated list of remotes tried in turn (as for a clustered database). */
async function connectDb(db: string, retry: boolean): Promise<Connection> {
  for (;;) {
    let last = '';
    for (const remote of db.split(',')) {
      try {
        return await connectOnce(remote);
      } catch (e) {
        if (!(e instanceof ConnectError)) throw e;
        last = e.text;
      }
    }
    if (!retry) throw new VsctlError(`${db}: database connection failed (${last})`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}

/** Counts update notifications from a monitor of every table, so waits can block until something changes. */
class ChangeWatch {
  changes = 0;
  private waiters: (() => void)[] = [];
  started = false;

  constructor(private readonly conn: Connection, private readonly schema: DatabaseSchema) {}

  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.conn.setHandler({
      onNotification: (_c, n) => {
        if (n.method !== 'update') return;
        this.changes++;
        for (const w of this.waiters.splice(0)) w();
      },
      onClose: () => { for (const w of this.waiters.splice(0)) w(); },
    });
    const requests: Record<string, unknown> = {};
    for (const t of this.schema.tables.keys()) requests[t] = { select: { initial: false } };
    await this.conn.request('monitor', [this.schema.name, 'vsctl-watch', requests as JsonValue]);
  }

  /** Resolves once a change after `seen` arrived (or the connection closed). */
  wait(seen: number): Promise<void> {
    if (this.changes > seen || !this.conn.isOpen) return Promise.resolve();
    return new Promise((r) => this.waiters.push(r));
  }
}

interface RunState {
  opts: GlobalOptions;
  commands: Command[];
  schema: DatabaseSchema;
  serverSchema: DatabaseSchema;
  conn: Connection;
  log: ConsoleLog;
  io: VsctlIo;
  args: string;
}

type Attempt =
  | { kind: 'done'; status: 'success' | 'unchanged'; nextCfg: number | null; newIfaces: string[] }
  | { kind: 'try-again'; waitForChange: boolean };

/** One pass of steps 2–4: snapshot, run the chain, commit. */
async function attempt(st: RunState): Promise<Attempt> {
  const { schema, opts, commands, conn } = st;
  const { params, tables } = selectAll(schema, st.serverSchema);
  const reply = await conn.request('transact', params) as { rows?: Record<string, unknown>[]; error?: string }[];
  const snap = new Snapshot(schema);
  tables.forEach((t, i) => snap.load(t, reply[i]?.rows ?? []));

  const ovs = snap.rows('Open_vSwitch')[0] ?? snap.insert('Open_vSwitch');
  const symtab = new Symbols();
  const newIfaces: string[] = [];
  for (const c of commands) { c.output = ''; c.table = null; }
  for (const [i, cmd] of commands.entries()) {
    const ctx: Context = {
      cmd, snap, symtab, log: st.log, last: i === commands.length - 1, ovs, cache: null, newIfaces,
      tryAgain: false, verifiedPorts: false,
    };
    cmd.syntax.run?.(ctx);
    if (ctx.tryAgain) return { kind: 'try-again', waitForChange: true };
  }
  for (const [name, s] of symtab.map) {
    if (!s.created) throw new VsctlError(`row id "${name}" is referenced but never created (e.g. with "-- --id=${name} create ...")`);
    if (!s.strongRef) {
      st.log.warn('vsctl', s.weakRef
        ? `row id "${name}" was created but only a weak reference to it was inserted, so it will not actually appear in the database`
        : `row id "${name}" was created but no reference to it was inserted, so it will not actually appear in the database`);
    }
  }

  const built = snap.build({
    increment: opts.wait ? { table: 'Open_vSwitch', row: ovs.uuid, column: 'next_cfg' } : undefined,
    comment: transactionComment(st),
    dryRun: opts.dryRun,
  });
  let status: 'success' | 'unchanged' = 'unchanged';
  let nextCfg: number | null = null;
  let results: ({ error?: unknown; uuid?: [string, string]; rows?: Record<string, unknown>[] } | null)[] = [];
  if (built.anyUpdates) {
    try {
      results = await conn.request('transact', built.operations as JsonValue[]) as typeof results;
    } catch (e) {
      if (e instanceof RpcError) {
        if (e.error === 'canceled') return { kind: 'try-again', waitForChange: false };
        txnError(st, JSON.stringify(e.error));
      }
      throw e;
    }
    let soft = false;
    for (const r of results) {
      if (r === null) { soft = true; continue; }
      const err = r.error;
      if (err === undefined) continue;
      if (err === 'timed out' || err === 'unknown database') soft = true;
      else if (err === 'aborted') continue;
      else txnError(st, sortedJson(r), err === 'not allowed' ? false : true);
    }
    if (soft) return { kind: 'try-again', waitForChange: false };
    status = 'success';
    if (built.incrementSelect !== null) {
      const v = results[built.incrementSelect]?.rows?.[0]?.next_cfg;
      nextCfg = typeof v === 'number' ? v : null;
    }
  }

  const realUuid = (provisional: string): string | undefined => {
    const i = built.insertOps.get(provisional);
    return i === undefined ? undefined : results[i]?.uuid?.[1];
  };
  for (const cmd of commands) {
    if (!cmd.syntax.post) continue;
    const ctx: Context = { cmd, snap, symtab, log: st.log, last: false, ovs, cache: null, newIfaces, tryAgain: false, verifiedPorts: false };
    cmd.syntax.post(ctx, realUuid);
  }
  return { kind: 'done', status, nextCfg, newIfaces: newIfaces.map((u) => realUuid(u) ?? u) };
}

/** The transaction's comment (shown by `ovsdb-tool show-log`): who ran what, as ovs-vsctl writes it. */
function transactionComment(st: RunState): string {
  let parent = '';
  try {
    parent = fs.readFileSync(`/proc/${process.ppid}/cmdline`, 'latin1').split(/[\0\n]/)[0] ?? '';
  } catch { /* not Linux */ }
  // ovs-vsctl appends " (pid N)" after the parent's NUL-separated command line, which cuts it off.
  return `${st.io.prog} (invoked by ${parent}): ${st.io.prog} ${st.args}`;
}

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(sortedJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o).sort().map((k) => `${JSON.stringify(k)}:${sortedJson(o[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

function txnError(st: RunState, text: string, warn = true): never {
  if (warn) st.log.warn('ovsdb_idl', `transaction error: ${text}`);
  throw new VsctlError(`transaction error: ${text}`);
}

function printOutputs(st: RunState): void {
  let firstTable = true;
  for (const cmd of st.commands) {
    if (cmd.table) {
      st.io.stdout(formatTable(cmd.table, st.opts.style, firstTable));
      if (['list', 'table', 'csv'].includes(st.opts.style.format)) firstTable = false;
    } else if (st.opts.oneline) {
      const s = cmd.output.endsWith('\n') ? cmd.output.slice(0, -1) : cmd.output;
      st.io.stdout(s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n') + '\n');
    } else {
      st.io.stdout(cmd.output);
    }
  }
}

/** Waits until ovs-vswitchd reports `cur_cfg` ≥ `nextCfg`, then reports interfaces it could not set up. */
async function waitForReload(st: RunState, nextCfg: number, newIfaces: string[]): Promise<void> {
  // Like ovs-vsctl, keep waiting across reconnections: the server may restart meanwhile.
  let watch = new ChangeWatch(st.conn, st.schema);
  await watch.start();
  for (;;) {
    const seen = watch.changes;
    const r = await st.conn.request('transact', [st.schema.name, { op: 'select', table: 'Open_vSwitch', where: [], columns: ['cur_cfg'] }]) as { rows: { cur_cfg: number }[] }[];
    if (r[0]!.rows.some((row) => row.cur_cfg >= nextCfg)) break;
    await watch.wait(seen);
    if (!st.conn.isOpen) {
      st.conn = await connectDb(st.opts.db!, true);
      watch = new ChangeWatch(st.conn, st.schema);
      await watch.start();
    }
  }
  if (!newIfaces.length) return;
  const ops = newIfaces.map((u) => ({ op: 'select', table: 'Interface', where: [['_uuid', '==', ['uuid', u]]], columns: ['name', 'ofport', 'error'] }));
  const r = await st.conn.request('transact', [st.schema.name, ...ops]) as { rows: { name: string; ofport: unknown; error: unknown }[] }[];
  let printed = false;
  for (const res of r) {
    const row = res.rows?.[0];
    if (!row) continue;
    const ofport = typeof row.ofport === 'number' ? row.ofport : null;
    if (ofport !== null && ofport !== -1) continue;
    const error = typeof row.error === 'string' ? row.error : '';
    st.io.stderr(error
      ? `${st.io.prog}: Error detected while setting up '${row.name}': ${error}.  See ovs-vswitchd log for details.\n`
      : `${st.io.prog}: Error detected while setting up '${row.name}'.  See ovs-vswitchd log for details.\n`);
    printed = true;
  }
  if (printed) st.io.stderr(`${st.io.prog}: The default log directory is "${st.io.env.OVS_LOGDIR ?? '/var/log/openvswitch'}".\n`);
}

/** Runs ovs-vsctl's command line `argv` (without the program name); resolves with the exit status. */
export async function runVsctl(argv: string[], io: VsctlIo): Promise<number> {
  const reg = registry();
  const schema = vswitchSchema();
  let conn: Connection | null = null;
  let timer: NodeJS.Timeout | null = null;
  let log = new ConsoleLog(io.stderr, false);
  let dbName = '';
  try {
    const { opts, commands } = parseCommandLine(argv, reg);
    if (opts.action !== 'run') {
      io.stdout(opts.action === 'version'
        ? `${io.prog} (Open vSwitch) 3.1.0\nDB Schema ${schema.version}\n`
        : usage(io.prog, opts.action, COMMANDS, io.env));
      return 0;
    }
    const mightWrite = commands.some((c) => c.syntax.mode === 'RW');
    log = new ConsoleLog(io.stderr, mightWrite && !opts.noSyslog);
    for (const cmd of commands) cmd.syntax.pre?.({ cmd, schema, log });

    let timeout = opts.timeout;
    if (!timeout && io.env.OVS_CTL_TIMEOUT && /^\d+$/.test(io.env.OVS_CTL_TIMEOUT)) timeout = Number(io.env.OVS_CTL_TIMEOUT);
    if (timeout) {
      timer = setTimeout(() => {
        log.warn('fatal_signal', 'terminating with signal 14 (Alarm clock)');
        process.kill(process.pid, 'SIGALRM');
      }, timeout * 1000);
    }

    opts.db ??= `unix:${io.env.OVS_RUNDIR ?? '/var/run/openvswitch'}/db.sock`;
    dbName = opts.db;
    conn = await connectDb(opts.db, opts.retry);
    const serverSchema = parseDatabaseSchema(await conn.request('get_schema', [schema.name]));
    const st: RunState = { opts, commands, schema, serverSchema, conn, log, io, args: argv.map(escapeArg).join(' ') };
    const watch = new ChangeWatch(conn, schema);
    for (;;) {
      const seen = watch.changes;
      const r = await attempt(st);
      if (r.kind === 'done') {
        printOutputs(st);
        if (opts.wait && r.status === 'success' && r.nextCfg !== null) await waitForReload(st, r.nextCfg, r.newIfaces);
        return 0;
      }
      if (r.waitForChange) {
        if (!watch.started) { await watch.start(); continue; }
        await watch.wait(seen);
        if (!conn.isOpen) throw new VsctlError(`${opts.db}: database connection failed (End of file)`);
      }
    }
  } catch (e) {
    if (e instanceof VsctlError) {
      if (e.message) io.stderr(`${io.prog}: ${e.message}\n`);
      return e.status;
    }
    if (e instanceof RpcError) {
      io.stderr(`${io.prog}: ${JSON.stringify(e.error)}\n`);
      return 1;
    }
    if (e instanceof Error && e.message.startsWith('connection closed')) {
      // The server went away mid-run: what ovs-vsctl reports when its session dies.
      io.stderr(`${io.prog}: ${dbName}: database connection failed (End of file)\n`);
      return 1;
    }
    throw e;
  } finally {
    if (timer) clearTimeout(timer);
    conn?.close();
  }
}
