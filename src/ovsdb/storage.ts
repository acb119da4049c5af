/**
 * Durable storage of one database in Open vSwitch's standalone file format,
 * so `ovsdb-tool` reads Weft's files and Weft opens files that
 * `ovsdb-tool create` (or a real ovsdb-server) wrote.
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
 * and automatically once the log has grown past 10 MB and 4x its size after
 * the previous compaction.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { createHash, randomUUID } from 'node:crypto';
import { parseDatabaseSchema, schemaToJson } from './schema.js';
import { Database, type Commit } from './database.js';
import type { DbStorage } from './server.js';
import { rowFromStored, changedColumns, type Row } from './row.js';
import { datumToJson, datumEquals, defaultDatum, datumFromJson, applyDiff, type Datum } from './datum.js';
import type { ColumnSchema, TableSchema } from './schema.js';

const MAGIC = 'OVSDB JSON ';
const CLUSTER_MAGIC = 'OVSDB CLUSTER ';
export const COMPACT_MIN_BYTES = 10 * 1024 * 1024;
export const COMPACT_GROWTH = 4;

export class StorageError extends Error {}

/** Frames one record: header line + JSON text + newline. */
export function frameRecord(json: unknown): Buffer {
  const body = Buffer.from(JSON.stringify(json) + '\n');
  const sha = createHash('sha1').update(body).digest('hex');
  return Buffer.concat([Buffer.from(`${MAGIC}${body.length} ${sha}\n`), body]);
}

export interface ReadResult {
  records: unknown[];
  /** Byte offset just past the last whole, valid record. */
  goodEnd: number;
  size: number;
  warning: string | null;
}

/** Reads every whole, valid record; stops at the first torn or corrupt one. */
export function readRecords(file: string): ReadResult {
  const buf = fs.readFileSync(file);
  if (buf.subarray(0, CLUSTER_MAGIC.length).toString() === CLUSTER_MAGIC) {
    throw new StorageError(`${file}: clustered database files are not supported (Weft serves standalone databases; convert with "ovsdb-tool cluster-to-standalone")`);
  }
  const records: unknown[] = [];
  let off = 0, warning: string | null = null;
  while (off < buf.length) {
    const nl = buf.indexOf(0x0a, off);
    const header = nl < 0 ? buf.subarray(off).toString('latin1') : buf.subarray(off, nl).toString('latin1');
    const m = /^OVSDB JSON (\d+) ([0-9a-f]{40})$/.exec(header);
    if (nl < 0 || !m) { warning = `${file}: ${nl < 0 ? 'truncated' : 'bad'} record header at offset ${off}`; break; }
    const len = Number(m[1]);
    const body = buf.subarray(nl + 1, nl + 1 + len);
    if (body.length < len) { warning = `${file}: record at offset ${off} is truncated (${body.length} of ${len} bytes)`; break; }
    if (createHash('sha1').update(body).digest('hex') !== m[2]) { warning = `${file}: record at offset ${off} has a bad SHA-1 checksum`; break; }
    try {
      records.push(JSON.parse(body.toString('utf8')));
    } catch (e) {
      warning = `${file}: record at offset ${off} is not valid JSON (${(e as Error).message})`;
      break;
    }
    off = nl + 1 + len;
  }
  if (warning && off < buf.length) warning += `; ignoring the ${buf.length - off} bytes from offset ${off} on`;
  return { records, goodEnd: off, size: buf.length, warning };
}

/** Creates a new database file holding only the schema (refuses to overwrite). */
export function createDatabaseFile(file: string, schemaJson: unknown): void {
  const schema = parseDatabaseSchema(schemaJson);
  const fd = fs.openSync(file, 'wx');
  try {
    fs.writeSync(fd, frameRecord(schemaToJson(schema)));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
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

/** The transaction record for a commit (full values; never a diff). */
export function commitToRecord(db: Database, c: Commit, now = Date.now()): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  for (const [tname, changes] of c.changes) {
    const t = db.schema.tables.get(tname)!;
    const rows: Record<string, unknown> = {};
    for (const [uuid, ch] of changes) {
      if (!ch.new) { rows[uuid] = null; continue; }
      if (!ch.old) { rows[uuid] = insertedColumns(t, ch.new); continue; }
      const cols: Record<string, unknown> = {};
      for (const name of changedColumns(t, ch.old, ch.new)) {
        const cs = t.columns.get(name)!;
        if (!cs.ephemeral) cols[name] = datumToJson(cs.type, ch.new.columns[name]!);
      }
      if (Object.keys(cols).length) rows[uuid] = cols;
    }
    if (Object.keys(rows).length) rec[tname] = rows;
  }
  if (c.comment !== null) rec._comment = c.comment;
  rec._date = now;
  return rec;
}

function snapshotRecord(db: Database): Record<string, unknown> {
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
          const multi = !!c.type.value || c.type.max > 1;
          next[name] = multi ? applyDiff(old.columns[name]!, datumFromJson({ ...c.type, min: 0, max: Number.MAX_SAFE_INTEGER }, v)) : datumFromJson(c.type, v);
        }
        db.load(tname, { uuid, version: randomUUID(), columns: next });
      } else {
        db.load(tname, rowFromStored(t, uuid, randomUUID(), cols, old?.columns));
      }
    }
  }
}

interface Pending { buf: Buffer; resolve(): void; reject(e: Error): void }

export class FileStorage implements DbStorage {
  private fd: number;
  private size: number;
  private sizeAfterCompaction: number;
  private queue: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private compacting = false;
  private closed = false;

  constructor(private readonly db: Database, readonly file: string, size: number) {
    this.fd = fs.openSync(file, 'r+');
    this.size = size;
    this.sizeAfterCompaction = size;
  }

  get bytes(): number {
    return this.size;
  }

  write(commit: Commit): Promise<void> {
    if (this.closed) return Promise.reject(new StorageError(`${this.file}: storage is closed`));
    const buf = frameRecord(commitToRecord(this.db, commit));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ buf, resolve, reject });
      if (!this.flushing) this.flushing = new Promise((r) => setImmediate(r)).then(() => this.flushLoop());
    });
  }

  /** Writes everything queued, one writev + one fdatasync per batch, until the queue is empty. */
  private async flushLoop(): Promise<void> {
    try {
      while (this.queue.length) {
        const batch = this.queue;
        this.queue = [];
        try {
          const bufs = batch.map((p) => p.buf);
          await writevAt(this.fd, bufs, this.size);
          await new Promise<void>((res, rej) => fs.fdatasync(this.fd, (e) => (e ? rej(e) : res())));
          this.size += bufs.reduce((n, b) => n + b.length, 0);
          for (const p of batch) p.resolve();
        } catch (e) {
          for (const p of batch) p.reject(e as Error);
          throw e;
        }
      }
    } finally {
      this.flushing = null;
    }
    if (this.shouldCompact()) void this.compact();
  }

  shouldCompact(): boolean {
    return this.size >= COMPACT_MIN_BYTES && this.size >= COMPACT_GROWTH * this.sizeAfterCompaction;
  }

  /**
   * Rewrites the file as schema + snapshot. Queued records are committed in
   * memory already, so the snapshot includes them: they resolve with it.
   */
  async compact(): Promise<void> {
    if (this.compacting || this.closed) return;
    this.compacting = true;
    try {
      while (this.flushing) await this.flushing;
      const covered = this.queue;
      this.queue = [];
      const tmp = path.join(path.dirname(this.file), `.${path.basename(this.file)}.tmp~`);
      const fd = fs.openSync(tmp, 'w');
      try {
        const data = Buffer.concat([frameRecord(schemaToJson(this.db.schema)), frameRecord(snapshotRecord(this.db))]);
        fs.writeSync(fd, data);
        fs.fsyncSync(fd);
        fs.closeSync(fd);
        fs.renameSync(tmp, this.file);
        syncDir(path.dirname(this.file));
        fs.closeSync(this.fd);
        this.fd = fs.openSync(this.file, 'r+');
        this.size = this.sizeAfterCompaction = data.length;
        for (const p of covered) p.resolve();
      } catch (e) {
        try { fs.unlinkSync(tmp); } catch { /* not created */ }
        this.queue = covered.concat(this.queue);
        throw e;
      }
    } finally {
      this.compacting = false;
    }
  }

  async close(): Promise<void> {
    while (this.flushing) await this.flushing;
    if (!this.closed) { this.closed = true; fs.closeSync(this.fd); }
  }
}

function writevAt(fd: number, bufs: Buffer[], position: number): Promise<void> {
  return new Promise((resolve, reject) => {
    fs.writev(fd, bufs, position, (err, written) => {
      if (err) return reject(err);
      const total = bufs.reduce((n, b) => n + b.length, 0);
      if (written === total) return resolve();
      // Short write: finish the rest synchronously (rare; keeps ordering simple).
      try {
        const rest = Buffer.concat(bufs).subarray(written);
        fs.writeSync(fd, rest, 0, rest.length, position + written);
        resolve();
      } catch (e) { reject(e as Error); }
    });
  });
}

function syncDir(dir: string): void {
  try {
    const fd = fs.openSync(dir, 'r');
    try { fs.fsyncSync(fd); } finally { fs.closeSync(fd); }
  } catch { /* some filesystems refuse directory fsync; the rename is still atomic */ }
}

export interface OpenedDatabase { db: Database; storage: FileStorage; warnings: string[] }

/** Opens a database file: loads its final state, truncates a torn tail, and returns storage that appends to it. */
export async function openStoredDatabase(file: string): Promise<OpenedDatabase> {
  const { records, goodEnd, size, warning } = readRecords(file);
  if (records.length === 0) throw new StorageError(`${file}: not an OVSDB database file (no schema record)`);
  const db = new Database(parseDatabaseSchema(records[0]));
  for (const rec of records.slice(1)) {
    if (typeof rec === 'object' && rec !== null && !Array.isArray(rec)) replay(db, rec as Record<string, unknown>);
  }
  const warnings: string[] = [];
  if (warning) {
    warnings.push(warning);
    if (goodEnd < size) {
      fs.truncateSync(file, goodEnd);
      warnings.push(`${file}: truncated to ${goodEnd} bytes; every transaction before that offset is intact`);
    }
  }
  return { db, storage: new FileStorage(db, file, goodEnd), warnings };
}
