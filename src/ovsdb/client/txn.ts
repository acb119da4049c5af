/**
 * Client transactions: a builder that records intent against replica rows,
 * a pure encoder that turns it into RFC 7047 `transact` operations, and a
 * pure classifier that turns the server's reply into a CommitResult, both
 * after lib/ovsdb-idl.c.
 *
 * Optimistic concurrency: a transaction never locks anything. `verify(row,
 * columns)` records the values the caller read (the row snapshot it passes)
 * and becomes a `wait` operation with `timeout: 0` and `until: "=="`; if
 * another client changed those columns meanwhile, the server answers "timed
 * out" and the commit reports `try-again`: the caller waits for the replica
 * to change (`idl.waitForChange(seqnoBeforeCommit)`), recomputes, and
 * commits a new transaction. Waits go first in the operation list, so they
 * test the database as it was before this transaction's own writes.
 *
 * Encoding details that follow ovsdb-idl:
 *   - an inserted row gets a `uuid-name` (the caller's, or `rowN`); it can be
 *     referred to from any column of the same transaction by passing the
 *     NewRow returned by `insert`, and `update` of a NewRow merges into its
 *     insert;
 *   - deleting a row of a non-root table sends nothing: the server's garbage
 *     collection removes it once nothing refers to it, and an explicit
 *     delete would fail while references remain;
 *   - `increment` is a `mutate` `+= 1` followed by a `select` of the column,
 *     so the commit result carries the new value (ovs-vsctl's `next_cfg`);
 *     it is sent only with other updates unless `force` is given;
 *   - a transaction without insert, update, delete or mutate is `unchanged`
 *     and is not sent at all.
 *
 * Reply classification (ovsdb_idl_txn_process_reply): "timed out" (a failed
 * verify), a null result (an earlier operation failed) and a JSON-RPC
 * "canceled" are transient -> `try-again`; "not owner" -> `not-locked`; any
 * other error -> `error`, with the server's words in `error`.
 */
import { type Datum } from '../datum.js';
import type { JsonValue } from '../../jsonrpc/message.js';
import type { DatabaseSchema, TableSchema } from '../schema.js';
import { type Atom, type BaseType, type ColumnType, UNLIMITED, UUID_RE } from '../types.js';
import { IdlRow } from './row.js';

/** A row inserted by a transaction, usable as a reference inside that same transaction. */
export class NewRow {
  constructor(readonly table: string, readonly uuidName: string) {}
}

export type AtomValue = Atom | IdlRow | NewRow;
/**
 * A column value for writing: a Datum (as read from the replica), a single
 * atom, an array (a set), a Map or a plain object (a map), or null/undefined
 * (the empty set, for optional columns). Uuid atoms may be given as uuid
 * strings, replica rows, or NewRows of this transaction.
 */
export type Value =
  | Datum | AtomValue | readonly AtomValue[] | ReadonlyMap<AtomValue, AtomValue>
  | { readonly [key: string]: AtomValue } | null | undefined;
export type ColumnValues = Readonly<Record<string, Value>>;
export type Mutator = '+=' | '-=' | '*=' | '/=' | '%=' | 'insert' | 'delete';
export type TxnTarget = IdlRow | NewRow;

export type CommitStatus = 'success' | 'unchanged' | 'try-again' | 'error' | 'not-locked' | 'aborted';

export interface CommitResult {
  /** `unchanged` (nothing to send) should be treated like `success`. */
  readonly status: CommitStatus;
  /** For `error` (and some `try-again`s): what went wrong, in the server's words. */
  readonly error?: string;
  /** uuid-name -> the uuid the server assigned, for every insert. */
  readonly insertedUuids: ReadonlyMap<string, string>;
  /** The incremented column's new value, when `increment` was used and sent. */
  readonly incrementValue?: number;
}

/** A transaction built wrongly (unknown table or column, a value of the wrong type). */
export class TxnBuildError extends Error {
  constructor(msg: string) {
    super(msg);
    this.name = 'TxnBuildError';
  }
}

export type TxnOp =
  | { readonly kind: 'insert'; readonly row: NewRow; columns: Record<string, Value> }
  | { readonly kind: 'update'; readonly row: IdlRow; readonly columns: ColumnValues }
  | { readonly kind: 'delete'; readonly row: IdlRow }
  | { readonly kind: 'mutate'; readonly row: TxnTarget; readonly column: string; readonly mutator: Mutator; readonly value: Value }
  | { readonly kind: 'verify'; readonly row: IdlRow; readonly columns: readonly string[] };

/** What a transaction asks for, independent of any connection. */
export interface TxnIntent {
  readonly ops: readonly TxnOp[];
  readonly comments: readonly string[];
  /** Lock name to assert first, or null. */
  readonly assertLock: string | null;
  readonly increment: { readonly row: TxnTarget; readonly column: string; readonly force: boolean } | null;
}

export interface EncodedTxn {
  /** Operations, without the leading database name. */
  readonly ops: JsonValue[];
  /** uuid-name and operation index of every insert. */
  readonly inserts: readonly { readonly name: string; readonly index: number }[];
  /** Index of the increment's mutate (its select follows), or -1. */
  readonly incrementIndex: number;
  readonly incrementColumn: string;
  /** False when nothing would change: the transaction is `unchanged` and need not be sent. */
  readonly anyUpdates: boolean;
}

/** What a Transaction needs from its IDL. */
export interface TxnHost {
  /** Commits an intent: called once by Transaction.commit(). */
  commitIntent(intent: TxnIntent): Promise<CommitResult>;
  /** The lock the IDL holds or wants, for `assertLock()`. */
  readonly lockName: string | null;
}

export class Transaction {
  private readonly ops: TxnOp[] = [];
  private readonly comments: string[] = [];
  private lockToAssert: string | null = null;
  private inc: TxnIntent['increment'] = null;
  private nextName = 0;
  private readonly names = new Set<string>();
  private done = false;
  private aborted = false;

  constructor(private readonly host: TxnHost) {}

  /** Inserts a row; the returned NewRow stands for it in other columns of this transaction. */
  insert(table: string, columns: ColumnValues = {}, opts: { uuidName?: string } = {}): NewRow {
    this.open();
    let name = opts.uuidName;
    if (name !== undefined) {
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) throw new TxnBuildError(`"${name}" is not a valid uuid-name`);
    } else {
      do name = `row${this.nextName++}`; while (this.names.has(name));
    }
    if (this.names.has(name)) throw new TxnBuildError(`duplicate uuid-name "${name}"`);
    this.names.add(name);
    const row = new NewRow(table, name);
    this.ops.push({ kind: 'insert', row, columns: { ...columns } });
    return row;
  }

  /** Writes columns of an existing row (or of a row inserted earlier in this transaction). */
  update(row: TxnTarget, columns: ColumnValues): this {
    this.open();
    if (row instanceof NewRow) {
      const ins = this.ops.find((o) => o.kind === 'insert' && o.row === row);
      if (!ins || ins.kind !== 'insert') throw new TxnBuildError(`${row.uuidName} was not inserted by this transaction`);
      Object.assign(ins.columns, columns);
    } else {
      this.ops.push({ kind: 'update', row, columns: { ...columns } });
    }
    return this;
  }

  delete(row: IdlRow): this {
    this.open();
    this.ops.push({ kind: 'delete', row });
    return this;
  }

  mutate(row: TxnTarget, column: string, mutator: Mutator, value: Value): this {
    this.open();
    this.ops.push({ kind: 'mutate', row, column, mutator, value });
    return this;
  }

  /** Makes the commit fail with `try-again` unless `columns` of `row` still hold the values in this snapshot. */
  verify(row: IdlRow, columns: readonly string[]): this {
    this.open();
    if (columns.length) this.ops.push({ kind: 'verify', row, columns: [...columns] });
    return this;
  }

  comment(text: string): this {
    this.open();
    this.comments.push(text);
    return this;
  }

  /** Makes the commit fail with `not-locked` unless this session owns the IDL's lock (an `assert` operation). */
  assertLock(): this {
    this.open();
    const name = this.host.lockName;
    if (!name) throw new TxnBuildError('assertLock: the IDL has no lock configured');
    this.lockToAssert = name;
    return this;
  }

  /** Adds 1 to an integer column and reports the new value as `incrementValue` (one per transaction). */
  increment(row: TxnTarget, column: string, opts: { force?: boolean } = {}): this {
    this.open();
    if (this.inc) throw new TxnBuildError('only one increment per transaction');
    this.inc = { row, column, force: opts.force ?? false };
    return this;
  }

  /** Gives up; `commit()` then resolves to `aborted` without contacting the server. */
  abort(): void {
    this.aborted = true;
  }

  commit(): Promise<CommitResult> {
    if (this.done) return Promise.reject(new TxnBuildError('transaction already committed'));
    this.done = true;
    if (this.aborted) return Promise.resolve(result('aborted'));
    return this.host.commitIntent({ ops: this.ops, comments: this.comments, assertLock: this.lockToAssert, increment: this.inc });
  }

  private open(): void {
    if (this.done) throw new TxnBuildError('transaction already committed');
  }
}

export function result(status: CommitStatus, extra: Partial<Omit<CommitResult, 'status'>> = {}): CommitResult {
  return { status, insertedUuids: new Map(), ...extra };
}

// ----------------------------------------------------------------- encoding

function tableOf(schema: DatabaseSchema, name: string): TableSchema {
  const t = schema.tables.get(name);
  if (!t) throw new TxnBuildError(`unknown table ${name}`);
  return t;
}

function columnType(t: TableSchema, column: string): ColumnType {
  const c = t.columns.get(column);
  if (!c) throw new TxnBuildError(`table ${t.name} has no column ${column}`);
  return c.type;
}

function whereUuid(target: TxnTarget): JsonValue {
  return [['_uuid', '==', target instanceof NewRow ? ['named-uuid', target.uuidName] : ['uuid', target.uuid]]];
}

function isDatum(v: unknown): v is Datum {
  return typeof v === 'object' && v !== null && !(v instanceof IdlRow) && !(v instanceof NewRow)
    && Array.isArray((v as Datum).keys) && 'values' in v;
}

function atomJson(base: BaseType, v: unknown, where: string): JsonValue {
  if (v instanceof IdlRow || v instanceof NewRow) {
    if (base.type !== 'uuid') throw new TxnBuildError(`${where}: a row given for a ${base.type}`);
    return v instanceof IdlRow ? ['uuid', v.uuid] : ['named-uuid', v.uuidName];
  }
  const ok = base.type === 'uuid' ? typeof v === 'string' && UUID_RE.test(v)
    : base.type === 'integer' ? Number.isInteger(v)
    : base.type === 'real' ? typeof v === 'number' && Number.isFinite(v)
    : typeof v === base.type;
  if (!ok) throw new TxnBuildError(`${where}: ${JSON.stringify(v)} is not a valid ${base.type}`);
  return base.type === 'uuid' ? ['uuid', (v as string).toLowerCase()] : v as JsonValue;
}

function keyFromObject(base: BaseType, k: string): unknown {
  if (base.type === 'integer' || base.type === 'real') return Number(k);
  if (base.type === 'boolean') return k === 'true' ? true : k === 'false' ? false : k;
  return k;
}

/** Encodes a value of column type `type` in wire form. */
export function valueToJson(type: ColumnType, v: Value, where: string): JsonValue {
  if (type.value) {
    const vt = type.value;
    let pairs: [unknown, unknown][];
    if (isDatum(v)) pairs = v.keys.map((k, i) => [k, v.values?.[i]]);
    else if (v instanceof Map) pairs = [...v.entries()];
    else if (v === null || v === undefined) pairs = [];
    else if (typeof v === 'object' && !Array.isArray(v) && !(v instanceof IdlRow) && !(v instanceof NewRow)) {
      pairs = Object.entries(v).map(([k, x]) => [keyFromObject(type.key, k), x]);
    } else throw new TxnBuildError(`${where}: expected a map (Map, object or Datum)`);
    return ['map', pairs.map(([k, x]) => [atomJson(type.key, k, where), atomJson(vt, x, where)])];
  }
  let atoms: readonly unknown[];
  if (isDatum(v)) atoms = v.keys;
  else if (Array.isArray(v)) atoms = v;
  else if (v === null || v === undefined) atoms = [];
  else if (v instanceof Map) throw new TxnBuildError(`${where}: a map given for a set`);
  else return atomJson(type.key, v, where);
  if (atoms.length === 1) return atomJson(type.key, atoms[0], where);
  return ['set', atoms.map((a) => atomJson(type.key, a, where))];
}

function mutationType(type: ColumnType, mutator: Mutator, v: Value): ColumnType {
  if (mutator !== 'insert' && mutator !== 'delete') return { key: type.key, min: 1, max: 1 };
  const mapValue = type.value && (v instanceof Map || isDatum(v) && v.values !== null
    || (typeof v === 'object' && v !== null && !Array.isArray(v) && !isDatum(v) && !(v instanceof IdlRow) && !(v instanceof NewRow)));
  if (type.value && (mutator === 'insert' || mapValue)) return { key: type.key, value: type.value, min: 0, max: UNLIMITED };
  return { key: type.key, min: 0, max: UNLIMITED };
}

function rowJson(t: TableSchema, columns: ColumnValues): Record<string, JsonValue> {
  const o: Record<string, JsonValue> = {};
  for (const [c, v] of Object.entries(columns)) o[c] = valueToJson(columnType(t, c), v, `${t.name}.${c}`);
  return o;
}

/** Encodes a transaction for `schema`; throws TxnBuildError if it does not fit the schema. */
export function encodeTransaction(schema: DatabaseSchema, intent: TxnIntent): EncodedTxn {
  const ops: JsonValue[] = [];
  const inserts: { name: string; index: number }[] = [];
  let anyUpdates = false;
  // The lock assertion and the verifies come first: they test the state before our writes.
  if (intent.assertLock) ops.push({ op: 'assert', lock: intent.assertLock });
  for (const op of intent.ops) {
    if (op.kind !== 'verify') continue;
    const t = tableOf(schema, op.row.table);
    const row: Record<string, JsonValue> = {};
    for (const c of op.columns) row[c] = valueToJson(columnType(t, c), op.row.get(c), `${t.name}.${c}`);
    ops.push({ op: 'wait', table: t.name, timeout: 0, where: whereUuid(op.row), until: '==', columns: [...op.columns], rows: [row] });
  }
  for (const op of intent.ops) {
    switch (op.kind) {
      case 'verify': break;
      case 'insert': {
        const t = tableOf(schema, op.row.table);
        inserts.push({ name: op.row.uuidName, index: ops.length });
        ops.push({ op: 'insert', table: t.name, 'uuid-name': op.row.uuidName, row: rowJson(t, op.columns) });
        anyUpdates = true;
        break;
      }
      case 'update': {
        const t = tableOf(schema, op.row.table);
        const row = rowJson(t, op.columns);
        if (Object.keys(row).length === 0) break;
        ops.push({ op: 'update', table: t.name, where: whereUuid(op.row), row });
        anyUpdates = true;
        break;
      }
      case 'delete': {
        const t = tableOf(schema, op.row.table);
        if (!t.isRoot) break;       // garbage collection deletes it once unreferenced
        ops.push({ op: 'delete', table: t.name, where: whereUuid(op.row) });
        anyUpdates = true;
        break;
      }
      case 'mutate': {
        const t = tableOf(schema, op.row.table);
        const type = mutationType(columnType(t, op.column), op.mutator, op.value);
        const arg = valueToJson(type, op.value, `${t.name}.${op.column}`);
        ops.push({ op: 'mutate', table: t.name, where: whereUuid(op.row), mutations: [[op.column, op.mutator, arg]] });
        anyUpdates = true;
        break;
      }
    }
  }
  let incrementIndex = -1;
  const inc = intent.increment;
  if (inc && (anyUpdates || inc.force)) {
    const t = tableOf(schema, inc.row.table);
    const type = columnType(t, inc.column);
    if (type.key.type !== 'integer' || type.value) throw new TxnBuildError(`increment: ${t.name}.${inc.column} is not an integer column`);
    incrementIndex = ops.length;
    ops.push({ op: 'mutate', table: t.name, where: whereUuid(inc.row), mutations: [[inc.column, '+=', 1]] });
    ops.push({ op: 'select', table: t.name, where: whereUuid(inc.row), columns: [inc.column] });
    anyUpdates = true;
  }
  if (intent.comments.length) ops.push({ op: 'comment', comment: intent.comments.join('\n') });
  return { ops, inserts, incrementIndex, incrementColumn: inc?.column ?? '', anyUpdates };
}

// ------------------------------------------------------------ classification

function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function describe(o: Record<string, unknown>): string {
  const e = typeof o.error === 'string' ? o.error : JSON.stringify(o.error);
  return typeof o.details === 'string' && o.details ? `${e}: ${o.details}` : e;
}

/** Classifies a `transact` reply (its `result` array) for the transaction `enc`. */
export function classifyReply(enc: EncodedTxn, results: unknown): CommitResult {
  if (!Array.isArray(results)) return result('error', { error: `reply to "transact" is not a JSON array: ${JSON.stringify(results)}` });
  let hard: string | null = null, lock: string | null = null, soft: string | null = null;
  for (const r of results) {
    if (r === null) { soft ??= 'an earlier operation failed'; continue; }
    if (!isObj(r)) { hard ??= `operation reply is not an object: ${JSON.stringify(r)}`; continue; }
    if (r.error === undefined) continue;
    if (typeof r.error !== 'string') hard ??= describe(r);
    else if (r.error === 'timed out') soft ??= describe(r);
    else if (r.error === 'not owner') lock ??= describe(r);
    else if (r.error !== 'aborted') hard ??= describe(r);
  }
  if (hard) return result('error', { error: hard });
  if (lock) return result('not-locked', { error: lock });
  if (soft) return result('try-again', { error: soft });
  const insertedUuids = new Map<string, string>();
  for (const ins of enc.inserts) {
    const u = (results[ins.index] as { uuid?: unknown } | undefined)?.uuid;
    if (!Array.isArray(u) || u[0] !== 'uuid' || typeof u[1] !== 'string') {
      return result('error', { error: `"insert" reply for ${ins.name} has no uuid` });
    }
    insertedUuids.set(ins.name, u[1]);
  }
  if (enc.incrementIndex < 0) return result('success', { insertedUuids });
  const count = (results[enc.incrementIndex] as { count?: unknown } | undefined)?.count;
  const rows = (results[enc.incrementIndex + 1] as { rows?: unknown } | undefined)?.rows;
  const value = Array.isArray(rows) && rows.length === 1 && isObj(rows[0]) ? rows[0][enc.incrementColumn] : undefined;
  if (count !== 1 || typeof value !== 'number') {
    return result('error', { error: `increment: mutate count ${String(count)}, select gave ${JSON.stringify(rows)}`, insertedUuids });
  }
  return result('success', { insertedUuids, incrementValue: value });
}
