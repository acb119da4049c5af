/**
 * The remote northbound store: follows an OVSDB server (Weft's, or
 * ovsdb-server) serving OVN_Northbound at `unix:PATH` or `tcp:IP:PORT`,
 * through the IDL (src/ovsdb/client), which keeps a replica current across
 * reconnections.
 *
 * Read-your-own-writes holds because the server sends a transaction's
 * monitor update before its reply on the same session, the IDL applies
 * updates synchronously as they arrive and hands the coalesced changes to
 * listeners in a microtask queued before the reply's continuation runs.
 *
 * While the connection is down, `transact` fails with
 * StoreUnavailableError (the API answers 503) rather than queueing: a
 * client retrying later is safer than a write applied after it gave up.
 */
import { Idl } from '../../ovsdb/client/idl.js';
import type { IdlRow } from '../../ovsdb/client/row.js';
import { RpcError } from '../../ovsdb/client/session.js';
import type { JsonValue } from '../../jsonrpc/message.js';
import { type NbRow, type NbStore, type RowChange, type TxnReply, NB_TABLES, StoreUnavailableError } from './store.js';

const TABLES = Object.fromEntries(NB_TABLES.map((t) => [t, 'all'])) as Record<(typeof NB_TABLES)[number], 'all'>;

export class RemoteStore implements NbStore {
  readonly description: string;
  private readonly idl: Idl<typeof TABLES>;
  private readonly listeners = new Set<(c: readonly RowChange[]) => void>();

  private constructor(remote: string) {
    this.description = remote;
    this.idl = new Idl({ remote, database: 'OVN_Northbound', tables: TABLES, probeIntervalMs: 5000, maxBackoffMs: 2000 });
    this.idl.onChange((cs) => {
      const changes: RowChange[] = [];
      for (const [table, tc] of cs.tables) {
        for (const r of tc.inserted) changes.push({ table, uuid: r.uuid, old: null, new: r });
        for (const m of tc.modified) changes.push({ table, uuid: m.row.uuid, old: m.old, new: m.row });
        for (const r of tc.deleted) changes.push({ table, uuid: r.uuid, old: r, new: null });
      }
      if (changes.length) for (const l of this.listeners) l(changes);
    });
  }

  /** Connects and waits for the first full load (or `timeoutMs`). */
  static async open(remote: string, timeoutMs = 10000): Promise<RemoteStore> {
    const s = new RemoteStore(remote);
    try {
      await s.idl.ready(timeoutMs);
    } catch (e) {
      s.idl.close();
      throw new StoreUnavailableError(`${remote}: OVN_Northbound not available (${(e as Error).message}; ${s.idl.status.lastError})`);
    }
    return s;
  }

  table(name: string): ReadonlyMap<string, NbRow> {
    return this.idl.table(name as (typeof NB_TABLES)[number]) as ReadonlyMap<string, IdlRow>;
  }

  onChange(fn: (changes: readonly RowChange[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  async transact(ops: readonly unknown[]): Promise<TxnReply> {
    if (!this.idl.isConnected) throw new StoreUnavailableError(`${this.description}: not connected (${this.idl.status.lastError || this.idl.state})`);
    try {
      const reply = await this.idl.session.request('transact', ['OVN_Northbound', ...(ops as JsonValue[])]);
      if (!Array.isArray(reply)) throw new StoreUnavailableError(`${this.description}: malformed transact reply`);
      return { results: reply, durable: Promise.resolve() };
    } catch (e) {
      if (e instanceof StoreUnavailableError) throw e;
      if (e instanceof RpcError) return { results: [{ error: typeof e.error === 'string' ? e.error : JSON.stringify(e.error) }], durable: Promise.resolve() };
      throw new StoreUnavailableError(`${this.description}: ${(e as Error).message}`);
    }
  }

  settled(): Promise<void> {
    return Promise.resolve();
  }

  async nextChange(timeoutMs: number): Promise<void> {
    try { await this.idl.waitForChange(undefined, timeoutMs); } catch { /* timed out */ }
  }

  close(): Promise<void> {
    this.idl.close();
    return Promise.resolve();
  }
}
