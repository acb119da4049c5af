/**
 * Binds a Database to its on-disk file: loads the file's final state into
 * the tables at open, and turns each Commit into one standalone-format
 * transaction record (only non-default columns of inserted rows, only the
 * changed columns of modified rows, null for deleted rows; ephemeral
 * columns never reach the disk, as in ovsdb-server).
 */
import * as fs from 'node:fs';
import { createHash, randomUUID } from 'node:crypto';
import { parseDatabaseSchema } from './schema.js';
import { Database, type Commit } from './database.js';
import type { DbStorage } from './server.js';
import { rowFromStored, changedColumns } from './row.js';
import { datumToJson, datumEquals, defaultDatum } from './datum.js';

export function commitToRecord(db: Database, c: Commit, now = Date.now()): Record<string, unknown> {
  const rec: Record<string, unknown> = {};
  for (const [tname, changes] of c.changes) {
    const t = db.schema.tables.get(tname)!;
    const rows: Record<string, unknown> = {};
    for (const [uuid, ch] of changes) {
      if (!ch.new) { rows[uuid] = null; continue; }
      const cols: Record<string, unknown> = {};
      const names = ch.old ? changedColumns(t, ch.old, ch.new) : [...t.columns.keys()];
      for (const name of names) {
        const cs = t.columns.get(name)!;
        if (cs.ephemeral) continue;
        const d = ch.new.columns[name]!;
        if (!ch.old && datumEquals(d, defaultDatum(cs.type))) continue;
        cols[name] = datumToJson(cs.type, d);
      }
      if (ch.old && Object.keys(cols).length === 0) continue;
      rows[uuid] = cols;
    }
    if (Object.keys(rows).length) rec[tname] = rows;
  }
  if (c.comment !== null) rec._comment = c.comment;
  rec._date = now;
  return rec;
}

// Temporary minimal reader/writer, replaced by src/ovsdb/file.ts.
function readRecords(file: string): unknown[] {
  const buf = fs.readFileSync(file);
  const out: unknown[] = [];
  let off = 0;
  while (off < buf.length) {
    const nl = buf.indexOf(0x0a, off);
    if (nl < 0) break;
    const m = /^OVSDB JSON (\d+) ([0-9a-f]{40})$/.exec(buf.subarray(off, nl).toString());
    if (!m) break;
    const len = Number(m[1]);
    const body = buf.subarray(nl + 1, nl + 1 + len);
    if (body.length < len || createHash('sha1').update(body).digest('hex') !== m[2]) break;
    out.push(JSON.parse(body.toString()));
    off = nl + 1 + len;
  }
  return out;
}

class SimpleFileStorage implements DbStorage {
  constructor(private readonly db: Database, private readonly fd: number) {}
  write(commit: Commit): Promise<void> {
    const body = JSON.stringify(commitToRecord(this.db, commit)) + '\n';
    const sha = createHash('sha1').update(body).digest('hex');
    fs.writeSync(this.fd, `OVSDB JSON ${Buffer.byteLength(body)} ${sha}\n${body}`);
    return Promise.resolve();
  }
  compact(): Promise<void> { return Promise.resolve(); }
  close(): Promise<void> { fs.closeSync(this.fd); return Promise.resolve(); }
}

export async function openStoredDatabase(file: string): Promise<{ db: Database; storage: DbStorage; warnings: string[] }> {
  const records = readRecords(file);
  const db = new Database(parseDatabaseSchema(records[0]));
  for (const rec of records.slice(1) as Record<string, unknown>[]) {
    for (const [tname, rows] of Object.entries(rec)) {
      const t = db.schema.tables.get(tname);
      if (!t || typeof rows !== 'object' || rows === null) continue;
      for (const [uuid, row] of Object.entries(rows as Record<string, unknown>)) {
        const table = db.tables.get(tname)!;
        if (row === null) { table.remove(uuid); continue; }
        const base = table.rows.get(uuid)?.columns;
        db.load(tname, rowFromStored(t, uuid, randomUUID(), row as Record<string, unknown>, base));
      }
    }
  }
  return { db, storage: new SimpleFileStorage(db, fs.openSync(file, 'a')), warnings: [] };
}
