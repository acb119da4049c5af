/**
 * The IDL contract suite, run against every server a Weft client must work
 * with: Weft's own server in-process, the real ovsdb-server on a standalone
 * database, and the real ovsdb-server on a one-server clustered database
 * (the configuration in which ovsdb-server keeps transaction history, so
 * monitor_cond_since can resume). Each test builds its own data, so tests
 * are independent; each is bounded to a few seconds.
 */
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { OvsdbServer } from '../../src/ovsdb/server.js';
import { openStoredDatabase } from '../../src/ovsdb/storage.js';
import { Connection } from '../../src/jsonrpc/connection.js';
import { listen, parseActive, connect, type PassiveRemote } from '../../src/jsonrpc/stream.js';
import { datumToJson } from '../../src/ovsdb/datum.js';
import { Idl, type TableSpec } from '../../src/ovsdb/client/idl.js';
import type { ChangeSet } from '../../src/ovsdb/client/replica.js';
import { str, int, set, map, ref, refs } from '../../src/ovsdb/client/row.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const SCHEMA = path.join(root, 'test/acceptance/ovs/lib/harness.ovsschema');
const TABLES = { Simple: 'all', Owner: ['name', 'items', 'peers'], Item: ['label'], Peer: 'all' } as const satisfies TableSpec;
const quiet = { info: () => undefined, warn: () => undefined, error: () => undefined };
const T = { timeout: 8000 };

interface Backend {
  readonly name: string;
  readonly remote: string;
  /**
   * When monitor_cond_since finds our last transaction: 'history' (the server keeps
   * recent transactions and sends what we missed), 'unchanged' (only when nothing was
   * committed meanwhile), or 'never' (no history at all).
   */
  readonly resumes: 'history' | 'unchanged' | 'never';
  /** Can the database be edited while the server is down (standalone file)? */
  readonly offlineEdits: boolean;
  /** Server defects a test is known to hit (the test then runs as a TODO, reported but not failing). */
  readonly knownBugs?: { readonly optionalDiff?: string };
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Applies a transaction to the stopped server's file. */
  editOffline(ops: unknown[]): Promise<void>;
}

const dirs: string[] = [];
after(() => { for (const d of dirs) fs.rmSync(d, { recursive: true, force: true }); });

function tmpdir(tag: string): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), `weft-idl-${tag}-`));
  dirs.push(d);
  return d;
}

async function until(cond: () => boolean, what: string, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

function weftBackend(): Backend {
  const dir = tmpdir('weft');
  const file = path.join(dir, 'db'), sock = path.join(dir, 'sock');
  execFileSync('ovsdb-tool', ['create', file, SCHEMA]);
  let server: OvsdbServer | null = null;
  return {
    name: 'weft ovsdb-server', remote: `unix:${sock}`, resumes: 'unchanged', offlineEdits: true,
    async start() {
      const { db, storage } = await openStoredDatabase(file);
      server = new OvsdbServer(quiet);
      server.addDatabase(db, storage);
      await server.addRemote(`punix:${sock}`);
    },
    async stop() { await server?.close(); server = null; },
    async editOffline(ops) {
      const { db, storage } = await openStoredDatabase(file);
      const s = new OvsdbServer(quiet);
      s.addDatabase(db, storage);
      const { outcome } = db.transact(ops, { ownsLock: () => false, elapsedMs: 0 });
      assert.equal(outcome.kind, 'done');
      await s.close();
    },
  };
}

function realBackend(clustered: boolean): Backend {
  const dir = tmpdir(clustered ? 'raft' : 'ovs');
  const file = path.join(dir, 'db'), sock = path.join(dir, 'sock');
  if (clustered) execFileSync('ovsdb-tool', ['create-cluster', file, SCHEMA, `unix:${path.join(dir, 'raft')}`]);
  else execFileSync('ovsdb-tool', ['create', file, SCHEMA]);
  let child: ChildProcess | null = null;
  return {
    name: clustered ? 'ovsdb-server (clustered)' : 'ovsdb-server', remote: `unix:${sock}`,
    resumes: clustered ? 'history' : 'never', offlineEdits: !clustered,
    async start() {
      fs.rmSync(sock, { force: true });
      child = spawn('ovsdb-server', [`--remote=punix:${sock}`, `--pidfile=${path.join(dir, 'pid')}`, '--no-chdir',
        `--unixctl=${path.join(dir, 'ctl')}`, `--log-file=${path.join(dir, 'log')}`, file], { stdio: 'ignore' });
      await until(() => fs.existsSync(sock), 'ovsdb-server socket');
    },
    async stop() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null) return;
      const gone = new Promise((r) => c.once('exit', r));
      c.kill('SIGTERM');
      await gone;
    },
    async editOffline(ops) {
      execFileSync('ovsdb-tool', ['transact', file, JSON.stringify(['Harness', ...ops])]);
    },
  };
}

function newIdl(b: Backend, extra: { lock?: string } = {}): Idl<typeof TABLES> {
  return new Idl({ remote: b.remote, database: 'Harness', tables: TABLES, probeIntervalMs: 0, ...extra });
}

/** The replica's contents in wire form, keyed and sorted, for comparing two replicas. */
function snapshot(idl: Idl<typeof TABLES>): string {
  const out: Record<string, Record<string, unknown>> = {};
  for (const t of Object.keys(TABLES) as (keyof typeof TABLES)[]) {
    const ts = idl.schema!.tables.get(t)!;
    const rows: Record<string, unknown> = {};
    for (const r of idl.rows(t).sort((a, b) => a.uuid.localeCompare(b.uuid))) {
      rows[r.uuid] = Object.fromEntries(Object.keys(r.columns).sort().map((c) => [c, datumToJson(ts.columns.get(c)!.type, r.get(c))]));
    }
    out[t] = rows;
  }
  return JSON.stringify(out);
}

/**
 * A JSON-RPC proxy that refuses some methods with "unknown method", as an
 * older server would, and passes everything else through.
 */
async function refusingProxy(upstream: string, refuse: readonly string[]): Promise<{ remote: string; close(): Promise<void> }> {
  const sock = path.join(tmpdir('proxy'), 'sock');
  const conns: Connection[] = [];
  const srv = await listen({ kind: 'punix', path: sock } as PassiveRemote, (s: net.Socket) => {
    const up = new Connection(connect(parseActive(upstream)));
    const down = new Connection(s);
    conns.push(up, down);
    up.setHandler({
      onNotification: (_c, n) => down.notify(n.method, n.params),
      onRequest: (_c, r) => { up.reply(r.id, r.params); },
      onClose: () => down.close(),
    });
    down.setHandler({
      onRequest: (_c, r) => {
        if (refuse.includes(r.method)) { down.replyError(r.id, 'unknown method'); return; }
        up.request(r.method, r.params).then((res) => down.reply(r.id, res), (e) => down.replyError(r.id, e.error ?? String(e)));
      },
      onClose: () => up.close(),
    });
  });
  return {
    remote: `unix:${sock}`,
    close: async () => { for (const c of conns) c.close(); await new Promise((r) => srv.close(r)); },
  };
}

for (const make of [weftBackend, () => realBackend(false), () => realBackend(true)]) {
  const b = make();
  describe(`IDL against ${b.name}`, () => {
    const idls: Idl<typeof TABLES>[] = [];
    const open = (extra: { lock?: string } = {}): Idl<typeof TABLES> => { const i = newIdl(b, extra); idls.push(i); return i; };
    before(() => b.start());
    after(async () => { for (const i of idls) i.close(); await b.stop(); });

    test('initial load, typed readers and references', T, async () => {
      const w = open();
      await w.ready(3000);
      const t = w.txn();
      const item = t.insert('Item', { label: 'it-1' });
      const peer = t.insert('Peer', { label: 'p-1' });
      const owner = t.insert('Owner', { name: 'load-owner', items: [item], peers: [peer] });
      t.insert('Simple', { name: 'load-simple', count: 7, ratio: 0.5, flag: true, color: 'red', tags: ['b', 'a'], attrs: { k: 'v', j: 'w' }, small: [3, 1] });
      const r = await t.commit();
      assert.equal(r.status, 'success', r.error);

      const idl = open();
      await idl.ready(3000);
      const s = idl.rows('Simple').find((x) => str(x, 'name') === 'load-simple')!;
      assert.ok(s);
      assert.equal(int(s, 'count'), 7);
      assert.equal(str(s, 'color'), 'red');
      assert.deepEqual(set(s, 'tags'), ['a', 'b']);
      assert.deepEqual([...map(s, 'attrs')], [['j', 'w'], ['k', 'v']]);
      assert.deepEqual(set<number>(s, 'small'), [1, 3]);
      assert.equal(str(s, 'frozen'), '', 'defaults fill columns the server omitted');
      const o = idl.row('Owner', r.insertedUuids.get(owner.uuidName)!)!;
      assert.deepEqual(refs(o, 'items').map((x) => str(x, 'label')), ['it-1']);
      assert.equal(str(ref(o, 'peers')!, 'label'), 'p-1');
      assert.deepEqual(idl.referrers(ref(o, 'items')!, 'Owner').map((x) => x.uuid), [o.uuid]);
    });

    test('updates made by another client reach the replica, with per-change callbacks', T, async () => {
      const w = open(), idl = open();
      await Promise.all([w.ready(3000), idl.ready(3000)]);
      const changes: ChangeSet[] = [];
      idl.onChange((c) => changes.push(c));
      const t = w.txn();
      const nr = t.insert('Simple', { name: 'upd', tags: ['x', 'y'], attrs: { a: '1', b: '2' } });
      const uuid = (await t.commit()).insertedUuids.get(nr.uuidName)!;
      await until(() => idl.row('Simple', uuid) !== undefined, 'insert');
      assert.equal(changes.at(-1)!.table('Simple').inserted[0]!.uuid, uuid);

      const row = w.row('Simple', uuid)!;
      assert.equal((await w.txn().update(row, { count: 2, tags: ['x', 'z'], attrs: { a: '1', b: '3', c: '4' } }).commit()).status, 'success');
      await until(() => int(idl.row('Simple', uuid)!, 'count') === 2, 'modify');
      const m = idl.row('Simple', uuid)!;
      assert.deepEqual(set(m, 'tags'), ['x', 'z']);
      assert.deepEqual(Object.fromEntries(map(m, 'attrs')), { a: '1', b: '3', c: '4' });
      const mod = changes.at(-1)!.table('Simple').modified[0]!;
      assert.deepEqual([...mod.columns].sort(), ['attrs', 'count', 'tags']);
      assert.equal(int(mod.old, 'count'), 0);

      assert.equal((await w.txn().mutate(w.row('Simple', uuid)!, 'attrs', 'delete', ['a']).commit()).status, 'success');
      await until(() => !map(idl.row('Simple', uuid)!, 'attrs').has('a'), 'map delete');

      assert.equal((await w.txn().delete(w.row('Simple', uuid)!).commit()).status, 'success');
      await until(() => idl.row('Simple', uuid) === undefined, 'delete');
      assert.equal(changes.at(-1)!.table('Simple').deleted[0]!.uuid, uuid);
    });

    test('optional (max 1) columns are replaced, not diffed', { ...T, todo: b.knownBugs?.optionalDiff }, async () => {
      const w = open(), idl = open();
      await Promise.all([w.ready(3000), idl.ready(3000)]);
      const t = w.txn();
      const nr = t.insert('Simple', { name: 'opt', color: 'red' });
      const uuid = (await t.commit()).insertedUuids.get(nr.uuidName)!;
      await until(() => idl.row('Simple', uuid) !== undefined, 'insert');
      for (const color of ['green', null, 'blue']) {
        assert.equal((await w.txn().update(w.row('Simple', uuid)!, { color }).commit()).status, 'success');
        await until(() => str(idl.row('Simple', uuid) ?? w.row('Simple', uuid)!, 'color') === (color ?? undefined), `color ${color}`, 1500);
        assert.equal(idl.status.connections, 1, 'no resync was needed');
      }
    });

    test('a commit is visible in the replica when commit() resolves', T, async () => {
      const idl = open();
      await idl.ready(3000);
      const t = idl.txn();
      const nr = t.insert('Simple', { name: 'own-write', count: 1 });
      const r = await t.commit();
      assert.equal(r.status, 'success');
      const row = idl.row('Simple', r.insertedUuids.get(nr.uuidName)!);
      assert.ok(row, 'inserted row already replicated');
      const seq = idl.seqno;
      assert.equal((await idl.txn().update(row, { count: 2 }).commit()).status, 'success');
      assert.equal(int(idl.row('Simple', row.uuid)!, 'count'), 2);
      assert.ok(idl.seqno > seq);
    });

    test('a failed verify gives try-again; recomputing after the change succeeds', T, async () => {
      const a = open(), other = open();
      await Promise.all([a.ready(3000), other.ready(3000)]);
      const t = a.txn();
      const nr = t.insert('Simple', { name: 'verify', count: 1 });
      const uuid = (await t.commit()).insertedUuids.get(nr.uuidName)!;
      const seen = a.row('Simple', uuid)!;           // what `a` read
      await until(() => other.row('Simple', uuid) !== undefined, 'row at the other client');
      const seq = a.seqno;
      assert.equal((await other.txn().update(other.row('Simple', uuid)!, { count: 5 }).commit()).status, 'success');
      const stale = await a.txn().verify(seen, ['count']).update(seen, { count: int(seen, 'count')! + 1 }).commit();
      assert.equal(stale.status, 'try-again');
      assert.match(stale.error ?? '', /timed out/);
      await a.waitForChange(seq, 2000);
      const now = a.row('Simple', uuid)!;
      const ok = await a.txn().verify(now, ['count']).update(now, { count: int(now, 'count')! + 1 }).commit();
      assert.equal(ok.status, 'success');
      assert.equal(int(a.row('Simple', uuid)!, 'count'), 6);
    });

    test('increment reads back the new value; an empty transaction is unchanged; errors carry the server words', T, async () => {
      const idl = open();
      await idl.ready(3000);
      const t = idl.txn();
      const nr = t.insert('Simple', { name: 'inc', count: 41 });
      const row = idl.row('Simple', (await t.commit()).insertedUuids.get(nr.uuidName)!)!;
      const r = await idl.txn().increment(row, 'count', { force: true }).comment('bump').commit();
      assert.equal(r.status, 'success');
      assert.equal(r.incrementValue, 42);
      assert.equal(int(idl.row('Simple', row.uuid)!, 'count'), 42);
      assert.equal((await idl.txn().increment(row, 'count').commit()).status, 'unchanged');
      assert.equal((await idl.txn().verify(row, ['count']).commit()).status, 'unchanged');
      const bad = await idl.txn().update(row, { count: 1000 }).commit();
      assert.equal(bad.status, 'error');
      assert.match(bad.error!, /^constraint violation/);
      assert.equal((await idl.txn().update(row, { nope: 1 }).commit()).status, 'error');
      const ab = idl.txn();
      ab.update(row, { count: 1 });
      ab.abort();
      assert.equal((await ab.commit()).status, 'aborted');
    });

    test('reconnect after a server restart: replica equals the database, changes reported', T, async () => {
      const idl = open();
      await idl.ready(3000);
      const t = idl.txn();
      const keep = t.insert('Simple', { name: 'rs-keep', count: 1 });
      const gone = t.insert('Simple', { name: 'rs-gone' });
      const r = await t.commit();
      const keepUuid = r.insertedUuids.get(keep.uuidName)!, goneUuid = r.insertedUuids.get(gone.uuidName)!;
      const before = idl.row('Simple', keepUuid);
      const changes: ChangeSet[] = [];
      idl.onChange((c) => changes.push(c));

      await b.stop();
      await until(() => !idl.isConnected, 'disconnect');
      assert.equal((await idl.txn().update(before!, { count: 9 }).commit()).status, 'try-again', 'fails fast while down');
      if (b.offlineEdits) {
        await b.editOffline([
          { op: 'update', table: 'Simple', where: [['_uuid', '==', ['uuid', keepUuid]]], row: { count: 2 } },
          { op: 'delete', table: 'Simple', where: [['_uuid', '==', ['uuid', goneUuid]]] },
          { op: 'insert', table: 'Simple', row: { name: 'rs-new' } }]);
      }
      await b.start();
      await idl.ready(3000);
      const fresh = open();
      await fresh.ready(3000);
      assert.equal(snapshot(idl), snapshot(fresh));
      if (b.offlineEdits) {
        assert.equal(int(idl.row('Simple', keepUuid)!, 'count'), 2);
        await until(() => changes.length > 0, 'change callback');
        const c = changes.at(-1)!.table('Simple');
        assert.ok(changes.at(-1)!.resync);
        assert.deepEqual(c.deleted.map((x) => x.uuid), [goneUuid]);
        assert.deepEqual(c.inserted.map((x) => str(x, 'name')), ['rs-new']);
        assert.deepEqual(c.modified.map((x) => [x.row.uuid, x.columns]), [[keepUuid, ['count']]]);
      }
    });

    test('monitor_cond_since after a reconnect to a server that kept running', T, async () => {
      const idl = open(), w = open();
      await Promise.all([idl.ready(3000), w.ready(3000)]);
      const t = w.txn();
      const nr = t.insert('Simple', { name: 'since', count: 1 });
      const uuid = (await t.commit()).insertedUuids.get(nr.uuidName)!;
      await until(() => idl.row('Simple', uuid) !== undefined, 'row');
      const n = idl.status.connections;
      idl.forceReconnect();
      assert.equal(idl.isConnected, false);
      assert.equal((await w.txn().update(w.row('Simple', uuid)!, { count: 3 }).commit()).status, 'success');
      await until(() => idl.isConnected && idl.status.connections === n + 1, 'reconnect');
      const load = idl.status.lastLoad!;
      assert.equal(load.method, 'monitor_cond_since');
      if (b.resumes === 'history') assert.ok(load.found && load.rows <= 1, `resumed with ${load.rows} rows`);
      if (b.resumes === 'never') assert.equal(load.found, false);
      await until(() => int(idl.row('Simple', uuid)!, 'count') === 3, 'missed change');
      if (b.resumes !== 'never') {
        const n2 = idl.status.connections;
        idl.forceReconnect();
        await until(() => idl.isConnected && idl.status.connections === n2 + 1, 'second reconnect');
        assert.deepEqual(idl.status.lastLoad, { method: 'monitor_cond_since', found: true, rows: 0 }, 'nothing transferred');
      }
    });

    test('falls back to monitor_cond, then monitor, when the server does not know the newer methods', T, async () => {
      for (const refuse of [['monitor_cond_since'], ['monitor_cond_since', 'monitor_cond']]) {
        const proxy = await refusingProxy(b.remote, refuse);
        const idl = new Idl({ remote: proxy.remote, database: 'Harness', tables: TABLES, probeIntervalMs: 0 });
        const w = open();
        try {
          await Promise.all([idl.ready(3000), w.ready(3000)]);
          assert.equal(idl.status.lastLoad!.method, refuse.length === 1 ? 'monitor_cond' : 'monitor');
          const t = idl.txn();
          const nr = t.insert('Simple', { name: `fb-${refuse.length}`, tags: ['a'], count: 1 });
          const uuid = (await t.commit()).insertedUuids.get(nr.uuidName)!;
          assert.ok(idl.row('Simple', uuid), 'own insert visible');
          await until(() => w.row('Simple', uuid) !== undefined, 'row at the writer');
          await w.txn().update(w.row('Simple', uuid)!, { tags: ['b', 'c'], count: 2 }).commit();
          await until(() => set(idl.row('Simple', uuid)!, 'tags').join() === 'b,c', 'modify via older update format');
          assert.equal(int(idl.row('Simple', uuid)!, 'count'), 2);
          assert.equal(snapshot(idl), snapshot(w));
        } finally {
          idl.close();
          await proxy.close();
        }
      }
    });

    test('a database the server does not have: state error, in the server\'s words', T, async () => {
      const idl = new Idl({ remote: b.remote, database: 'Nope', tables: { Simple: 'all' }, probeIntervalMs: 0 });
      try {
        await until(() => idl.state === 'error', 'error state');
        assert.match(idl.status.lastError, /unknown database/);
        const t = idl.txn();
        t.insert('Simple');
        assert.equal((await t.commit()).status, 'try-again');
      } finally {
        idl.close();
      }
    });

    test('locks: contended, handed over when the owner disconnects, asserted by transactions', T, async () => {
      const a = open({ lock: 'weft_test_lock' });
      await a.ready(3000);
      await until(() => a.hasLock, 'a locked');
      const c = open({ lock: 'weft_test_lock' });
      await c.ready(3000);
      await until(() => c.isLockContended, 'c contended');
      assert.equal(c.hasLock, false);
      const t = c.txn();
      t.insert('Peer', { label: 'lock-test' });
      assert.equal((await t.commit()).status, 'not-locked', 'refused without sending');
      const seq = c.seqno;
      a.close();
      await c.waitForChange(seq, 3000);
      await until(() => c.hasLock, 'c locked after a disconnected');
      const t2 = c.txn().assertLock();
      t2.insert('Peer', { label: 'lock-test' });
      assert.equal((await t2.commit()).status, 'success');
      c.lock(null);
      assert.equal(c.hasLock, false);
      c.lock('weft_test_lock');
      await until(() => c.hasLock, 'relock');
    });
  });
}

test('IDL without a server: commits fail fast, waiters time out or end with close()', { timeout: 3000 }, async () => {
  const idl = new Idl({ remote: `unix:${path.join(tmpdir('none'), 'sock')}`, database: 'Harness', tables: TABLES });
  try {
    assert.equal(idl.state, 'connecting');
    assert.deepEqual(idl.rows('Simple'), []);
    assert.equal(idl.table('Simple').size, 0);
    const t = idl.txn();
    t.insert('Simple', { name: 'x' });
    assert.equal((await t.commit()).status, 'try-again');
    await assert.rejects(idl.waitForChange(undefined, 30), /timed out after 30 ms/);
    assert.throws(() => idl.lock('bad-name'), /not an <id>/);
    const pending = idl.ready();
    idl.close();
    await assert.rejects(pending, /IDL closed/);
    await assert.rejects(idl.ready(), /IDL closed/);
  } finally {
    idl.close();
  }
});
