/**
 * Robustness of the OVSDB server against hostile and sloppy clients, with
 * fast-check, in-process (one OvsdbServer on a unix socket, the Harness
 * schema of the acceptance suite, seeded with rows of every table).
 *
 * Whatever one session sends — random bytes, broken JSON, JSON that is not
 * JSON-RPC, operations with a wrong type in any field, unknown tables,
 * columns, operations, functions and mutators, huge strings and arrays,
 * nesting 100k deep, random but plausible transactions — these must hold:
 * - the server still answers `echo` on another connection;
 * - that session only ever receives well-formed JSON-RPC, and every error
 *   it is told about carries one of the protocol's error names (or the
 *   session is closed);
 * - a transaction that fails changes nothing: the committed state (rows and
 *   their `_version`s) is identical before and after, and a monitoring
 *   client receives no update for it;
 * - after any successful transaction the schema's invariants hold (unique
 *   names, maxRows, ranges and set sizes, no dangling strong or weak
 *   references, no unreferenced non-root rows).
 *
 * Run counts are bounded so the file runs in a few seconds; FUZZ_RUNS=N
 * scales them, FUZZ_SEED=S replays a failure.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import fc from 'fast-check';
import { OvsdbServer, parsePassive } from '../../src/ovsdb/server.js';
import { Database } from '../../src/ovsdb/database.js';
import { parseDatabaseSchema } from '../../src/ovsdb/schema.js';
import { datumToJson } from '../../src/ovsdb/datum.js';
import { RawRpcClient, type Json, type RpcReply } from '../helpers/ovsdb-rpc.js';
import { SCHEMAS } from '../helpers/ovsdb-server-process.js';

const SCALE = Number(process.env.FUZZ_RUNS ?? 1);
const runs = (n: number): fc.Parameters<unknown> => ({
  numRuns: Math.max(1, Math.round(n * SCALE)),
  ...(process.env.FUZZ_SEED ? { seed: Number(process.env.FUZZ_SEED) } : {}),
});

/** Error names a client may be told: RFC 7047's, plus those ovsdb-server adds (ovsdb-server(7)). */
const ERROR_NAMES = new Set([
  'syntax error', 'unknown column', 'unknown table', 'constraint violation', 'referential integrity violation',
  'resources exhausted', 'I/O error', 'duplicate uuid-name', 'domain error', 'range error', 'timed out',
  'not supported', 'aborted', 'not owner', 'unknown database', 'permission error', 'internal error',
  'unknown function', 'unknown mutator', 'duplicate uuid', 'not allowed', 'canceled', 'unknown method',
  'unknown monitor', 'ovsdb error',
]);

const DB = 'Harness';
let dir = '';
let sock = '';
let server: OvsdbServer;
let listener: net.Server;    // OvsdbServer.close() leaves listenOn()'s listeners open (see the last test)
let db: Database;
let probe: RawRpcClient;     // the separate connection that must keep answering echo
let watcher: RawRpcClient;   // a monitor of every table, to see what other clients see
const serverErrors: string[] = [];
let marker = 0;

before(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-fuzz-'));
  sock = path.join(dir, 'db.sock');
  server = new OvsdbServer({ info: () => undefined, warn: () => undefined, error: (m) => serverErrors.push(m) });
  db = new Database(parseDatabaseSchema(JSON.parse(fs.readFileSync(SCHEMAS.harness, 'utf8'))));
  server.addDatabase(db, null);
  listener = await server.listenOn(parsePassive(`punix:${sock}`));
  probe = await RawRpcClient.connect({ path: sock });
  watcher = await RawRpcClient.connect({ path: sock });
  const all = Object.fromEntries([...db.tables.keys()].map((t) => [t, [{}]]));
  const initial = await watcher.request('monitor_cond', [DB, 'watch', all]);
  assert.equal(initial.error, null);
  const seed = await probe.request('transact', [DB,
    { op: 'insert', table: 'Simple', row: { name: 'seed-a', count: 5, tags: ['set', ['t1', 't2']], attrs: ['map', [['k', 'v']]], small: 1, color: 'red' } },
    { op: 'insert', table: 'Simple', row: { name: 'seed-b', ratio: 2.5, flag: true } },
    { op: 'insert', table: 'Limited', row: { v: 1 } },
    { op: 'insert', table: 'Peer', 'uuid-name': 'p', row: { label: 'seed-peer' } },
    { op: 'insert', table: 'Item', 'uuid-name': 'i', row: { label: 'seed-item' } },
    { op: 'insert', table: 'Owner', row: { name: 'seed-owner', items: ['named-uuid', 'i'], peers: ['named-uuid', 'p'] } },
  ]);
  assert.ok((seed.result as { error?: string }[]).every((r) => !r.error), JSON.stringify(seed.result));
  await syncWatcher();
});

after(async () => {
  probe?.close();
  watcher?.close();
  await server?.close();
  await new Promise((r) => listener?.close(r));
  fs.rmSync(dir, { recursive: true, force: true });
});

// ----------------------------------------------------------------- oracles

/** The committed state, `_version`s included: a failed transaction must leave every byte of it. */
function snapshot(): string {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [name, t] of db.tables) {
    const rows: Record<string, unknown> = {};
    for (const r of [...t.rows.values()].sort((a, b) => (a.uuid < b.uuid ? -1 : 1))) {
      rows[r.uuid] = [r.version, ...[...t.schema.columns.values()].map((c) => datumToJson(c.type, r.columns[c.name]!))];
    }
    out[name] = rows;
  }
  return JSON.stringify(out);
}

async function assertAlive(what: string): Promise<void> {
  const r = await probe.request('echo', ['alive', what.slice(0, 50)], 3000);
  assert.deepEqual(r.result, ['alive', what.slice(0, 50)], `echo after ${what}`);
  assert.deepEqual(serverErrors, [], `internal errors after ${what}`);
}

/** Null if `e` is a well-formed error (a name we know, optional string details), else a description. */
function badError(e: Json): string | null {
  if (typeof e === 'string') return ERROR_NAMES.has(e) ? null : `unknown error string ${JSON.stringify(e)}`;
  if (!e || typeof e !== 'object' || Array.isArray(e)) return `error is not an object: ${JSON.stringify(e)}`;
  if (typeof e.error !== 'string' || !ERROR_NAMES.has(e.error)) return `unknown error name: ${JSON.stringify(e)}`;
  if (e.details !== undefined && typeof e.details !== 'string') return `details not a string: ${JSON.stringify(e)}`;
  return null;
}

/** Null if `r` is a well-formed answer to a transact of `nOps` operations (RFC 7047 §4.1.3), else a description. */
function badTransactReply(r: RpcReply, nOps: number): string | null {
  if (r.error !== null) return r.result === null ? badError(r.error) : 'both result and error';
  if (!Array.isArray(r.result)) return `result is not an array: ${JSON.stringify(r.result)}`;
  const res = r.result;
  if (res.length !== nOps && res.length !== nOps + 1) return `${res.length} results for ${nOps} operations`;
  const firstError = res.findIndex((x) => x !== null && typeof x === 'object' && 'error' in x);
  for (const [i, x] of res.entries()) {
    if (firstError >= 0 && i > firstError && x !== null) return `result ${i} after the failed operation ${firstError} is not null`;
    if (x !== null && (typeof x !== 'object' || Array.isArray(x))) return `result ${i} is not an object: ${JSON.stringify(x)}`;
    if (x && 'error' in x && badError(x as Json)) return badError(x as Json);
  }
  if (res.length === nOps + 1 && firstError !== nOps) return 'an extra result that is not a commit error';
  if (firstError < 0 && res.some((x) => x === null)) return 'a null result in a successful transaction';
  return null;
}

function failed(r: RpcReply): boolean {
  return r.error !== null || (r.result as Json[]).some((x) => x !== null && typeof x === 'object' && 'error' in x);
}

/** Commits a marker change and waits for the watcher to see it; returns how many updates arrived before it. */
async function syncWatcher(): Promise<number> {
  const start = watcher.messages.length;
  const label = `marker-${++marker}`;
  const r = await probe.request('transact', [DB,
    { op: 'delete', table: 'Peer', where: [['label', '==', `marker-${marker - 1}`]] },
    { op: 'insert', table: 'Peer', row: { label } }]);
  assert.ok(!failed(r), `marker transaction: ${JSON.stringify(r)}`);
  const seen = await watcher.waitMessage((m) => watcher.messages.indexOf(m) >= start && JSON.stringify(m.params ?? null).includes(`"${label}"`), 3000);
  assert.ok(seen, `the watcher never saw ${label}`);
  const upto = watcher.messages.indexOf(seen);
  const updates = watcher.messages.slice(start, upto).filter((m) => m.method === 'update2');
  watcher.messages.splice(0, upto + 1);
  return updates.length;
}

/** Schema invariants of Harness that every committed state must satisfy. */
function checkInvariants(): string | null {
  const rows = (t: string): { uuid: string; columns: Record<string, { keys: readonly unknown[]; values: readonly unknown[] | null }> }[] =>
    [...db.tables.get(t)!.rows.values()] as never;
  const names = rows('Simple').map((r) => r.columns.name!.keys[0]);
  if (new Set(names).size !== names.length) return `duplicate Simple names: ${JSON.stringify(names)}`;
  if (rows('Limited').length > 2) return `Limited has ${rows('Limited').length} rows (maxRows 2)`;
  for (const r of rows('Simple')) {
    const count = r.columns.count!.keys[0] as number;
    if (count < 0 || count > 100) return `Simple.count ${count} out of range`;
    if (r.columns.small!.keys.length > 2) return 'Simple.small has more than 2 elements';
    const color = r.columns.color!.keys;
    if (color.length > 1 || (color.length === 1 && !['red', 'green', 'blue'].includes(color[0] as string))) return `Simple.color ${JSON.stringify(color)}`;
  }
  const items = new Set(rows('Item').map((r) => r.uuid)), peers = new Set(rows('Peer').map((r) => r.uuid));
  const referenced = new Set<string>();
  for (const o of rows('Owner')) {
    for (const k of o.columns.items!.keys) {
      const u = (k as string);
      if (!items.has(u)) return `Owner.items references missing Item ${u}`;
      referenced.add(u);
    }
    for (const k of o.columns.peers!.keys) if (!peers.has(k as string)) return `Owner.peers keeps a weak reference to deleted Peer ${String(k)}`;
  }
  for (const i of items) if (!referenced.has(i)) return `Item ${i} is unreferenced but was not garbage-collected`;
  return null;
}

/**
 * Sends one transaction on a fresh session and checks the reply's shape; a
 * wait that blocks is cancelled. Then: a failure changed nothing and the
 * watcher saw nothing of it; a success left a consistent database.
 */
async function checkTransaction(ops: Json[], label = 'transaction'): Promise<void> {
  const before = snapshot();
  const c = await RawRpcClient.connect({ path: sock });
  try {
    const id = 'fuzz';
    const pending = c.expectReply(id, 10_000);
    c.send(JSON.stringify({ id, method: 'transact', params: [DB, ...ops] }));
    const first = await Promise.race([pending, new Promise<null>((r) => setTimeout(() => r(null), 100))]);
    if (first === null) c.send(JSON.stringify({ id: null, method: 'cancel', params: [id] }));
    const reply = first ?? await pending;
    const bad = badTransactReply(reply, ops.length);
    assert.equal(bad, null, `${label}: malformed reply ${JSON.stringify(reply).slice(0, 500)} to ${JSON.stringify(ops).slice(0, 500)}`);
    assert.deepEqual(c.garbage, [], 'the server sent something that is not JSON');
    if (failed(reply)) {
      assert.equal(snapshot(), before, `${label}: a failed transaction changed the database: ${JSON.stringify(reply).slice(0, 300)}`);
      assert.equal(await syncWatcher(), 0, `${label}: a monitor saw an update from a failed transaction`);
    } else {
      assert.equal(checkInvariants(), null, `${label}: after ${JSON.stringify(ops).slice(0, 500)}`);
      assert.ok(await syncWatcher() <= 1, 'one transaction, at most one update');
    }
  } finally {
    c.close();
  }
  await assertAlive(label);
}

/** Sends raw bytes on a fresh session; whatever comes back must be well-formed, or the session closed. */
async function checkRawInput(data: string | Buffer, label: string): Promise<void> {
  const before = snapshot();
  const c = await RawRpcClient.connect({ path: sock });
  try {
    c.send(data);
    await c.waitClosed(15);
    assert.deepEqual(c.garbage, [], `${label}: the server sent something that is not JSON`);
    for (const m of c.messages) {
      const ok = (m.id !== undefined && ('result' in m || 'error' in m)) || typeof m.method === 'string';
      assert.ok(ok, `${label}: not a JSON-RPC message: ${JSON.stringify(m).slice(0, 300)}`);
      if (m.error !== undefined && m.error !== null) assert.equal(badError(m.error), null, `${label}: ${JSON.stringify(m).slice(0, 300)}`);
    }
  } finally {
    c.close();
  }
  await assertAlive(label);
  assert.equal(snapshot(), before, `${label}: garbage changed the database`);
}

// -------------------------------------------------------------- generators

const TABLES = ['Simple', 'Limited', 'Owner', 'Item', 'Peer'];
const COLUMNS: Record<string, string[]> = {
  Simple: ['name', 'count', 'ratio', 'flag', 'color', 'tags', 'attrs', 'small', 'frozen'],
  Limited: ['v'], Owner: ['name', 'items', 'peers'], Item: ['label'], Peer: ['label'],
};
const SEED_NAMES = ['seed-a', 'seed-b', 'x', 'y', ''];

const atom = fc.oneof(
  fc.constantFrom(...SEED_NAMES, 'red', 'green', 'blue', 'purple'),
  fc.integer({ min: -5, max: 105 }), fc.double({ noNaN: true, min: -1e6, max: 1e6 }), fc.boolean(),
  fc.constantFrom<Json>(['named-uuid', 'n1'], ['named-uuid', 'n2'], ['named-uuid', 'nope'], ['uuid', '00000000-0000-0000-0000-000000000001']),
);
const value: fc.Arbitrary<Json> = fc.oneof(
  { weight: 4, arbitrary: atom },
  { weight: 2, arbitrary: fc.array(atom, { maxLength: 4 }).map((a): Json => ['set', a]) },
  { weight: 2, arbitrary: fc.array(fc.tuple(atom, atom), { maxLength: 3 }).map((a): Json => ['map', a]) },
);
const table = fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...TABLES) }, { weight: 1, arbitrary: fc.constant('Nope') });
const columnOf = (t: string): fc.Arbitrary<string> =>
  fc.oneof({ weight: 9, arbitrary: fc.constantFrom(...(COLUMNS[t] ?? ['name'])) }, { weight: 1, arbitrary: fc.constantFrom('bogus', '_uuid', '_version') });
const rowOf = (t: string): fc.Arbitrary<Json> => fc.dictionary(columnOf(t), value, { maxKeys: 4 });
const fn = fc.oneof({ weight: 9, arbitrary: fc.constantFrom('==', '!=', '<', '<=', '>', '>=', 'includes', 'excludes') }, { weight: 1, arbitrary: fc.constantFrom('like', '') });
const mutator = fc.oneof({ weight: 9, arbitrary: fc.constantFrom('+=', '-=', '*=', '/=', '%=', 'insert', 'delete') }, { weight: 1, arbitrary: fc.constantFrom('frob', '^=') });
const whereOf = (t: string): fc.Arbitrary<Json> => fc.array(fc.tuple(columnOf(t), fn, value).map((c): Json => c), { maxLength: 2 });

/** One operation over the Harness schema: mostly plausible, sometimes wrong. */
const operation: fc.Arbitrary<Json> = table.chain((t) => fc.oneof(
  fc.record({ op: fc.constant('insert'), table: fc.constant(t), row: rowOf(t), 'uuid-name': fc.constantFrom('n1', 'n2') }),
  fc.record({ op: fc.constant('insert'), table: fc.constant(t), row: rowOf(t) }),
  fc.record({ op: fc.constant('select'), table: fc.constant(t), where: whereOf(t), columns: fc.array(columnOf(t), { maxLength: 2 }) }),
  fc.record({ op: fc.constant('update'), table: fc.constant(t), where: whereOf(t), row: rowOf(t) }),
  fc.record({ op: fc.constant('mutate'), table: fc.constant(t), where: whereOf(t), mutations: fc.array(fc.tuple(columnOf(t), mutator, value).map((m): Json => m), { maxLength: 2 }) }),
  fc.record({ op: fc.constant('delete'), table: fc.constant(t), where: whereOf(t) }),
  fc.record({ op: fc.constant('wait'), table: fc.constant(t), where: whereOf(t), columns: fc.array(columnOf(t), { maxLength: 1 }), until: fc.constantFrom('==', '!='), rows: fc.array(rowOf(t), { maxLength: 1 }), timeout: fc.constantFrom(0, 0, 10) }),
  fc.record({ op: fc.constantFrom('comment', 'commit', 'assert', 'abort', 'frobnicate'), comment: fc.string(), durable: fc.boolean(), lock: fc.constantFrom('l', 'mylock') }),
));

/** Replaces the value at one path of `v` (an operation) with `replacement`. */
function replaceAt(v: Json, pathIndex: number, replacement: Json): Json {
  const paths: (string | number)[][] = [];
  const walk = (x: Json, p: (string | number)[]): void => {
    paths.push(p);
    if (Array.isArray(x)) x.forEach((y, i) => walk(y, [...p, i]));
    else if (x && typeof x === 'object') for (const [k, y] of Object.entries(x)) walk(y, [...p, k]);
  };
  walk(v, []);
  const target = paths[1 + (pathIndex % Math.max(1, paths.length - 1))] ?? [];
  if (target.length === 0) return replacement;
  const copy = JSON.parse(JSON.stringify(v)) as Json;
  let cur = copy as Record<string | number, Json>;
  for (const k of target.slice(0, -1)) cur = cur[k] as Record<string | number, Json>;
  cur[target[target.length - 1]!] = replacement;
  return copy;
}

const anyJson: fc.Arbitrary<Json> = fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>;

// ------------------------------------------------------------------- tests

test('fuzz: random bytes and broken JSON get well-formed replies or a closed session', { timeout: 60_000 }, async () => {
  const valid = JSON.stringify({ id: 1, method: 'transact', params: [DB, { op: 'select', table: 'Simple', where: [] }] });
  const input = fc.oneof(
    fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)),
    fc.string({ maxLength: 200 }),
    fc.tuple(fc.nat(valid.length), fc.string({ maxLength: 3 }), fc.nat(5)).map(([i, s, drop]) => valid.slice(0, i) + s + valid.slice(i + drop)),
    anyJson.map((j) => JSON.stringify(j)),
    fc.record({ id: anyJson, method: fc.oneof(fc.constantFrom('transact', 'echo', 'monitor', 'monitor_cond', 'lock', 'get_schema', 'cancel', 'list_dbs', 'nope'), fc.string()), params: anyJson }).map((m) => JSON.stringify(m)),
    fc.record({ result: anyJson, error: anyJson, id: anyJson }).map((m) => JSON.stringify(m)),
  );
  await fc.assert(fc.asyncProperty(input, async (data) => { await checkRawInput(data, 'raw input'); }), runs(150));
});

test('fuzz: a wrong type in any field of an operation fails cleanly', { timeout: 60_000 }, async () => {
  await fc.assert(fc.asyncProperty(operation, fc.nat(), anyJson, async (op, i, junk) => {
    await checkTransaction([replaceAt(op, i, junk)], 'mistyped operation');
  }), runs(200));
});

test('fuzz: random plausible transactions keep the database consistent, and failures leave no trace', { timeout: 60_000 }, async () => {
  await fc.assert(fc.asyncProperty(fc.array(operation, { minLength: 1, maxLength: 6 }), async (ops) => {
    await checkTransaction(ops, 'random transaction');
  }), runs(300));
});

test('fuzz: unknown tables, columns, operations, functions, mutators and databases', { timeout: 30_000 }, async () => {
  const cases: Json[][] = [
    [{ op: 'insert', table: 'Nope', row: {} }], [{ op: 'select', table: 'Simple', where: [['bogus', '==', 1]] }],
    [{ op: 'update', table: 'Simple', where: [], row: { bogus: 1 } }], [{ op: 'frobnicate', table: 'Simple' }],
    [{ op: 'select', table: 'Simple', where: [['name', 'like', 'x']] }], [{ op: 'mutate', table: 'Simple', where: [], mutations: [['count', 'frob', 1]] }],
    [{ op: 'mutate', table: 'Simple', where: [], mutations: [['count', '/=', 0]] }], [{ op: 'mutate', table: 'Simple', where: [], mutations: [['count', '+=', 1e9]] }],
    [{ op: 'insert', table: 'Simple', row: { name: 'u' } }, { op: 'insert', table: 'Nope', row: {} }],
    [{ op: 'insert', table: 'Limited', row: {} }, { op: 'insert', table: 'Limited', row: {} }, { op: 'insert', table: 'Limited', row: {} }],
    [{ op: 'delete', table: 'Item', where: [] }], [{ op: 'insert', table: 'Owner', row: { items: ['uuid', '00000000-0000-0000-0000-000000000009'] } }],
    [{ op: 'insert', table: 'Simple', row: { name: 'seed-a' } }], [{ op: 'update', table: 'Simple', where: [], row: { frozen: 'changed' } }],
    [{ op: 'insert', table: 'Simple', row: { name: 'v' }, uuid: '0000' }], [null], [[]], ['insert'], [42],
  ];
  for (const ops of cases) await checkTransaction(ops, JSON.stringify(ops));
  const c = await RawRpcClient.connect({ path: sock });
  try {
    for (const [method, params] of [
      ['transact', ['Nope', { op: 'select', table: 'Simple', where: [] }]], ['transact', []], ['transact', [42]],
      ['get_schema', ['Nope']], ['get_schema', []], ['monitor', ['Nope', null, {}]], ['monitor', [DB, 'm', { Nope: {} }]],
      ['monitor', [DB, 'm2', { Simple: { columns: ['bogus'] } }]], ['monitor_cond', [DB, 'm3', { Simple: [{ where: [['name', 'like', 'x']] }] }]],
      ['monitor_cancel', ['never']], ['lock', []], ['lock', [42]], ['steal', [null]], ['unlock', ['a', 'b']], ['frobnicate', []],
      ['monitor_cond_change', ['never', 'x', {}]], ['cancel', ['never']],
    ] as [string, Json[]][]) {
      const id = `${method}-${JSON.stringify(params)}`;
      const p = c.expectReply(id, 2000).catch(() => null);
      c.send(JSON.stringify({ id, method, params }));
      const r = method === 'cancel' ? null : await p;   // cancel of nothing has no reply
      if (r === null) { if (method !== 'cancel') assert.ok(c.closed, `${method}: no reply and still open`); continue; }
      if (r.error !== null) assert.equal(badError(r.error), null, `${method} ${JSON.stringify(params)}: ${JSON.stringify(r.error)}`);
      else if (method === 'transact') assert.equal(badTransactReply(r, params.length - 1), null, JSON.stringify(r));
    }
    assert.deepEqual(c.garbage, []);
  } finally {
    c.close();
  }
  await assertAlive('unknown names');
});

test('fuzz: huge strings, sets and operation lists', { timeout: 60_000 }, async () => {
  const big = 'x'.repeat(4 * 1024 * 1024);
  await checkTransaction([{ op: 'insert', table: 'Simple', row: { name: big } }], '4 MB string');
  await checkTransaction([{ op: 'delete', table: 'Simple', where: [['name', '==', big]] }], 'delete the 4 MB row');
  const tags = Array.from({ length: 100_000 }, (_, i) => `tag-${i}`);
  await checkTransaction([{ op: 'insert', table: 'Simple', row: { name: 'many-tags', tags: ['set', tags] } }], '100k-element set');
  await checkTransaction([{ op: 'mutate', table: 'Simple', where: [['name', '==', 'many-tags']], mutations: [['tags', 'delete', ['set', tags.slice(0, 50_000)]]] }], 'delete 50k elements');
  await checkTransaction([{ op: 'delete', table: 'Simple', where: [['name', '==', 'many-tags']] }], 'delete the big row');
  await checkTransaction([{ op: 'insert', table: 'Simple', row: { name: 'too-small', small: ['set', [1, 2, 3, 4, 5]] } }], 'set over its max');
  await checkTransaction(Array.from({ length: 20_000 }, (_, i): Json => ({ op: 'comment', comment: `c${i}` })), '20k operations');
  await checkTransaction([...Array.from({ length: 2_000 }, (_, i): Json => ({ op: 'insert', table: 'Item', row: { label: `i${i}` } })), { op: 'abort' }], '2k inserts then abort');
  await checkRawInput(`{"id":1,"method":"echo","params":["${'y'.repeat(8 * 1024 * 1024)}"]}`, '8 MB echo');
  await checkRawInput(`{"id":1,"method":"transact","params":["${DB}","${'z'.repeat(70 * 1024 * 1024)}`, 'a 70 MB message (over any sane limit)');
});

test('fuzz: nesting 100k deep closes the session; nesting just under the limit gets an answer', { timeout: 60_000 }, async () => {
  const nest = (n: number, inner = '1'): string => '['.repeat(n) + inner + ']'.repeat(n);
  const objs = (n: number): string => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
  await checkRawInput(`{"id":1,"method":"transact","params":["${DB}",${nest(100_000)}]}`, '100k nested arrays in params');
  await checkRawInput(`{"id":1,"method":"echo","params":[${objs(100_000)}]}`, '100k nested objects');
  await checkRawInput(nest(100_000), '100k nested arrays at top level');
  await checkRawInput(`{"id":1,"method":"transact","params":["${DB}",{"op":"insert","table":"Simple","row":{"tags":${nest(100_000, '"x"')}}}]}`, '100k nested in a row value');
  for (const depth of [500, 990]) {
    await checkTransaction([{ op: 'insert', table: 'Simple', row: { name: 'deep', tags: JSON.parse(nest(depth, '"x"')) as Json } }], `${depth}-deep row value`);
    await checkTransaction([{ op: 'select', table: 'Simple', where: [['tags', 'includes', JSON.parse(nest(depth, '"x"')) as Json]] }], `${depth}-deep condition`);
    await checkTransaction([{ op: 'mutate', table: 'Simple', where: [], mutations: [['tags', 'insert', JSON.parse(nest(depth, '"x"')) as Json]] }], `${depth}-deep mutation`);
  }
});

test('fuzz: a failed transaction leaves no trace, for its own session and for monitors', { timeout: 30_000 }, async () => {
  // Each transaction changes several tables, then fails at its last step: at an operation, or at commit.
  const failing: Json[][] = [
    [{ op: 'insert', table: 'Simple', row: { name: 'ghost' } }, { op: 'update', table: 'Simple', where: [['name', '==', 'seed-a']], row: { count: 99 } }, { op: 'abort' }],
    [{ op: 'delete', table: 'Owner', where: [] }, { op: 'insert', table: 'Peer', row: { label: 'ghost' } }, { op: 'insert', table: 'Simple', row: { name: 'seed-b' } }],
    [{ op: 'mutate', table: 'Simple', where: [], mutations: [['tags', 'insert', ['set', ['ghost']]]] }, { op: 'insert', table: 'Owner', row: { items: ['uuid', '00000000-0000-0000-0000-000000000009'] } }],
    [{ op: 'delete', table: 'Peer', where: [] }, { op: 'insert', table: 'Limited', row: {} }, { op: 'insert', table: 'Limited', row: {} }],
    [{ op: 'insert', table: 'Item', row: { label: 'orphan' } }, { op: 'wait', table: 'Simple', where: [], columns: ['name'], until: '==', rows: [], timeout: 0 }],
  ];
  for (const ops of failing) await checkTransaction(ops, `failing ${JSON.stringify(ops).slice(0, 80)}`);
  // And the other session's view: a second client's select sees the state unchanged.
  const r = await probe.request('transact', [DB, { op: 'select', table: 'Simple', where: [['name', '==', 'ghost']] }]);
  assert.deepEqual(r.result, [{ rows: [] }]);
});

test('fuzz: one session flooding pipelined requests does not starve another', { timeout: 30_000 }, async () => {
  const flood = await RawRpcClient.connect({ path: sock });
  try {
    const msg = (i: number): string => JSON.stringify({ id: i, method: 'transact', params: [DB, { op: 'select', table: 'Simple', where: [] }] });
    flood.send(Array.from({ length: 5_000 }, (_, i) => msg(i)).join(''));
    const t0 = Date.now();
    await assertAlive('a flood of 5000 requests');
    assert.ok(Date.now() - t0 < 3000, 'echo answered while another session floods');
    await flood.waitMessage((m) => m.id === 4_999, 10_000);
  } finally {
    flood.close();
  }
});

test('fuzz: pipelined requests of different methods each get their answer', { timeout: 30_000 }, async () => {
  const c = await RawRpcClient.connect({ path: sock });
  try {
    const methods: [string, Json[]][] = [['echo', [1]], ['list_dbs', []], ['transact', [DB, { op: 'select', table: 'Limited', where: [] }]], ['get_schema', [DB]]];
    const waits: Promise<RpcReply>[] = [];
    for (let i = 0; i < 40; i++) {
      const [method, params] = methods[i % methods.length]!;
      waits.push(c.expectReply(i));
      c.send(JSON.stringify({ id: i, method, params }));
    }
    const replies = await Promise.all(waits);
    assert.ok(replies.every((r) => r.error === null), JSON.stringify(replies.filter((r) => r.error !== null)));
  } finally {
    c.close();
  }
});


test('server: close() stops listening on the remotes it opened with listenOn()', {
  timeout: 10_000,
}, async (t) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-close-'));
  const s = new OvsdbServer({ info: () => undefined, warn: () => undefined, error: () => undefined });
  const l = await s.listenOn(parsePassive(`punix:${path.join(d, 'sock')}`));
  t.after(() => { l.close(); fs.rmSync(d, { recursive: true, force: true }); });
  await s.close();
  const late = await RawRpcClient.connect({ path: path.join(d, 'sock') }, 1000).catch(() => null);
  late?.close();
  assert.equal(late, null, 'connecting after close() fails');
});
