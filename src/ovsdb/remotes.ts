/**
 * The server's remotes, as `--remote` and `ovsdb-server/add-remote` name
 * them: passive stream names (`punix:PATH`, `ptcp:PORT[:IP]`) and
 * `db:DB,TABLE,COLUMN`, which stands for whatever passive names that column
 * holds in the database at the moment — directly (a string column), or
 * through the `target` column of the rows it references (the
 * `Open_vSwitch.manager_options` → `Manager.target` convention).
 *
 * The set of listeners is reconciled against the configured names after
 * every commit to a database that a `db:` remote reads, so
 * `ovs-vsctl set-manager ptcp:6640` takes effect without a restart.
 */
import type * as net from 'node:net';
import * as fs from 'node:fs';
import { parsePassive, type PassiveRemote } from '../jsonrpc/stream.js';
import type { Database } from './database.js';
import type { ServerLog } from './server.js';

export interface RemoteHost {
  listen(r: PassiveRemote): Promise<net.Server>;
  readDb(name: string): Database | undefined;
  log: ServerLog;
}

export class RemoteSet {
  private readonly configured: string[] = [];
  private readonly listeners = new Map<string, net.Server>();   // passive name -> server
  private reconciling: Promise<void> = Promise.resolve();

  constructor(private readonly host: RemoteHost) {}

  list(): string[] {
    return [...this.configured].sort();
  }

  /** Adds a configured remote; a direct passive name must be usable now (errors propagate). */
  async add(name: string): Promise<void> {
    if (!name.startsWith('db:')) parsePassive(name);
    else parseDbRemote(name);
    if (!this.configured.includes(name)) this.configured.push(name);
    await this.reconcile();
  }

  async remove(name: string): Promise<boolean> {
    const i = this.configured.indexOf(name);
    if (i < 0) return false;
    this.configured.splice(i, 1);
    await this.reconcile();
    return true;
  }

  onCommit(dbName: string): void {
    if (this.configured.some((n) => n.startsWith(`db:${dbName},`))) void this.reconcile();
  }

  /** The passive names currently wanted, after expanding db: remotes. */
  wanted(): string[] {
    const out = new Set<string>();
    for (const name of this.configured) {
      if (!name.startsWith('db:')) { out.add(name); continue; }
      for (const t of this.readDbTargets(name)) {
        if (t.startsWith('punix:') || t.startsWith('ptcp:')) out.add(t);
      }
    }
    return [...out];
  }

  private readDbTargets(name: string): string[] {
    const { db: dbName, table, column } = parseDbRemote(name);
    const db = this.host.readDb(dbName);
    const t = db?.tables.get(table);
    const col = t?.schema.columns.get(column);
    if (!db || !t || !col) return [];
    const out: string[] = [];
    for (const row of t.rows.values()) {
      const d = row.columns[column]!;
      if (col.type.key.type === 'string') out.push(...(d.keys as string[]));
      else if (col.type.key.refTable) {
        const rt = db.tables.get(col.type.key.refTable);
        for (const u of d.keys as string[]) {
          const target = rt?.rows.get(u)?.columns.target;
          if (target && target.keys.length === 1 && typeof target.keys[0] === 'string') out.push(target.keys[0]);
        }
      }
    }
    return out;
  }

  private reconcile(): Promise<void> {
    this.reconciling = this.reconciling.then(() => this.doReconcile());
    return this.reconciling;
  }

  private async doReconcile(): Promise<void> {
    const wanted = new Set(this.wanted());
    for (const [name, srv] of this.listeners) {
      if (!wanted.has(name)) {
        this.listeners.delete(name);
        srv.close();
        const r = parsePassive(name);
        if (r.kind === 'punix') { try { fs.unlinkSync(r.path); } catch { /* gone */ } }
        this.host.log.info(`${name}: stopped listening`);
      }
    }
    for (const name of wanted) {
      if (this.listeners.has(name)) continue;
      try {
        this.listeners.set(name, await this.host.listen(parsePassive(name)));
      } catch (e) {
        // A direct remote that cannot listen is fatal at start-up (the caller sees it via add());
        // one read from the database is only logged, as ovsdb-server does.
        if (!this.configured.includes(name)) this.host.log.error(`${name}: listen failed: ${(e as Error).message}`);
        else throw e;
      }
    }
  }

  async closeAll(): Promise<void> {
    this.configured.length = 0;
    await this.reconcile();
  }
}

export function parseDbRemote(name: string): { db: string; table: string; column: string } {
  const parts = name.slice(3).split(',');
  if (parts.length !== 3 || parts.some((p) => p === '')) throw new Error(`"${name}": invalid syntax (use db:DB,TABLE,COLUMN)`);
  return { db: parts[0]!, table: parts[1]!, column: parts[2]! };
}
