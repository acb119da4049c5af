/**
 * Weft's OVSDB client library: import from here.
 *
 *   const idl = new Idl({ remote: 'unix:/run/weft/db.sock', database: 'Open_vSwitch',
 *                         tables: { Bridge: ['name', 'ports'], Port: 'all' } });
 *   await idl.ready();
 *   for (const br of idl.rows('Bridge')) console.log(str(br, 'name'), refs(br, 'ports').length);
 *
 * See idl.ts for the design (connection life cycle, change tracking, reading
 * your own writes), txn.ts for transactions, session.ts for reconnection.
 */
export {
  Idl, type IdlOptions, type IdlStatus, type IdlLoad, type IdlState, type IdlEvents, type IdlLog,
  type MonitorMethod, type TableSpec, type ColumnsOf, type RowOf,
} from './idl.js';
export { ChangeSet, ReplicaError, type TableChanges, type RowModification } from './replica.js';
export { IdlRow, str, int, real, bool, uuid, set, map, ref, refs, refMap } from './row.js';
export {
  Transaction, NewRow, TxnBuildError,
  type CommitResult, type CommitStatus, type Value, type AtomValue, type ColumnValues, type Mutator, type TxnTarget,
} from './txn.js';
export { ReconnectingSession, NotConnectedError, RpcError, type SessionOptions, type SessionState, type SessionEvents } from './session.js';
