/**
 * The generic database commands shared by every *ctl program: list, find,
 * get, set, add, remove, clear, create, destroy, wait-until and comment.
 *
 * They name rows and columns as records.ts explains and parse values as
 * values.ts explains. Writes replace whole columns and verify what they
 * read, except on the last command of the chain, where `set COL:KEY=V` and
 * `add` become partial updates (mutate operations), as in ovs-vsctl, so
 * concurrent writers to other keys of the same map are not disturbed.
 */
import { type Context, type PreContext, type CommandSyntax, VsctlError, hasOption, optionValue, invalidateCache } from './context.js';
import { getTable, getColumn, getRow, parseColumnKeyValue, preParseColumn, sortedColumns } from './records.js';
import {
  ValueError, atomFromString, datumFromString, atomToString, datumToString, UINT_MAX, UUID_STRING_RE,
} from './values.js';
import type { TableSchema, ColumnSchema } from '../ovsdb/schema.js';
import { UUID_COLUMN } from '../ovsdb/schema.js';
import type { TxnRow } from './snapshot.js';
import { type Datum, union, difference, includes, excludes, findKey } from '../ovsdb/datum.js';
import { type Atom, type ColumnType, UNLIMITED, atomToJson, compareAtoms } from '../ovsdb/types.js';
import type { Cell, OutputTable } from './table-format.js';

/** Value errors are fatal errors of the command. */
function v<T>(f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof ValueError) throw new VsctlError(e.message);
    throw e;
  }
}

function countMax(t: ColumnType): number {
  return t.max >= UNLIMITED ? UINT_MAX : t.max;
}

/** set_column(): applies one `COLUMN[:KEY]=VALUE` to a row. */
export function setColumn(ctx: Context, t: TableSchema, row: TxnRow, arg: string, partial: boolean): void {
  const { column, key, value } = parseColumnKeyValue(arg, t, ['=']);
  if (value === null) throw new VsctlError(`${arg}: missing value`);
  if (!ctx.snap.isMutable(row, column)) throw new VsctlError(`cannot modify read-only column ${column.name} in table ${t.name}`);
  const type = column.type;
  if (key !== null) {
    if (!type.value) throw new VsctlError(`cannot specify key to set for non-map column ${column.name}`);
    const k = v(() => atomFromString(type.key, key, ctx.symtab).atom);
    const val = v(() => atomFromString(type.value!, value, ctx.symtab).atom);
    if (partial) {
      partialMapSet(ctx, row, column, k, val);
    } else {
      const d = union({ keys: [k], values: [val] }, ctx.snap.read(row, column.name));
      ctx.snap.verify(row, column.name);
      ctx.snap.write(row, column.name, d);
    }
  } else {
    const d = v(() => datumFromString(type, value, ctx.symtab));
    ctx.snap.write(row, column.name, d);
  }
}

/** A partial map write: a new key is inserted; an existing one is replaced (delete + insert) unless unchanged. */
function partialMapSet(ctx: Context, row: TxnRow, column: ColumnSchema, k: Atom, val: Atom): void {
  const type = column.type;
  const cur = ctx.snap.read(row, column.name);
  const i = findKey(cur, k);
  if (i >= 0) {
    if (compareAtoms(cur.values![i]!, val) === 0) return;
    ctx.snap.mutate(row, column.name, 'delete', ['set', [atomToJson(type.key.type, k)]]);
  }
  ctx.snap.mutate(row, column.name, 'insert', ['map', [[atomToJson(type.key.type, k), atomToJson(type.value!.type, val)]]]);
}

function preTable(ctx: PreContext, name: string): TableSchema {
  return getTable({ schema: ctx.schema }, name);
}

function table(ctx: Context): TableSchema {
  return getTable(ctx.snap, ctx.cmd.argv[1]!);
}

// ---- get ----------------------------------------------------------------

function preGet(ctx: PreContext): void {
  const t = preTable(ctx, ctx.cmd.argv[1]!);
  for (const arg of ctx.cmd.argv.slice(3)) {
    if (arg.toLowerCase() === '_uuid' || arg.toLowerCase() === '-uuid') continue;
    preParseColumn(arg, t);
  }
}

function cmdGet(ctx: Context): void {
  const id = optionValue(ctx, '--id');
  const mustExist = !hasOption(ctx, '--if-exists');
  const { argv } = ctx.cmd;
  if (id !== undefined && !mustExist) throw new VsctlError('--if-exists and --id may not be specified together');
  const t = table(ctx);
  const row = getRow(ctx.snap, t, argv[2]!, mustExist);
  if (!row) return;
  if (id !== undefined) {
    if (!id.startsWith('@')) throw new VsctlError(`row id "${id}" does not begin with "@"`);
    const isNew = !ctx.symtab.get(id);
    const sym = ctx.symtab.insert(id);
    if (sym.created) throw new VsctlError(`row id "${id}" may only be specified on one --id option`);
    sym.created = true;
    if (!isNew) throw new VsctlError(`row id "${id}" specified on "get" command was used before it was defined`);
    sym.uuid = row.uuid;
    sym.strongRef = true;
  }
  for (const arg of argv.slice(3)) {
    if (arg.toLowerCase() === '_uuid' || arg.toLowerCase() === '-uuid') {
      ctx.cmd.output += `${row.uuid}\n`;
      continue;
    }
    const { column, key } = parseColumnKeyValue(arg, t, null);
    ctx.snap.verify(row, column.name);
    const d = ctx.snap.read(row, column.name);
    if (key !== null) {
      if (!column.type.value) throw new VsctlError(`cannot specify key to get for non-map column ${column.name}`);
      const k = v(() => atomFromString(column.type.key, key, ctx.symtab).atom);
      const i = findKey(d, k);
      if (i < 0) {
        if (mustExist) throw new VsctlError(`no key "${key}" in ${t.name} record "${argv[2]}" column ${column.name}`);
      } else {
        ctx.cmd.output += atomToString(column.type.value.type, d.values![i]!);
      }
    } else {
      ctx.cmd.output += datumToString(column.type, d);
    }
    ctx.cmd.output += '\n';
  }
}

// ---- list / find --------------------------------------------------------

function parseColumnNames(names: string | undefined, t: TableSchema): (ColumnSchema | null)[] {
  if (names === undefined) return [null, ...sortedColumns(t)];
  const out: (ColumnSchema | null)[] = [];
  for (const n of names.split(/[, ]+/).filter((x) => x)) {
    out.push(n.toLowerCase() === '_uuid' ? null : getColumn(t, n));
  }
  if (out.length === 0) throw new VsctlError('must specify at least one column name');
  return out;
}

function makeTable(columns: (ColumnSchema | null)[]): OutputTable {
  return { headings: columns.map((c) => c?.name ?? '_uuid'), rows: [] };
}

function listRecord(ctx: Context, row: TxnRow, columns: (ColumnSchema | null)[], out: OutputTable): void {
  out.rows.push(columns.map((c): Cell => c
    ? { type: c.type, datum: ctx.snap.read(row, c.name) }
    : { type: UUID_COLUMN.type, datum: { keys: [row.uuid], values: null } }));
}

function preList(ctx: PreContext): void {
  const t = preTable(ctx, ctx.cmd.argv[1]!);
  parseColumnNames(ctx.cmd.options.get('--columns') ?? undefined, t);
}

function cmdList(ctx: Context): void {
  const t = table(ctx);
  const columns = parseColumnNames(optionValue(ctx, '--columns'), t);
  const out = ctx.cmd.table = makeTable(columns);
  const mustExist = !hasOption(ctx, '--if-exists');
  const ids = ctx.cmd.argv.slice(2);
  if (ids.length) {
    for (const id of ids) {
      const row = getRow(ctx.snap, t, id, mustExist);
      if (row) listRecord(ctx, row, columns, out);
    }
  } else {
    for (const row of ctx.snap.rows(t.name)) listRecord(ctx, row, columns, out);
  }
}

const RELOPS = ['=', '!=', '<', '>', '<=', '>=', '{=}', '{!=}', '{<}', '{>}', '{<=}', '{>=}', '{in}', '{not-in}'] as const;

/** ovsdb_datum_compare_3way(): fewer elements first, then keys, then values. */
function compare3way(a: Datum, b: Datum): number {
  if (a.keys.length !== b.keys.length) return a.keys.length < b.keys.length ? -1 : 1;
  for (let i = 0; i < a.keys.length; i++) {
    const c = compareAtoms(a.keys[i]!, b.keys[i]!);
    if (c) return c < 0 ? -1 : 1;
  }
  if (a.values && b.values) {
    for (let i = 0; i < a.values.length; i++) {
      const c = compareAtoms(a.values[i]!, b.values[i]!);
      if (c) return c < 0 ? -1 : 1;
    }
  }
  return 0;
}

function evaluate(a: Datum, b: Datum, op: string): boolean {
  switch (op) {
    case '=': case '{=}': return compare3way(a, b) === 0;
    case '!=': case '{!=}': return compare3way(a, b) !== 0;
    case '<': return compare3way(a, b) < 0;
    case '>': return compare3way(a, b) > 0;
    case '<=': return compare3way(a, b) <= 0;
    case '>=': return compare3way(a, b) >= 0;
    case '{<}': return b.keys.length > a.keys.length && includes(b, a);
    case '{>}': return a.keys.length > b.keys.length && includes(a, b);
    case '{<=}': case '{in}': return includes(b, a);
    case '{>=}': return includes(a, b);
    case '{not-in}': return excludes(b, a);
    default: return false;
  }
}

/** check_condition(): does `row` satisfy `COLUMN[:KEY] OP VALUE`? */
export function checkCondition(ctx: Context, t: TableSchema, row: TxnRow, arg: string): boolean {
  const { column, key, op, value } = parseColumnKeyValue(arg, t, RELOPS);
  if (value === null) throw new VsctlError(`${arg}: missing value`);
  const relop = RELOPS[op]!;
  const type: ColumnType = { ...column.type, max: UNLIMITED };
  const have = ctx.snap.read(row, column.name);
  if (key !== null) {
    if (!column.type.value) throw new VsctlError(`cannot specify key to check for non-map column ${column.name}`);
    const k = v(() => atomFromString(column.type.key, key, ctx.symtab).atom);
    const vt: ColumnType = { key: column.type.value, min: type.min, max: type.max };
    const b = v(() => datumFromString(vt, value, ctx.symtab));
    const i = findKey(have, k);
    if (i < 0 && !relop.startsWith('{')) return false;
    const a: Datum = i >= 0 ? { keys: [have.values![i]!], values: null } : { keys: [], values: null };
    return evaluate(a, b, relop);
  }
  const want = v(() => datumFromString(column.type, value, ctx.symtab));
  return evaluate(have, want, relop);
}

function preFind(ctx: PreContext): void {
  const t = preTable(ctx, ctx.cmd.argv[1]!);
  parseColumnNames(ctx.cmd.options.get('--columns') ?? undefined, t);
  for (const arg of ctx.cmd.argv.slice(2)) preParseColumn(arg, t);
}

function cmdFind(ctx: Context): void {
  const t = table(ctx);
  const columns = parseColumnNames(optionValue(ctx, '--columns'), t);
  const out = ctx.cmd.table = makeTable(columns);
  for (const row of ctx.snap.rows(t.name)) {
    if (ctx.cmd.argv.slice(2).every((arg) => checkCondition(ctx, t, row, arg))) listRecord(ctx, row, columns, out);
  }
}

// ---- set / add / remove / clear ------------------------------------------

function preColumnArgs(from: number) {
  return (ctx: PreContext): void => {
    const t = preTable(ctx, ctx.cmd.argv[1]!);
    for (const arg of ctx.cmd.argv.slice(from)) preParseColumn(arg, t);
  };
}

function preOneColumn(ctx: PreContext): void {
  const t = preTable(ctx, ctx.cmd.argv[1]!);
  getColumn(t, ctx.cmd.argv[3]!);
}

function cmdSet(ctx: Context): void {
  const t = table(ctx);
  const row = getRow(ctx.snap, t, ctx.cmd.argv[2]!, !hasOption(ctx, '--if-exists'));
  if (!row) return;
  for (const arg of ctx.cmd.argv.slice(3)) setColumn(ctx, t, row, arg, ctx.last);
  invalidateCache(ctx);
}

function rowAndColumn(ctx: Context): { t: TableSchema; column: ColumnSchema; row: TxnRow | null } {
  const t = table(ctx);
  const column = getColumn(t, ctx.cmd.argv[3]!);
  const row = getRow(ctx.snap, t, ctx.cmd.argv[2]!, !hasOption(ctx, '--if-exists'));
  if (row && !ctx.snap.isMutable(row, column)) throw new VsctlError(`cannot modify read-only column ${column.name} in table ${t.name}`);
  return { t, column, row };
}

function cmdAdd(ctx: Context): void {
  const { t, column, row } = rowAndColumn(ctx);
  if (!row) return;
  const type = column.type;
  const addType: ColumnType = { ...type, min: 1, max: UNLIMITED };
  let d: Datum = ctx.last ? { keys: [], values: type.value ? [] : null } : ctx.snap.read(row, column.name);
  for (const arg of ctx.cmd.argv.slice(4)) d = union(d, v(() => datumFromString(addType, arg, ctx.symtab)));
  if (ctx.last) {
    d.keys.forEach((k, i) => {
      if (type.value) partialMapSet(ctx, row, column, k, d.values![i]!);
      else ctx.snap.mutate(row, column.name, 'insert', ['set', [atomToJson(type.key.type, k)]]);
    });
  } else {
    if (d.keys.length > countMax(type)) {
      throw new VsctlError(`"add" operation would put ${d.keys.length} ${type.value ? 'pairs' : 'values'} in column ${column.name} of table ${t.name} but the maximum number is ${countMax(type)}`);
    }
    ctx.snap.verify(row, column.name);
    ctx.snap.write(row, column.name, d);
  }
  invalidateCache(ctx);
}

function cmdRemove(ctx: Context): void {
  const { t, column, row } = rowAndColumn(ctx);
  if (!row) return;
  const type = column.type;
  let d = ctx.snap.read(row, column.name);
  for (const arg of ctx.cmd.argv.slice(4)) {
    const rmType: ColumnType = { ...type, min: 1, max: UNLIMITED };
    let rm: Datum, matchValues = !!type.value;
    try {
      rm = datumFromString(rmType, arg, ctx.symtab);
    } catch (e) {
      if (!(e instanceof ValueError) || !type.value) throw e instanceof ValueError ? new VsctlError(e.message) : e;
      const { value: _drop, ...keyOnly } = rmType;
      rm = v(() => datumFromString(keyOnly, arg, ctx.symtab));
      matchValues = false;
    }
    d = difference(d, rm, matchValues);
  }
  if (d.keys.length < type.min) {
    throw new VsctlError(`"remove" operation would put ${d.keys.length} ${type.value ? 'pairs' : 'values'} in column ${column.name} of table ${t.name} but the minimum number is ${type.min}`);
  }
  ctx.snap.verify(row, column.name);
  ctx.snap.write(row, column.name, d);
  invalidateCache(ctx);
}

function cmdClear(ctx: Context): void {
  const t = table(ctx);
  const row = getRow(ctx.snap, t, ctx.cmd.argv[2]!, !hasOption(ctx, '--if-exists'));
  if (!row) return;
  for (const name of ctx.cmd.argv.slice(3)) {
    const column = getColumn(t, name);
    if (!ctx.snap.isMutable(row, column)) throw new VsctlError(`cannot modify read-only column ${column.name} in table ${t.name}`);
    if (column.type.min > 0) {
      throw new VsctlError(`"clear" operation cannot be applied to column ${column.name} of table ${t.name}, which is not allowed to be empty`);
    }
    ctx.snap.write(row, column.name, { keys: [], values: column.type.value ? [] : null });
  }
  invalidateCache(ctx);
}

// ---- create / destroy ----------------------------------------------------

function preCreate(ctx: PreContext): void {
  const t = preTable(ctx, ctx.cmd.argv[1]!);
  if (!ctx.cmd.options.has('--id') && !t.isRoot) {
    ctx.log.warn('db_ctl_base', `applying "create" command to table ${t.name} without --id option will have no effect`);
  }
}

function cmdCreate(ctx: Context): void {
  const id = optionValue(ctx, '--id');
  const t = table(ctx);
  let uuid: string | undefined, persist = false;
  if (id !== undefined) {
    if (UUID_STRING_RE.test(id)) {
      uuid = id.toLowerCase();
      persist = true;
    } else {
      if (!id.startsWith('@')) throw new VsctlError(`row id "${id}" does not begin with "@"`);
      const sym = ctx.symtab.insert(id);
      if (sym.created) throw new VsctlError(`row id "${id}" may only be specified on one --id option`);
      sym.created = true;
      if (t.isRoot) sym.strongRef = true;
      uuid = sym.uuid;
    }
  }
  const row = ctx.snap.insert(t.name, uuid, persist);
  for (const arg of ctx.cmd.argv.slice(2)) setColumn(ctx, t, row, arg, false);
  ctx.cmd.output += row.uuid;
}

function postCreate(ctx: Context, real: (provisional: string) => string | undefined): void {
  const u = real(ctx.cmd.output);
  if (u) ctx.cmd.output = u;
  ctx.cmd.output += '\n';
}

function cmdDestroy(ctx: Context): void {
  const mustExist = !hasOption(ctx, '--if-exists');
  const all = hasOption(ctx, '--all');
  const t = table(ctx);
  const ids = ctx.cmd.argv.slice(2);
  if (all && ids.length) throw new VsctlError('--all and records argument should not be specified together');
  if (all && !mustExist) throw new VsctlError('--all and --if-exists should not be specified together');
  if (!all && ids.length === 0) {
    ctx.log.warn('db_ctl_base', 'either --all or records argument should be specified');
    return;
  }
  if (all) {
    for (const row of ctx.snap.rows(t.name)) ctx.snap.delete(row);
  } else {
    for (const id of ids) {
      const row = getRow(ctx.snap, t, id, mustExist);
      if (row) ctx.snap.delete(row);
    }
  }
  invalidateCache(ctx);
}

// ---- wait-until ----------------------------------------------------------

function cmdWaitUntil(ctx: Context): void {
  const t = table(ctx);
  const row = getRow(ctx.snap, t, ctx.cmd.argv[2]!, false);
  if (!row) { ctx.tryAgain = true; return; }
  for (const arg of ctx.cmd.argv.slice(3)) {
    if (!checkCondition(ctx, t, row, arg)) { ctx.tryAgain = true; return; }
  }
}

const MAX = Number.MAX_SAFE_INTEGER;

export const DB_COMMANDS: CommandSyntax[] = [
  { name: 'comment', minArgs: 0, maxArgs: MAX, usage: '[ARG]...', options: '', mode: 'RO' },
  { name: 'get', minArgs: 2, maxArgs: MAX, usage: 'TABLE RECORD [COLUMN[:KEY]]...', options: '--if-exists,--id=', mode: 'RO', pre: preGet, run: cmdGet },
  { name: 'list', minArgs: 1, maxArgs: MAX, usage: 'TABLE [RECORD]...', options: '--if-exists,--columns=', mode: 'RO', pre: preList, run: cmdList },
  { name: 'find', minArgs: 1, maxArgs: MAX, usage: 'TABLE [COLUMN[:KEY]=VALUE]...', options: '--columns=', mode: 'RO', pre: preFind, run: cmdFind },
  { name: 'set', minArgs: 3, maxArgs: MAX, usage: 'TABLE RECORD COLUMN[:KEY]=VALUE...', options: '--if-exists', mode: 'RW', pre: preColumnArgs(3), run: cmdSet },
  { name: 'add', minArgs: 4, maxArgs: MAX, usage: 'TABLE RECORD COLUMN [KEY=]VALUE...', options: '--if-exists', mode: 'RW', pre: preOneColumn, run: cmdAdd },
  { name: 'remove', minArgs: 4, maxArgs: MAX, usage: 'TABLE RECORD COLUMN KEY|VALUE|KEY=VALUE...', options: '--if-exists', mode: 'RW', pre: preOneColumn, run: cmdRemove },
  { name: 'clear', minArgs: 3, maxArgs: MAX, usage: 'TABLE RECORD COLUMN...', options: '--if-exists', mode: 'RW', pre: (c) => { const t = preTable(c, c.cmd.argv[1]!); for (const a of c.cmd.argv.slice(3)) getColumn(t, a); }, run: cmdClear },
  { name: 'create', minArgs: 2, maxArgs: MAX, usage: 'TABLE COLUMN[:KEY]=VALUE...', options: '--id=', mode: 'RW', pre: preCreate, run: cmdCreate, post: postCreate },
  { name: 'destroy', minArgs: 1, maxArgs: MAX, usage: 'TABLE [RECORD]...', options: '--if-exists,--all', mode: 'RW', pre: (c) => { preTable(c, c.cmd.argv[1]!); }, run: cmdDestroy },
  { name: 'wait-until', minArgs: 2, maxArgs: MAX, usage: 'TABLE RECORD [COLUMN[:KEY]=VALUE]...', options: '', mode: 'RO', pre: preColumnArgs(3), run: cmdWaitUntil },
];
