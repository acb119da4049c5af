/**
 * One database: its schema, its committed tables, and the stream of
 * committed changes that monitors and storage follow.
 *
 * `transact` is synchronous: it executes a transaction against a private
 * view, and if the transaction succeeds applies it to the tables in one
 * step and publishes a `Commit` to every listener before returning. Because
 * Node runs one transaction at a time to completion, transactions are
 * serializable without locks; durability is the caller's business (the
 * server withholds the reply until storage has synced the commit).
 */
import { randomUUID } from 'node:crypto';
import type { DatabaseSchema, TableSchema } from './schema.js';
import { Table } from './table.js';
import { type Row } from './row.js';
import { refChanges } from './refs.js';
import type { RowChange, TxnView } from './txn.js';
import { executeTransaction, type TxnContext, type TxnOutcome } from './execute.js';

export interface Commit {
  /** Transaction id, as `monitor_cond_since` reports it. */
  readonly id: string;
  /** table -> uuid -> change; only rows that really changed. */
  readonly changes: ReadonlyMap<string, ReadonlyMap<string, RowChange>>;
  readonly comment: string | null;
  readonly durable: boolean;
}

export type CommitListener = (c: Commit) => void;

export class Database {
  readonly tables = new Map<string, Table>();
  private readonly weakRefs = new Map<string, Set<string>>();   // "table\0uuid" -> {"srcTable\0srcUuid"}
  private readonly listeners = new Set<CommitListener>();
  /** Id of the last committed transaction; fresh per process, so a stale client id never matches by accident. */
  lastTxnId: string = randomUUID();
  /** Recent commits, oldest first, so a reconnecting client gets only what it missed (monitor_cond_since). */
  private readonly history: Commit[] = [];
  static readonly HISTORY_LIMIT = 1000;

  constructor(readonly schema: DatabaseSchema) {
    for (const t of schema.tables.values()) this.tables.set(t.name, new Table(t));
  }

  get name(): string {
    return this.schema.name;
  }

  onCommit(l: CommitListener): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  transact(ops: unknown[], ctx: TxnContext): { outcome: TxnOutcome; commit: Commit | null } {
    const outcome = executeTransaction(this, ops, ctx);
    if (outcome.kind !== 'done' || !outcome.view) return { outcome, commit: null };
    const commit = this.apply(outcome.view, outcome.comment, outcome.durable);
    return { outcome, commit };
  }

  /**
   * Everything committed after transaction `txnId`, merged into one change
   * per row (first old, last new; rows inserted and deleted since vanish),
   * or null when `txnId` is too old or unknown.
   */
  changesSince(txnId: string): Commit | null {
    if (txnId === this.lastTxnId) return { id: this.lastTxnId, changes: new Map(), comment: null, durable: false };
    const i = this.history.findIndex((c) => c.id === txnId);
    if (i < 0) return null;
    const merged = new Map<string, Map<string, RowChange>>();
    for (const c of this.history.slice(i + 1)) {
      for (const [t, rows] of c.changes) {
        let m = merged.get(t);
        if (!m) merged.set(t, m = new Map());
        for (const [uuid, ch] of rows) {
          const prev = m.get(uuid);
          m.set(uuid, { old: prev ? prev.old : ch.old, new: ch.new });
        }
      }
    }
    for (const m of merged.values()) for (const [uuid, ch] of m) if (!ch.old && !ch.new) m.delete(uuid);
    return { id: this.lastTxnId, changes: merged, comment: null, durable: false };
  }

  weakReferrers(table: string, uuid: string): { table: string; uuid: string }[] {
    const s = this.weakRefs.get(`${table}\0${uuid}`);
    if (!s) return [];
    return [...s].map((k) => { const [t, u] = k.split('\0') as [string, string]; return { table: t, uuid: u }; });
  }

  /** Loads a row read from storage (no checks: the file was consistent when written). */
  load(table: string, row: Row): void {
    const t = this.tables.get(table)!;
    const old = t.rows.get(row.uuid) ?? null;
    this.account(t.schema, old, row);
    t.put(row);
  }

  /** Removes a row while loading from storage. */
  unload(table: string, uuid: string): void {
    const t = this.tables.get(table)!;
    const old = t.rows.get(uuid);
    if (!old) return;
    this.account(t.schema, old, null);
    t.remove(uuid);
  }

  /** Applies a checked view: new versions for modified rows, ref counts, indexes, then listeners. */
  private apply(view: TxnView, comment: string | null, durable: boolean): Commit | null {
    if (view.changes.size === 0 && comment === null) return null;
    const changes = new Map<string, Map<string, RowChange>>();
    for (const [tname, ch] of view.changes) {
      const table = this.tables.get(tname)!;
      const out = new Map<string, RowChange>();
      for (const [uuid, c] of ch) {
        let nw = c.new;
        if (nw && c.old) nw = { uuid, version: randomUUID(), columns: nw.columns };
        this.account(table.schema, c.old, nw);
        if (nw) table.put(nw); else table.remove(uuid);
        out.set(uuid, { old: c.old, new: nw });
      }
      changes.set(tname, out);
    }
    const commit: Commit = { id: randomUUID(), changes, comment, durable };
    this.lastTxnId = commit.id;
    this.history.push(commit);
    if (this.history.length > Database.HISTORY_LIMIT) this.history.shift();
    for (const l of this.listeners) l(commit);
    return commit;
  }

  private account(t: TableSchema, old: Row | null, nw: Row | null): void {
    const src = `${t.name}\0${(old ?? nw)!.uuid}`;
    refChanges(t, old, nw, (u, table, weak, by) => {
      if (weak) {
        const k = `${table}\0${u}`;
        let s = this.weakRefs.get(k);
        if (by > 0) { if (!s) this.weakRefs.set(k, s = new Set()); s.add(src); }
        else if (s) { s.delete(src); if (s.size === 0) this.weakRefs.delete(k); }
      } else {
        const rc = this.tables.get(table)!.refCount;
        const n = (rc.get(u) ?? 0) + by;
        if (n > 0) rc.set(u, n); else rc.delete(u);
      }
    });
  }
}
