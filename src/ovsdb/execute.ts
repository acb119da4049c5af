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
 * Parsing and checking follow ovsdb-server step for step, because clients
 * print its error replies verbatim: each operation's members are read with
 * ovsdb-server's member parser (op-parser.ts), in its order, so the first
 * problem reported is the one it reports; values are parsed with their
 * constraints (`parseDatum`), row objects walked in its hash order, and the
 * defaults of columns an insert leaves out checked against their
 * constraints too (an enum without "" refuses its default). On a reserved
 * database (`_Server`) only read-only operations are allowed.
 *
 * `wait` operations that are not yet satisfied make the whole transaction
 * "blocked": the caller retries it after each later commit until the
 * earliest wait's timeout has elapsed, when the wait fails with "timed out".
 */
import { randomUUID } from 'node:crypto';
import { OvsdbError, syntaxError, syntaxText } from './errors.js';
import { type Datum, parseDatum, datumViolation, compareDatums3way, defaultDatum } from './datum.js';
import { columnOf, type ColumnSchema, type TableSchema } from './schema.js';
import { type Row, defaultColumns, rowToJson, getColumn } from './row.js';
import { parseCondition, evalCondition, uuidOf, type Condition } from './condition.js';
import { parseMutations, applyMutation } from './mutation.js';
import { MemberParser, OP } from './op-parser.js';
import { ovsOrder } from './ovs-json.js';
import { TxnView } from './txn.js';
import { precommit } from './commit.js';
import type { Database } from './database.js';
import { UUID_RE } from './types.js';

export interface TxnContext {
  /** True if the session that sent the transaction holds `lock`. */
  ownsLock(lock: string): boolean;
  /** Milliseconds since the transaction was first received (for blocking waits). */
  elapsedMs: number;
  /** The server's own bookkeeping may write to a reserved database (`_Server`); clients may not. */
  internal?: boolean;
}

export type TxnOutcome =
  | { kind: 'done'; results: unknown[]; view: TxnView | null; comment: string | null; durable: boolean }
  | { kind: 'blocked'; retryBeforeMs: number };

/** An unsatisfied "wait" that has not timed out: the transaction is retried later (ovsdb-server's "not supported"). */
class Blocked {}

interface Symbol { uuid: string; created: boolean }

interface OpEnv {
  view: TxnView;
  ctx: TxnContext;
  symbols: Map<string, Symbol>;
  resolve: (name: string) => string;
  comments: string[];
  durable: boolean;
  /** The smallest "timeout" of the waits run so far. */
  minTimeoutMs: number;
}

type Executor = (p: MemberParser, env: OpEnv) => Record<string, unknown>;

/** The operations, and whether each may run on a reserved database. */
const OPERATIONS: ReadonlyMap<string, { readOnly: boolean; run: Executor }> = new Map([
  ['insert', { readOnly: false, run: opInsert }],
  ['select', { readOnly: true, run: opSelect }],
  ['update', { readOnly: false, run: opUpdate }],
  ['mutate', { readOnly: false, run: opMutate }],
  ['delete', { readOnly: false, run: opDelete }],
  ['wait', { readOnly: true, run: opWait }],
  ['commit', { readOnly: false, run: opCommit }],
  ['abort', { readOnly: true, run: () => { throw new OvsdbError('aborted', 'aborted by request'); } }],
  ['comment', { readOnly: true, run: opComment }],
  ['assert', { readOnly: true, run: opAssert }],
]);

export function executeTransaction(db: Database, ops: unknown[], ctx: TxnContext): TxnOutcome {
  const symbols = new Map<string, Symbol>();
  const env: OpEnv = {
    view: new TxnView(db), ctx, symbols, comments: [], durable: false, minTimeoutMs: Infinity,
    resolve: (name) => symbol(symbols, name).uuid,
  };
  const results: unknown[] = new Array(ops.length).fill(null);
  const reserved = db.schema.name.startsWith('_') && !ctx.internal;
  for (let i = 0; i < ops.length; i++) {
    const p = new MemberParser(ops[i], `ovsdb operation ${i + 1} of ${ops.length}`);
    const name = p.member('op', OP.ID) as string | undefined;
    let result: unknown = {};
    let error: OvsdbError | null = null;
    let blocked = false;
    let readOnly = false;
    if (name !== undefined) {
      const op = OPERATIONS.get(name);
      if (op) {
        readOnly = op.readOnly;
        try {
          result = op.run(p, env);
        } catch (e) {
          if (e instanceof Blocked) blocked = true;
          else error = asOvsdbError(e);
        }
      } else {
        p.raise(`No operation "${name}"`);
      }
    }
    // A parse error (a missing, mistyped or stray member) overrides any other outcome.
    const parseError = p.finish();
    if (parseError) { error = parseError; blocked = false; }
    if (!error && !blocked && !readOnly && reserved) {
      error = new OvsdbError('not allowed', `${name} operation not allowed on table in reserved database ${db.schema.name}`);
    }
    if (blocked) return { kind: 'blocked', retryBeforeMs: env.minTimeoutMs - ctx.elapsedMs };
    if (error) {
      results[i] = error.toJSON();
      return { kind: 'done', results, view: null, comment: null, durable: false };
    }
    results[i] = result;
  }
  try {
    precommit(env.view);
  } catch (e) {
    results.push(asOvsdbError(e).toJSON());
    return { kind: 'done', results, view: null, comment: null, durable: false };
  }
  return { kind: 'done', results, view: env.view, comment: env.comments.length ? env.comments.join('\n') : null, durable: env.durable };
}

function asOvsdbError(e: unknown): OvsdbError {
  if (e instanceof OvsdbError) return e;
  if (e instanceof RangeError) return new OvsdbError('resources exhausted', e.message);
  throw e;
}

/** The symbol for a named uuid, created (with a fresh uuid, naming no row yet) on first mention. */
function symbol(symbols: Map<string, Symbol>, name: string): Symbol {
  let s = symbols.get(name);
  if (!s) { s = { uuid: randomUUID(), created: false }; symbols.set(name, s); }
  return s;
}

/** The "table" member: undefined (with the error recorded) if missing, mistyped or unknown. */
function parseTable(p: MemberParser, env: OpEnv): TableSchema | undefined {
  const name = p.member('table', OP.ID) as string | undefined;
  if (name === undefined) return undefined;
  const t = env.view.db.schema.tables.get(name);
  if (!t) p.raise(`No table named ${name}.`);
  return t;
}

/**
 * A "columns" (or "sort") member: the named columns, or every column (in the
 * order ovsdb-server keeps them) when the member is absent.
 */
function parseColumnSet(t: TableSchema, json: unknown): string[] {
  if (json === undefined) return [...t.columnOrder];
  const out: string[] = [];
  for (const c of json as unknown[]) {
    if (typeof c !== 'string') throw syntaxError('array of distinct column names expected', json);
    if (!columnOf(t, c)) throw syntaxError(`${c} is not a valid column name`, json);
    if (out.includes(c)) throw syntaxError('array of distinct column names expected', json);
    out.push(c);
  }
  return out;
}

/**
 * Parses a row object: column -> datum, each checked against its type and
 * constraints, in the order ovsdb-server walks the object (so the error it
 * reports first is the one reported here). `_uuid` and `_version` may appear.
 */
function parseRow(t: TableSchema, json: unknown, env: OpEnv): { values: Record<string, Datum>; included: ColumnSchema[] } {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw syntaxError('row must be JSON object', json);
  const obj = json as Record<string, unknown>;
  const values: Record<string, Datum> = {};
  const included: ColumnSchema[] = [];
  for (const name of ovsOrder(Object.keys(obj))) {
    const c = columnOf(t, name);
    if (!c) throw new OvsdbError('unknown column', `No column ${name} in table ${t.name}.`, syntaxText(json));
    values[name] = parseDatum(c.type, obj[name], env.resolve);
    included.push(c);
  }
  return { values, included };
}

function userColumns(values: Record<string, Datum>): Record<string, Datum> {
  const out: Record<string, Datum> = {};
  for (const [k, v] of Object.entries(values)) if (!k.startsWith('_')) out[k] = v;
  return out;
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

/** A row's values in `columns`, as one string: rows with equal strings are equal in those columns. */
function projection(columns: readonly string[], get: (c: string) => Datum): string {
  return JSON.stringify(columns.map((c) => { const d = get(c); return [d.keys, d.values]; }));
}

function opInsert(p: MemberParser, env: OpEnv): Record<string, unknown> {
  const t = parseTable(p, env);
  const uuidJson = p.member('uuid', OP.STRING | OP.OPTIONAL) as string | undefined;
  const uuidName = p.member('uuid-name', OP.ID | OP.OPTIONAL) as string | undefined;
  const rowJson = p.member('row', OP.OBJECT);
  p.check();
  const { view } = env;
  let uuid = '';
  if (uuidJson !== undefined) {
    if (!UUID_RE.test(uuidJson)) throw syntaxError('bad uuid', uuidJson);
    uuid = uuidJson.toLowerCase();
    // Neither a row that exists nor one this transaction already touched (deleted, say) may be created again.
    if (view.exists(t!.name, uuid) || view.changes.get(t!.name)?.has(uuid) || view.table(t!.name).rows.has(uuid)) {
      throw new OvsdbError('duplicate uuid', 'This UUID would duplicate a UUID already present within the table or deleted within the same transaction.', syntaxText(uuidJson));
    }
  }
  if (uuidName !== undefined) {
    const s = symbol(env.symbols, uuidName);
    if (s.created) throw new OvsdbError('duplicate uuid-name', 'This "uuid-name" appeared on an earlier "insert" operation.', syntaxText(uuidName));
    if (uuidJson !== undefined) s.uuid = uuid; else uuid = s.uuid;
    s.created = true;
  } else if (uuidJson === undefined) {
    uuid = randomUUID();
  }
  const columns = { ...defaultColumns(t!), ...userColumns(parseRow(t!, rowJson, env).values) };
  // A column left out gets its type's default, which its constraints may refuse (an enum without "").
  for (const name of t!.columnOrder) {
    const c = t!.columns.get(name);
    if (!c || columns[name]!.keys.length !== 1) continue;
    const e = datumViolation(c.type, columns[name]!);
    if (e) throw e;
  }
  view.insert(t!.name, { uuid, version: randomUUID(), columns });
  return { uuid: ['uuid', uuid] };
}

function opSelect(p: MemberParser, env: OpEnv): Record<string, unknown> {
  const t = parseTable(p, env);
  const where = p.member('where', OP.ARRAY);
  const columnsJson = p.member('columns', OP.ARRAY | OP.OPTIONAL);
  const sortJson = p.member('sort', OP.ARRAY | OP.OPTIONAL);
  p.check();
  const cond = parseCondition(t!, where, env.resolve);
  const columns = parseColumnSet(t!, columnsJson);
  const sort = parseColumnSet(t!, sortJson);
  let rows = [...matching(env.view, t!, cond)];
  if (!columns.includes('_uuid')) {
    // Without _uuid, rows equal in the selected columns are one result.
    const seen = new Set<string>();
    rows = rows.filter((r) => {
      const k = projection(columns, (c) => getColumn(r, c));
      return seen.has(k) ? false : (seen.add(k), true);
    });
  }
  rows.sort((a, b) => {
    for (const c of sort) {
      const x = compareDatums3way(getColumn(a, c), getColumn(b, c));
      if (x) return x;
    }
    return 0;
  });
  return { rows: rows.map((r) => rowToJson(t!, r, columnsJson === undefined ? undefined : columns)) };
}

function opUpdate(p: MemberParser, env: OpEnv): Record<string, unknown> {
  const t = parseTable(p, env);
  const where = p.member('where', OP.ARRAY);
  const rowJson = p.member('row', OP.OBJECT);
  p.check();
  const { values, included } = parseRow(t!, rowJson, env);
  for (const c of included) {
    if (!c.mutable) throw new OvsdbError('constraint violation', `Cannot update immutable column ${c.name} in table ${t!.name}.`, syntaxText(p.json));
  }
  const cond = parseCondition(t!, where, env.resolve);
  let count = 0;
  for (const r of [...matching(env.view, t!, cond)]) {
    env.view.modify(t!.name, { uuid: r.uuid, version: r.version, columns: { ...r.columns, ...values } });
    count++;
  }
  return { count };
}

function opMutate(p: MemberParser, env: OpEnv): Record<string, unknown> {
  const t = parseTable(p, env);
  const where = p.member('where', OP.ARRAY);
  const mutationsJson = p.member('mutations', OP.ARRAY);
  p.check();
  const muts = parseMutations(t!, mutationsJson, env.resolve);
  const cond = parseCondition(t!, where, env.resolve);
  let count = 0;
  for (const r of [...matching(env.view, t!, cond)]) {
    const cols = { ...r.columns };
    for (const m of muts) cols[m.column.name] = applyMutation(m, cols[m.column.name]!);
    env.view.modify(t!.name, { uuid: r.uuid, version: r.version, columns: cols });
    count++;
  }
  return { count };
}

function opDelete(p: MemberParser, env: OpEnv): Record<string, unknown> {
  const where = p.member('where', OP.ARRAY);
  const t = parseTable(p, env);
  p.check();
  const cond = parseCondition(t!, where, env.resolve);
  let count = 0;
  for (const r of [...matching(env.view, t!, cond)]) { env.view.delete(t!.name, r.uuid); count++; }
  return { count };
}

/**
 * "wait": compares the rows the condition selects with the expected rows,
 * in the given columns (all by default), as sets. Unsatisfied, it fails
 * once its timeout has passed (at once for a timeout of 0: "where" clause
 * test failed) and otherwise blocks the transaction, which the server runs
 * again after each commit and at the earliest timeout.
 */
function opWait(p: MemberParser, env: OpEnv): Record<string, unknown> {
  const timeout = p.member('timeout', OP.INTEGER | OP.OPTIONAL) as number | undefined;
  const where = p.member('where', OP.ARRAY);
  const columnsJson = p.member('columns', OP.ARRAY | OP.OPTIONAL);
  const until = p.member('until', OP.STRING) as string;
  const rowsJson = p.member('rows', OP.ARRAY) as unknown[];
  const t = parseTable(p, env);
  p.check();
  const cond = parseCondition(t!, where, env.resolve);
  const columns = parseColumnSet(t!, columnsJson);
  if (timeout !== undefined) {
    if (timeout < 0) throw syntaxError('timeout must be nonnegative', timeout);
    env.minTimeoutMs = Math.min(env.minTimeoutMs, timeout);
  }
  if (until !== '==' && until !== '!=') throw syntaxError('"until" must be "==" or "!="', until);
  const expected = new Set<string>();
  for (const json of rowsJson) {
    const { values } = parseRow(t!, json, env);
    // Columns a row leaves out have their defaults, as in an inserted row.
    expected.add(projection(columns, (c) => values[c] ?? defaultDatum(columnOf(t!, c)!.type)));
  }
  const actual = new Set<string>();
  let equal = true;
  for (const r of matching(env.view, t!, cond)) {
    const k = projection(columns, (c) => getColumn(r, c));
    if (!expected.has(k)) { equal = false; break; }
    actual.add(k);
  }
  equal &&= actual.size === expected.size;
  if ((until === '==') === equal) return {};
  const elapsed = env.ctx.elapsedMs;
  if (timeout !== undefined && elapsed >= timeout) {
    throw new OvsdbError('timed out', elapsed ? `"wait" timed out after ${elapsed} ms` : '"where" clause test failed');
  }
  throw new Blocked();
}

function opCommit(p: MemberParser, env: OpEnv): Record<string, unknown> {
  if (p.member('durable', OP.BOOLEAN) === true) env.durable = true;
  return {};
}

function opComment(p: MemberParser, env: OpEnv): Record<string, unknown> {
  const comment = p.member('comment', OP.STRING) as string | undefined;
  if (comment !== undefined) env.comments.push(comment);
  return {};
}

function opAssert(p: MemberParser, env: OpEnv): Record<string, unknown> {
  const lock = p.member('lock', OP.ID) as string | undefined;
  if (lock !== undefined && !env.ctx.ownsLock(lock)) throw new OvsdbError('not owner', `Asserted lock ${lock} not held.`);
  return {};
}
