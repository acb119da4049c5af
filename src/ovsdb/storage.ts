/**
 * Durable storage of one database in Open vSwitch's standalone file format,
 * so `ovsdb-tool` reads Weft's files and Weft opens files that
 * `ovsdb-tool create` (or a real ovsdb-server) wrote. The record framing,
 * group commit and atomic replacement live in log.ts; this module binds a
 * Database to them: replaying the file into the tables at open, and turning
 * each Commit into a transaction record.
 *
 * Format: a sequence of records, each a header line
 * `OVSDB JSON <length> <sha1>\n` followed by <length> bytes of JSON text
 * ending in a newline; the SHA-1 covers those bytes. Record 0 is the schema,
 * every later record one transaction: `{"TABLE": {"UUID": row|null}, …,
 * "_date": ms, "_comment": "…"}` where a row holds the inserted row's
 * non-default columns or the modified row's changed columns (full values;
 * with `"_is_diff": true`, written by newer ovsdb-servers, changed sets and
 * maps are diffs instead), and null deletes.
 *
 * Durability by group commit: `write(commit)` queues the record; every
 * record queued during one event-loop turn leaves in one writev followed by
 * one fdatasync, and only then do their promises resolve (the server holds
 * replies and monitor updates until then). One sync per batch, not per
 * transaction.
 *
 * A torn or corrupt tail (a crash mid-write, a bad checksum) keeps every
 * whole record before it: the file is truncated to the end of the last good
 * record, a warning says what was dropped, and appending resumes there.
 *
 * Compaction rewrites the file as the schema plus one snapshot record,
 * atomically (temp file, fsync, rename, fsync of the directory), on demand
 * and automatically once the log has grown past 10 MiB and twice its size
 * after the previous compaction.
 */
import { randomUUID } from 'node:crypto';
import { LogWriter, readLog } from './log.js';
import { parseDatabaseSchema } from './schema.js';
import { Database, type Commit } from './database.js';
import type { DbStorage } from './server.js';
import { rowFromStored, changedColumns, type Row } from './row.js';
import { datumToJson, datumEquals, defaultDatum, datumFromJson, applyDiff, makeDiff, type Datum } from './datum.js';
import type { ColumnSchema, TableSchema } from './schema.js';

export const COMPACT_MIN_BYTES = 10 * 1024 * 1024;
/** ovsdb-server compacts once the log is past 10 MiB and twice its size after the previous compaction. */
export const COMPACT_GROWTH = 2;

export class StorageError extends Error {}

/** Creates a new database file holding only the schema (refuses to overwrite). */
export function createDatabaseFile(file: string, schemaJson: unknown): void {
  parseDatabaseSchema(schemaJson);
  const w = LogWriter.create(file);
  try { w.appendSync([schemaJson as object]); } finally { w.closeSync(); }
}

// Column defaults are computed once per column, not per row written.
const defaults = new WeakMap<ColumnSchema, Datum>();
function defaultOf(c: ColumnSchema): Datum {
  let d = defaults.get(c);
  if (!d) { d = defaultDatum(c.type); defaults.set(c, d); }
  return d;
}

function insertedColumns(t: TableSchema, row: Row): Record<string, unknown> {
  const cols: Record<string, unknown> = {};
  for (const c of t.columns.values()) {
    if (c.ephemeral) continue;
    const d = row.columns[c.name]!;
    if (d === defaultOf(c) || datumEquals(d, defaultOf(c))) continue;
    cols[c.name] = datumToJson(c.type, d);
  }
  return cols;
}

/**
 * The transaction record for a commit. A modified row's changed sets and
 * maps are written as diffs (with `"_is_diff": true` on the record, as
 * ovsdb-server 2.15 and later write them), so adding one port to a switch
 * with 10,000 ports appends one uuid, not all of them; scalars, inserted
 * rows and deletions are written as before.
 */
export function commitToRecord(db: Database, c: Commit, now = Date.now()): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  let isDiff = false;
  for (const [tname, changes] of c.changes) {
    const t = db.schema.tables.get(tname)!;
    const rows: Record<string, unknown> = {};
    for (const [uuid, ch] of changes) {
      if (!ch.new) { rows[uuid] = null; continue; }
      if (!ch.old) { rows[uuid] = insertedColumns(t, ch.new); continue; }
      const cols: Record<string, unknown> = {};
      for (const name of changedColumns(t, ch.old, ch.new)) {
        const cs = t.columns.get(name)!;
        if (cs.ephemeral) continue;
        if (isMulti(cs)) {
          isDiff = true;
          cols[name] = datumToJson(diffType(cs), makeDiff(ch.old.columns[name]!, ch.new.columns[name]!));
        } else {
          cols[name] = datumToJson(cs.type, ch.new.columns[name]!);
        }
      }
      if (Object.keys(cols).length) rows[uuid] = cols;
    }
    if (Object.keys(rows).length) rec[tname] = rows;
  }
  if (c.comment !== null) rec._comment = c.comment;
  rec._date = now;
  if (isDiff) rec._is_diff = true;
  return rec;
}

/** Sets and maps (a column that can hold more than one value): written as diffs when modified. */
function isMulti(c: ColumnSchema): boolean {
  return !!c.type.value || c.type.max > 1;
}

/** A diff may have any number of elements, whatever the column's own bounds. */
function diffType(c: ColumnSchema): ColumnSchema['type'] {
  return { ...c.type, min: 0, max: Number.MAX_SAFE_INTEGER };
}

function snapshotRecord(db: Database): Record<string, unknown> {
  // A transaction record that inserts every row, as ovsdb-server's compaction writes it.
  const rec: Record<string, unknown> = {};
  for (const [tname, table] of db.tables) {
    if (table.rows.size === 0) continue;
    const rows: Record<string, unknown> = {};
    for (const row of table.rows.values()) rows[row.uuid] = insertedColumns(table.schema, row);
    rec[tname] = rows;
  }
  rec._comment = 'compacting database online';
  rec._date = Date.now();
  return rec;
}

/** Replays one transaction record into the database (no checks: the file was consistent when written). */
function replay(db: Database, rec: Record<string, unknown>): void {
  const isDiff = rec._is_diff === true;
  for (const [tname, rows] of Object.entries(rec)) {
    if (tname.startsWith('_')) continue;
    const t = db.schema.tables.get(tname);
    if (!t || typeof rows !== 'object' || rows === null) continue;   // tables the schema dropped
    for (const [uuid, json] of Object.entries(rows as Record<string, unknown>)) {
      const old = db.tables.get(tname)!.rows.get(uuid);
      if (json === null) { db.unload(tname, uuid); continue; }
      const cols = json as Record<string, unknown>;
      if (isDiff && old) {
        const next: Record<string, Datum> = { ...old.columns };
        for (const [name, v] of Object.entries(cols)) {
          const c = t.columns.get(name);
          if (!c) continue;
          next[name] = isMulti(c) ? applyDiff(old.columns[name]!, datumFromJson(diffType(c), v)) : datumFromJson(c.type, v);
        }
        db.load(tname, { uuid, version: randomUUID(), columns: next });
      } else {
        db.load(tname, rowFromStored(t, uuid, randomUUID(), cols, old?.columns));
      }
    }
  }
}

export class FileStorage implements DbStorage {
  private sizeAfterCompaction: number;
  private compacting: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly db: Database, readonly file: string, private readonly writer: LogWriter, private readonly schemaRecord: object) {
    this.sizeAfterCompaction = writer.size;
  }

  get bytes(): number {
    return this.writer.size;
  }

  /** Appends the commit's record; resolves once it is on disk (batched with its neighbours into one sync). */
  write(commit: Commit): Promise<void> {
    if (this.closed) return Promise.reject(new StorageError(`${this.file}: storage is closed`));
    const record = commitToRecord(this.db, commit);
    // During a compaction the log file is being replaced: append after it, never to the old file.
    // (A record already covered by the snapshot is then written twice; replaying full values twice is harmless.)
    const done = this.compacting
      ? this.compacting.then(() => this.writer.appendBatch([record]))
      : this.writer.appendBatch([record]);
    if (this.shouldCompact()) void done.then(() => this.compact()).catch(() => undefined);
    return done;
  }

  shouldCompact(): boolean {
    const size = this.writer.size;
    return size >= COMPACT_MIN_BYTES && size >= COMPACT_GROWTH * this.sizeAfterCompaction;
  }

  /**
   * Rewrites the file as schema + snapshot. Everything appended before is
   * drained first; the snapshot is taken after, so it holds every commit.
   */
  compact(): Promise<void> {
    if (this.closed) return Promise.resolve();
    this.compacting ??= (async () => {
      try {
        await this.writer.drain();
        await this.writer.replace([this.schemaRecord, snapshotRecord(this.db)]);
        this.sizeAfterCompaction = this.writer.size;
      } finally {
        this.compacting = null;
      }
    })();
    return this.compacting;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    if (this.compacting) await this.compacting;
    this.closed = true;
    await this.writer.close();
  }
}

export interface OpenedDatabase { db: Database; storage: FileStorage; warnings: string[] }

/** Opens a database file: loads its final state, truncates a torn tail, and returns storage that appends to it. */
export async function openStoredDatabase(file: string): Promise<OpenedDatabase> {
  let scan;
  try {
    scan = readLog(file);
  } catch (e) {
    throw new StorageError((e as Error).message);
  }
  if (scan.records.length === 0) throw new StorageError(scan.error?.message ?? `${file}: not an OVSDB database file (no schema record)`);
  const schemaRecord = scan.records[0]!.json;
  const db = new Database(parseDatabaseSchema(schemaRecord));
  for (const r of scan.records.slice(1)) replay(db, r.json);
  const warnings: string[] = [];
  if (scan.warning) {
    warnings.push(scan.warning);
    warnings.push(`${file}: the damaged tail after offset ${scan.validEnd} will be discarded; every transaction before it is intact`);
  }
  // LogWriter cuts a torn tail before its first write, so appends continue a valid file.
  return { db, storage: new FileStorage(db, file, LogWriter.open(file, scan.validEnd), schemaRecord), warnings };
}
