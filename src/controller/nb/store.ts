/**
 * The northbound store as the controller sees it: a live, read-only mirror
 * of the OVN_Northbound tables, a stream of row changes, and `transact`.
 *
 * Two implementations share this contract (embedded.ts runs Weft's OVSDB
 * engine in-process over DIR/ovnnb.db; remote.ts follows an OVSDB server
 * over JSON-RPC), and the contract is what makes the controller correct
 * with either:
 *   - `onChange` listeners see every committed change, whoever made it (this
 *     controller, another controller, `ovn-nbctl`), in commit order;
 *   - when `transact` resolves, the mirror and every listener already
 *     reflect the transaction ("read your own writes");
 *   - `TxnReply.durable` resolves once the commit would survive a crash; a
 *     reply to an API client waits for it.
 * Rows are immutable: a changed row is a new object, so a row object can
 * key a cache.
 */
import type { Datum } from '../../ovsdb/datum.js';

export interface NbRow {
  readonly uuid: string;
  readonly columns: Readonly<Record<string, Datum>>;
}

export interface RowChange {
  readonly table: string;
  readonly uuid: string;
  readonly old: NbRow | null;
  readonly new: NbRow | null;
}

export interface TxnReply {
  /** One result per operation, plus a trailing error object for a commit-time failure (RFC 7047). */
  readonly results: readonly unknown[];
  readonly durable: Promise<void>;
}

export class StoreUnavailableError extends Error {}

export interface NbStore {
  /** "embedded DIR/ovnnb.db" or "unix:/path". */
  readonly description: string;
  table(name: string): ReadonlyMap<string, NbRow>;
  onChange(fn: (changes: readonly RowChange[]) => void): () => void;
  /** Runs one OVN_Northbound transaction; rejects with StoreUnavailableError when the store cannot be reached. */
  transact(ops: readonly unknown[]): Promise<TxnReply>;
  /** Resolves when everything committed so far is durable. */
  settled(): Promise<void>;
  /** Resolves at the next change to the mirror, or after `timeoutMs`. */
  nextChange(timeoutMs: number): Promise<void>;
  close(): Promise<void>;
}

/** The tables the controller reads. */
export const NB_TABLES = [
  'NB_Global', 'Logical_Switch', 'Logical_Switch_Port', 'DHCP_Options', 'Port_Group', 'ACL',
  'Logical_Router', 'Logical_Router_Port', 'NAT', 'Logical_Router_Static_Route',
] as const;
