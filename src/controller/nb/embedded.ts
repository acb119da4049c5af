/**
 * The embedded northbound store: Weft's OVSDB engine in this process over
 * DIR/ovnnb.db (OVN_Northbound, standalone file format, so `ovsdb-tool`
 * reads it), also served to other clients on `punix:DIR/ovnnb_db.sock` (and
 * any `--nb-listen=` remotes) so that `ovn-nbctl --db=unix:…`, a second
 * controller or the compiler see the same database live.
 *
 * Transactions run synchronously against the in-process `Database`; the
 * mirror is the database's own tables, so a commit is visible at once. The
 * OVSDB server registered as commit listener first, so by the time
 * `transact` returns, the commit is queued to storage and `durable` is its
 * write+sync promise.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { OvsdbServer, type ServerLog } from '../../ovsdb/server.js';
import { openStoredDatabase, createDatabaseFile } from '../../ovsdb/storage.js';
import type { Database } from '../../ovsdb/database.js';
import type { NbRow, NbStore, RowChange, TxnReply } from './store.js';

export interface EmbeddedOptions {
  /** Directory holding ovnnb.db (created if missing). */
  readonly dir: string;
  /** Passive remotes to serve the database on; default `punix:DIR/ovnnb_db.sock`. An empty list serves none. */
  readonly listen?: readonly string[];
  /** The OVN_Northbound schema file; default the package's schemas/ovn-nb.ovsschema. */
  readonly schemaFile?: string;
  readonly log?: ServerLog;
}

export const NB_DB_FILE = 'ovnnb.db';
export const NB_SOCKET = 'ovnnb_db.sock';

/** The package's copy of OVN's northbound schema (dist/src/controller/nb -> package root). */
export function defaultSchemaFile(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../../..', '../../..']) {
    const f = path.resolve(here, up, 'schemas/ovn-nb.ovsschema');
    if (fs.existsSync(f)) return f;
  }
  return path.resolve(here, '../../../../schemas/ovn-nb.ovsschema');
}

const quiet: ServerLog = { info: () => undefined, warn: () => undefined, error: (m) => process.stderr.write(`ovsdb|ERR|${m}\n`) };

export class EmbeddedStore implements NbStore {
  readonly description: string;
  private readonly listeners = new Set<(c: readonly RowChange[]) => void>();
  private readonly waiters = new Set<() => void>();
  private closed = false;

  private constructor(readonly db: Database, readonly server: OvsdbServer, file: string) {
    this.description = `embedded ${file}`;
    db.onCommit((commit) => {
      const changes: RowChange[] = [];
      for (const [table, rows] of commit.changes) {
        for (const [uuid, ch] of rows) changes.push({ table, uuid, old: ch.old, new: ch.new });
      }
      for (const l of this.listeners) l(changes);
      for (const w of [...this.waiters]) w();
    });
  }

  static async open(opts: EmbeddedOptions): Promise<EmbeddedStore> {
    fs.mkdirSync(opts.dir, { recursive: true });
    const file = path.join(opts.dir, NB_DB_FILE);
    if (!fs.existsSync(file)) {
      const schema = JSON.parse(fs.readFileSync(opts.schemaFile ?? defaultSchemaFile(), 'utf8')) as unknown;
      createDatabaseFile(file, schema);
    }
    const log = opts.log ?? quiet;
    const { db, storage, warnings } = await openStoredDatabase(file);
    for (const w of warnings) log.warn(w);
    if (db.name !== 'OVN_Northbound') throw new Error(`${file}: holds database ${db.name}, not OVN_Northbound`);
    const server = new OvsdbServer(log);
    server.addDatabase(db, storage);
    const store = new EmbeddedStore(db, server, file);
    const remotes = opts.listen ?? [`punix:${path.join(opts.dir, NB_SOCKET)}`];
    for (const r of remotes) {
      if (r.startsWith('punix:')) { try { fs.unlinkSync(r.slice(6)); } catch { /* not there */ } }
      await server.addRemote(r);
    }
    return store;
  }

  table(name: string): ReadonlyMap<string, NbRow> {
    return this.db.tables.get(name)?.rows ?? new Map();
  }

  onChange(fn: (changes: readonly RowChange[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  transact(ops: readonly unknown[]): Promise<TxnReply> {
    const { outcome } = this.db.transact([...ops], { ownsLock: () => false, elapsedMs: 0 });
    // Waits carry timeout 0, so a transaction never blocks; report it as the wait's failure if it did.
    const results = outcome.kind === 'done' ? outcome.results : [{ error: 'timed out', details: 'wait would block' }];
    return Promise.resolve({ results, durable: this.settled() });
  }

  settled(): Promise<void> {
    return this.server.dbs.get(this.db.name)?.durable ?? Promise.resolve();
  }

  nextChange(timeoutMs: number): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => { clearTimeout(t); this.waiters.delete(done); resolve(); };
      const t = setTimeout(done, timeoutMs);
      this.waiters.add(done);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.server.close();
  }
}
