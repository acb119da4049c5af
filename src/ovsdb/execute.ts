/**
 * The `transact` method (RFC 7047 §4.1.3, §5.2): runs a list of operations
 * in order against a private view, stops at the first failure, and on
 * success runs the commit-time checks.
 *
 * Results have one slot per operation; after a failure the remaining slots
 * are null. A failure found at commit time (referential integrity, unique
 * indexes, maxRows) is reported as one extra error object after the
 * operation results, exactly as ovsdb-server does.
 *
 * Named uuids: `uuid-name` on an insert binds a name to the new row's uuid
 * for the rest of the transaction; a name may be referenced before the
 * insert that defines it (ovsdb-server allows it); a name no insert defines
 * stands for a fresh uuid that names no row, so a reference through it
 * fails the commit's referential integrity check, as in ovsdb-server.
 *
 * `wait` operations that are not yet satisfied make the whole transaction
 * "blocked": the caller retries it after each later commit until the
 * earliest wait's timeout has elapsed, when the wait fails with "timed out".
 */
import { randomUUID } from 'node:crypto';
import { OvsdbError, syntaxError, constraintViolation } from './errors.js';
import { type Datum, datumFromJson, checkConstraints, datumEquals } from './datum.js';
import { columnOf, type TableSchema } from './schema.js';
import { type Row, defaultColumns, rowToJson, getColumn } from './row.js';
import { parseCondition, evalCondition, uuidOf, type Condition } from './condition.js';
import { parseMutations, applyMutation } from './mutation.js';
import { TxnView } from './txn.js';
import { precommit } from './commit.js';
import type { Database } from './database.js';
import { UUID_RE } from './types.js';

export interface TxnContext {
  /** True if the session that sent the transaction holds `lock`. */
  ownsLock(lock: string): boolean;
  /** Milliseconds since the transaction was first received (for blocking waits). */
  elapsedMs: number;
}

export type TxnOutcome =
  | { kind: 'done'; results: unknown[]; view: TxnView | null; comment: string | null; durable: boolean }
  | { kind: 'blocked'; retryBeforeMs: number };

class Blocked { constructor(readonly timeoutMs: number) {} }

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

interface Symbols {
  map: Map<string, { uuid: string; created: boolean }>;
}

export function executeTransaction(db: Database, ops: unknown[], ctx: TxnContext): TxnOutcome {
  const view = new TxnView(db);
  const sym: Symbols = { map: new Map() };
  const resolve = (name: string): string => {
    let s = sym.map.get(name);
    if (!s) { s = { uuid: randomUUID(), created: false }; sym.map.set(name, s); }
    return s.uuid;
  };
  const results: unknown[] = new Array(ops.length).fill(null);
  const comments: string[] = [];
  let durable = false;
  for (let i = 0; i < ops.length; i++) {
    try {
      results[i] = executeOp(view, ops[i], { ctx, resolve, sym, comments, setDurable: () => { durable = true; } });
    } catch (e) {
      if (e instanceof Blocked) return { kind: 'blocked', retryBeforeMs: e.timeoutMs };
      results[i] = errorResult(e);
      return { kind: 'done', results, view: null, comment: null, durable: false };
    }
  }
  try {
    precommit(view);
  } catch (e) {
    results.push(errorResult(e));
    return { kind: 'done', results, view: null, comment: null, durable: false };
  }
  return { kind: 'done', results, view, comment: comments.length ? comments.join('\n') : null, durable };
}

function errorResult(e: unknown): unknown {
  if (e instanceof OvsdbError) return e.toJSON();
  if (e instanceof RangeError) return new OvsdbError('resources exhausted', e.message).toJSON();
  throw e;
}

interface OpEnv {
  ctx: TxnContext;
  resolve: (name: string) => string;
  sym: Symbols;
  comments: string[];
  setDurable(): void;
}

function tableOf(view: TxnView, op: Record<string, unknown>): TableSchema {
  if (typeof op.table !== 'string') throw syntaxError('"table" must be a string', op);
  const t = view.db.schema.tables.get(op.table);
  if (!t) throw syntaxError(`No table named ${op.table}.`, op.table);
  return t;
}

function where(view: TxnView, t: TableSchema, op: Record<string, unknown>, env: OpEnv): Condition {
  if (op.where === undefined) throw syntaxError('"where" is required', op);
  return parseCondition(t, op.where, env.resolve);
}

function* matching(view: TxnView, t: TableSchema, cond: Condition): Generator<Row> {
  const u = uuidOf(cond);
  if (u !== undefined) {
    const r = view.get(t.name, u);
    if (r && evalCondition(cond, r)) yield r;
    return;
  }
  const viaIndex = indexCandidates(view, t, cond);
  if (viaIndex) {
    for (const r of viaIndex) if (evalCondition(cond, r)) yield r;
    return;
  }
  for (const r of view.scan(t.name)) if (evalCondition(cond, r)) yield r;
}

/**
 * When `==` clauses pin every column of a unique index, the only rows that
 * can match are the committed row holding that key (if this transaction has
 * not changed it) and the rows this transaction changed: no scan needed.
 */
function indexCandidates(view: TxnView, t: TableSchema, cond: Condition): Row[] | null {
  if (t.indexes.length === 0) return null;
  const eq = new Map<string, Datum>();
  for (const c of cond) if (c.kind === 'cmp' && c.fn === '==') eq.set(c.column, c.arg);
  for (let i = 0; i < t.indexes.length; i++) {
    const ix = t.indexes[i]!;
    if (!ix.every((c) => eq.has(c))) continue;
    const table = view.table(t.name);
    const cols: Record<string, Datum> = {};
    for (const c of ix) cols[c] = eq.get(c)!;
    const out: Row[] = [];
    const changes = view.changes.get(t.name);
    const committed = table.indexes[i]!.get(table.indexKey(i, cols));
    if (committed !== undefined && !changes?.has(committed)) out.push(table.rows.get(committed)!);
    if (changes) for (const c of changes.values()) if (c.new) out.push(c.new);
    return out;
  }
  return null;
}

function parseColumnList(t: TableSchema, json: unknown): string[] | undefined {
  if (json === undefined) return undefined;
  if (!Array.isArray(json)) throw syntaxError('"columns" must be an array', json);
  const out: string[] = [];
  for (const c of json) {
    if (typeof c !== 'string') throw syntaxError('column name must be a string', c);
    if (!columnOf(t, c)) throw syntaxError(`${c} is not a valid column name`, c);
    if (!out.includes(c)) out.push(c);
  }
  return out;
}

/** Parses `row` of an insert/update: column -> datum, with type and constraint checks. */
function parseRow(t: TableSchema, json: unknown, env: OpEnv, forUpdate: boolean): Record<string, Datum> {
  if (!isObj(json)) throw syntaxError('"row" must be an object', json);
  const out: Record<string, Datum> = {};
  for (const [name, v] of Object.entries(json)) {
    const c = columnOf(t, name);
    if (!c) throw new OvsdbError('unknown column', `No column ${name} in table ${t.name}.`);
    if (name.startsWith('_')) {
      // ovsdb-server ignores _uuid/_version in an insert's row and refuses them in an update.
      if (!forUpdate) continue;
      throw constraintViolation(`Cannot update immutable column ${name} in table ${t.name}.`);
    }
    if (forUpdate && !c.mutable) throw constraintViolation(`Cannot update immutable column ${name} in table ${t.name}.`);
    const d = datumFromJson(c.type, v, env.resolve);
    checkConstraints(c.type, d, name);
    out[name] = d;
  }
  return out;
}

function executeOp(view: TxnView, opJson: unknown, env: OpEnv): unknown {
  if (!isObj(opJson)) throw syntaxError('operation must be an object', opJson);
  const op = opJson;
  switch (op.op) {
    case 'insert': return opInsert(view, op, env);
    case 'select': {
      const t = tableOf(view, op);
      const cond = where(view, t, op, env);
      const cols = parseColumnList(t, op.columns);
      const rows: unknown[] = [];
      for (const r of matching(view, t, cond)) rows.push(rowToJson(t, r, cols));
      return { rows };
    }
    case 'update': {
      const t = tableOf(view, op);
      const cond = where(view, t, op, env);
      const set = parseRow(t, op.row, env, true);
      let count = 0;
      for (const r of [...matching(view, t, cond)]) {
        view.modify(t.name, { uuid: r.uuid, version: r.version, columns: { ...r.columns, ...set } });
        count++;
      }
      return { count };
    }
    case 'mutate': {
      const t = tableOf(view, op);
      const cond = where(view, t, op, env);
      const muts = parseMutations(t, op.mutations, env.resolve);
      let count = 0;
      for (const r of [...matching(view, t, cond)]) {
        const cols = { ...r.columns };
        for (const m of muts) cols[m.column.name] = applyMutation(m, cols[m.column.name]!);
        view.modify(t.name, { uuid: r.uuid, version: r.version, columns: cols });
        count++;
      }
      return { count };
    }
    case 'delete': {
      const t = tableOf(view, op);
      const cond = where(view, t, op, env);
      let count = 0;
      for (const r of [...matching(view, t, cond)]) { view.delete(t.name, r.uuid); count++; }
      return { count };
    }
    case 'wait': return opWait(view, op, env);
    case 'commit':
      if (typeof op.durable !== 'boolean') throw syntaxError('"durable" must be a boolean', op);
      if (op.durable) env.setDurable();
      return {};
    case 'abort':
      throw new OvsdbError('aborted', 'Aborted.');
    case 'comment':
      if (typeof op.comment !== 'string') throw syntaxError('"comment" must be a string', op);
      env.comments.push(op.comment);
      return {};
    case 'assert':
      if (typeof op.lock !== 'string') throw syntaxError('"lock" must be a string', op);
      if (!env.ctx.ownsLock(op.lock)) throw new OvsdbError('not owner', `Asserted lock ${op.lock} not held.`);
      return {};
    default:
      throw syntaxError(`No operation named ${JSON.stringify(op.op)}.`, op.op);
  }
}

function opInsert(view: TxnView, op: Record<string, unknown>, env: OpEnv): unknown {
  const t = tableOf(view, op);
  let uuid: string;
  if (op['uuid-name'] !== undefined) {
    const name = op['uuid-name'];
    if (typeof name !== 'string' || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw syntaxError('bad "uuid-name"', name);
    const s = env.sym.map.get(name);
    if (s?.created) throw new OvsdbError('duplicate uuid-name', `This "uuid-name" appeared on an earlier "insert" operation.`);
    uuid = env.resolve(name);
    env.sym.map.get(name)!.created = true;
  } else {
    uuid = randomUUID();
  }
  if (op.uuid !== undefined) {
    if (typeof op.uuid !== 'string' || !UUID_RE.test(op.uuid)) throw syntaxError('bad "uuid"', op.uuid);
    uuid = op.uuid.toLowerCase();
    if (op['uuid-name'] !== undefined) env.sym.map.get(op['uuid-name'] as string)!.uuid = uuid;
  }
  const set = op.row === undefined ? {} : parseRow(t, op.row, env, false);
  if (view.exists(t.name, uuid)) throw new OvsdbError('duplicate uuid', `This UUID would duplicate a UUID already present within the table or deleted within the same transaction.`, JSON.stringify(op.uuid ?? uuid));
  view.insert(t.name, { uuid, version: randomUUID(), columns: { ...defaultColumns(t), ...set } });
  return { uuid: ['uuid', uuid] };
}

function opWait(view: TxnView, op: Record<string, unknown>, env: OpEnv): unknown {
  const t = tableOf(view, op);
  const cond = where(view, t, op, env);
  const cols = parseColumnList(t, op.columns) ?? [...t.columns.keys()];
  if (op.until !== '==' && op.until !== '!=') throw syntaxError('"until" must be "==" or "!="', op.until);
  if (!Array.isArray(op.rows)) throw syntaxError('"rows" must be an array', op.rows);
  let timeout = Infinity;
  if (op.timeout !== undefined) {
    if (typeof op.timeout !== 'number' || op.timeout < 0) throw syntaxError('"timeout" must be a non-negative number', op.timeout);
    timeout = op.timeout;
  }
  const expected = op.rows.map((r) => {
    if (!isObj(r)) throw syntaxError('row must be an object', r);
    const d: Record<string, Datum> = {};
    for (const c of cols) {
      if (r[c] === undefined) throw syntaxError(`row is missing column ${c}`, r);
      const cs = columnOf(t, c)!;
      d[c] = datumFromJson(cs.type, r[c], env.resolve);
    }
    for (const k of Object.keys(r)) if (!cols.includes(k)) throw syntaxError(`row has column ${k} not in "columns"`, r);
    return d;
  });
  const actual = [...matching(view, t, cond)];
  const same = (a: Row, e: Record<string, Datum>): boolean => cols.every((c) => datumEquals(getColumn(a, c), e[c]!));
  // Equal as sets of projected rows: every actual row is expected and vice versa.
  const equal = actual.every((a) => expected.some((e) => same(a, e))) && expected.every((e) => actual.some((a) => same(a, e)));
  const satisfied = op.until === '==' ? equal : !equal;
  if (satisfied) return {};
  if (env.ctx.elapsedMs >= timeout) throw new OvsdbError('timed out', `"wait" timed out after ${timeout} ms`);
  throw new Blocked(timeout - env.ctx.elapsedMs);
}
