/**
 * JSON-RPC clients for load generators: a connected `Connection` (the
 * project's own, from src/jsonrpc) on a unix socket, and OVSDB's `transact`
 * with its two ways to fail told apart. A reply that is an RFC 7047 error
 * (the whole request refused) rejects; a transaction that ran but whose
 * results carry an `{"error": …}` object resolves with `ok: false` and the
 * first error, so a load generator can count failed transactions without
 * stopping.
 */
import * as net from 'node:net';
import { Connection, type ConnectionHandler } from '../../src/jsonrpc/connection.js';
import type { JsonValue } from '../../src/jsonrpc/message.js';

export async function connectUnix(socketPath: string, handler: ConnectionHandler = {}): Promise<Connection> {
  const sock = net.createConnection({ path: socketPath });
  await new Promise<void>((resolve, reject) => {
    sock.once('connect', () => { sock.off('error', reject); resolve(); });
    sock.once('error', reject);
  });
  return new Connection(sock, handler);
}

export interface TransactResult {
  readonly ok: boolean;
  readonly results: JsonValue[];
  /** The first `{"error": …}` among the results, as "error: details". */
  readonly error: string | null;
}

export async function transact(conn: Connection, db: string, ops: readonly JsonValue[]): Promise<TransactResult> {
  const r = await conn.request('transact', [db, ...ops]);
  const results = Array.isArray(r) ? r : [];
  for (const x of results) {
    if (x !== null && typeof x === 'object' && !Array.isArray(x) && typeof x.error === 'string') {
      return { ok: false, results, error: typeof x.details === 'string' ? `${x.error}: ${x.details}` : x.error };
    }
  }
  return { ok: true, results, error: null };
}

/** Like transact, but a failed transaction throws: for setup steps that must succeed. */
export async function transactOrThrow(conn: Connection, db: string, ops: readonly JsonValue[]): Promise<JsonValue[]> {
  const r = await transact(conn, db, ops);
  if (!r.ok) throw new Error(`transaction failed: ${r.error}`);
  return r.results;
}

/** The `uuid` of the i-th result of an insert, as a plain string. */
export function insertedUuid(results: readonly JsonValue[], i: number): string {
  const r = results[i];
  const u = r !== null && typeof r === 'object' && !Array.isArray(r) ? r.uuid : undefined;
  if (!Array.isArray(u) || u[0] !== 'uuid' || typeof u[1] !== 'string') throw new Error(`result ${i} is not an insert result: ${JSON.stringify(r)}`);
  return u[1];
}
