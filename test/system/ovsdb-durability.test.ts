/**
 * Durability of Weft's OVSDB server, judged from outside the way an
 * operator would: kill it, cut its file, hand its file to the real tools.
 *
 * 1. Crash: a writer pipelines acknowledged transactions (each inserts a
 *    row carrying its sequence number) and the server is SIGKILLed at a
 *    random moment; after a restart every acknowledged transaction is there,
 *    what is there is a prefix of what was sent (no holes), and the file
 *    takes further writes. The real ovsdb-server runs the same check once,
 *    as a control.
 * 2. Torn tail: a file (written by Weft's server, and one written by the real
 *    ovsdb-server) cut at every byte offset inside its last record opens —
 *    in-process, through the server's own loader — with exactly the state
 *    of every earlier transaction; a sample of cuts also goes through Weft's
 *    server process, which must serve that state, append after it, and leave
 *    a file the real ovsdb-tool reads to the end.
 * 3. Interop: the real ovsdb-tool and ovsdb-server read a file Weft's server
 *    wrote, and Weft's server reads (and appends to) one the real server
 *    wrote; the states compare exactly, uuids included.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import {
  SCHEMAS, skipUnlessTools, startOvsdbServer, makeTempDir, findTool, createDbFile, type OvsdbServerImpl, type OvsdbServerProcess,
} from '../helpers/ovsdb-server-process.js';
import { RawRpcClient, type Json } from '../helpers/ovsdb-rpc.js';
import { dumpDatabase, dumpOverRpc, canonicalDump, rowCounts, type DbDump } from '../helpers/ovsdb-dump.js';
import { openStoredDatabase } from '../../src/ovsdb/storage.js';

const skip = skipUnlessTools('ovsdb-server', 'ovsdb-tool');
const DB = 'Harness';

async function connect(s: OvsdbServerProcess): Promise<RawRpcClient> {
  return RawRpcClient.connect({ path: s.sockPath });
}

/** Runs one transaction and fails the test unless every operation succeeded. */
async function transact(c: RawRpcClient, ops: Json[], dbName = DB): Promise<Json[]> {
  const r = await c.request('transact', [dbName, ...ops]);
  assert.equal(r.error, null, `transaction error: ${JSON.stringify(r.error)}`);
  const results = r.result as Json[];
  const failed = results.find((x) => x && typeof x === 'object' && 'error' in (x as object));
  assert.equal(failed, undefined, `operation failed: ${JSON.stringify(results)} for ${JSON.stringify(ops)}`);
  return results;
}

async function dumpOf(s: OvsdbServerProcess, dbName = DB): Promise<DbDump> {
  const c = await connect(s);
  try { return await dumpOverRpc(c, dbName); } finally { c.close(); }
}

function ovsdbTool(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(findTool('ovsdb-tool')!, args, { encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// ------------------------------------------------------------------ crash

interface StreamResult { sent: number; acked: Set<number> }

/** Pipelines inserts (`window` in flight) until the server dies; SIGKILLs it after `killAfterMs`. */
async function streamUntilKilled(s: OvsdbServerProcess, killAfterMs: number, window = 16): Promise<StreamResult> {
  const c = await connect(s);
  const acked = new Set<number>();
  let next = 0;
  let dead = false;
  const killed = new Promise<void>((resolve) => setTimeout(() => resolve(s.kill()), killAfterMs));
  const worker = async (): Promise<void> => {
    while (!dead) {
      const seq = next++;
      try {
        const r = await c.request('transact', [DB, { op: 'insert', table: 'Simple', row: { name: `seq-${seq}`, count: seq % 101 } }], 10_000);
        const res = r.result as { uuid?: unknown }[] | null;
        if (r.error === null && res?.[0]?.uuid) acked.add(seq);
        else throw new Error(`transaction ${seq} failed: ${JSON.stringify(r)}`);
      } catch (e) {
        if (!c.closed) throw e;
        dead = true;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: window }, worker));
  } finally {
    await killed;
    c.close();
  }
  return { sent: next, acked };
}

async function crashRound(s: OvsdbServerProcess, round: number): Promise<string> {
  const before = Object.keys((await dumpOf(s)).Simple!).length;   // 0: each round ends with an empty table
  const killAfterMs = 40 + Math.floor(Math.random() * 400);
  const { sent, acked } = await streamUntilKilled(s, killAfterMs);
  assert.ok(!s.running, 'server was killed');
  await s.restart();
  const rows = (await dumpOf(s)).Simple!;
  const seqs = new Set(Object.values(rows).map((r) => String(r.name)).filter((n) => n.startsWith(`seq-`)).map((n) => Number(n.slice(4))));
  const what = `round ${round}: killed after ${killAfterMs} ms, ${acked.size} acknowledged of ${sent} sent, ${seqs.size} present`;
  assert.ok(acked.size > 0, `${what}: nothing was acknowledged before the kill`);
  const lost = [...acked].filter((q) => !seqs.has(q));
  assert.deepEqual(lost, [], `${what}: acknowledged transactions lost after SIGKILL`);
  const max = Math.max(...seqs);
  const holes = Array.from({ length: max + 1 }, (_, i) => i).filter((i) => !seqs.has(i));
  assert.deepEqual(holes, [], `${what}: a later transaction survived an earlier one`);
  assert.ok(max < sent, `${what}: rows that were never sent`);
  assert.equal(Object.keys(rows).length, before + seqs.size, `${what}: stray rows`);
  // The file must take writes after the crash, and keep them over a clean restart.
  const c = await connect(s);
  await transact(c, [{ op: 'delete', table: 'Simple', where: [['name', '==', 'seq-0']] }, { op: 'insert', table: 'Simple', row: { name: `after-${round}` } }]);
  c.close();
  await s.stop();
  await s.restart();
  const names = new Set(Object.values((await dumpOf(s)).Simple!).map((r) => r.name));
  assert.ok(names.has(`after-${round}`), `${what}: write after restart lost`);
  assert.ok(!names.has('seq-0'), `${what}: delete after restart lost`);
  // Clean slate for the next round: delete everything.
  const d = await connect(s);
  await transact(d, [{ op: 'delete', table: 'Simple', where: [] }]);
  d.close();
  return what;
}

for (const impl of ['weft', 'real'] as OvsdbServerImpl[]) {
  const rounds = impl === 'weft' ? 3 : 1;
  test(`durability (${impl}): acknowledged transactions survive SIGKILL mid-stream (${rounds} rounds)`, { skip, timeout: 60_000 }, async (t) => {
    const s = await startOvsdbServer(t, { impl, dbs: [{ schema: SCHEMAS.harness }] });
    for (let r = 0; r < rounds; r++) t.diagnostic(await crashRound(s, r));
    const check = ovsdbTool(['show-log', s.dbFiles[0]!]);
    assert.equal(check.status, 0, `ovsdb-tool show-log after the crashes: ${check.stderr}`);
  });
}

// -------------------------------------------------------------- torn tail

/** Transactions touching every column type, references, weak references, garbage collection and deletes. */
const HISTORY: Json[][] = [
  [{ op: 'insert', table: 'Simple', 'uuid-name': 'a', row: {
    name: 'alpha', count: 7, ratio: 0.25, flag: true, color: 'green', tags: ['set', ['x', 'y']],
    attrs: ['map', [['k1', 'v1'], ['k2', 'v2']]], small: ['set', [1, 2]], frozen: 'ice' } },
  { op: 'insert', table: 'Simple', row: { name: 'beta', attrs: ['map', [['only', 'one']]] } }],
  [{ op: 'mutate', table: 'Simple', where: [['name', '==', 'alpha']], mutations: [['tags', 'insert', ['set', ['z']]], ['attrs', 'delete', ['set', ['k1']]], ['count', '+=', 3]] },
    { op: 'update', table: 'Simple', where: [['name', '==', 'beta']], row: { ratio: -1.5e10, color: ['set', []] } }],
  [{ op: 'insert', table: 'Peer', 'uuid-name': 'p1', row: { label: 'peer one' } },
    { op: 'insert', table: 'Peer', 'uuid-name': 'p2', row: { label: 'peer two' } },
    { op: 'insert', table: 'Item', 'uuid-name': 'i1', row: { label: 'item one' } },
    { op: 'insert', table: 'Item', 'uuid-name': 'i2', row: { label: 'item "two" \\ ünïcödé' } },
    { op: 'insert', table: 'Owner', row: { name: 'o', items: ['set', [['named-uuid', 'i1'], ['named-uuid', 'i2']]], peers: ['set', [['named-uuid', 'p1'], ['named-uuid', 'p2']]] } },
    { op: 'comment', comment: 'owner with items and peers' }],
  [{ op: 'delete', table: 'Peer', where: [['label', '==', 'peer one']] }],
  [{ op: 'insert', table: 'Limited', row: { v: 1 } }, { op: 'insert', table: 'Limited', row: { v: 2 } }],
  // The last record: several tables at once, a garbage-collected Item, a delete.
  [{ op: 'mutate', table: 'Owner', where: [], mutations: [['items', 'delete', ['set', [['uuid', '00000000-0000-0000-0000-000000000000']]]]] },
    { op: 'update', table: 'Owner', where: [['name', '==', 'o']], row: { items: ['set', []] } },
    { op: 'delete', table: 'Simple', where: [['name', '==', 'beta']] },
    { op: 'update', table: 'Simple', where: [['name', '==', 'alpha']], row: { flag: false, small: ['set', []] } },
    { op: 'insert', table: 'Simple', row: { name: 'gamma', count: 100, tags: ['set', ['only']] } },
    { op: 'mutate', table: 'Limited', where: [['v', '==', 2]], mutations: [['v', '*=', 21]] }],
];

interface Written { file: string; dump: DbDump }

/** A database file holding HISTORY, written by one implementation's server; `dump` is the live state before the stop. */
async function writeHistory(t: { after(fn: () => unknown): void }, impl: OvsdbServerImpl, history = HISTORY): Promise<Written> {
  const s = await startOvsdbServer(t, { impl, dbs: [{ schema: SCHEMAS.harness }] });
  const c = await connect(s);
  for (const ops of history) await transact(c, ops);
  const dump = await dumpOverRpc(c, DB);
  c.close();
  await s.stop();
  const dir = makeTempDir('durability', t);
  const file = path.join(dir, `${impl}.db`);
  fs.copyFileSync(s.dbFiles[0]!, file);
  return { file, dump };
}

interface RecordSpan { start: number; headerEnd: number; end: number }

/** Splits a standalone OVSDB file into records (this test's own reader: header line, then <length> bytes). */
function recordSpans(buf: Buffer): RecordSpan[] {
  const out: RecordSpan[] = [];
  let off = 0;
  while (off < buf.length) {
    const nl = buf.indexOf(0x0a, off);
    const m = /^OVSDB JSON (\d+) [0-9a-f]{40}$/.exec(buf.subarray(off, nl).toString('latin1'));
    if (nl < 0 || !m) throw new Error(`bad record header at ${off}`);
    out.push({ start: off, headerEnd: nl + 1, end: nl + 1 + Number(m[1]) });
    off = nl + 1 + Number(m[1]);
  }
  return out;
}

/** Loads a copy of `bytes` through the server's own loader; returns the snapshot and warnings. */
async function loadInProcess(dir: string, bytes: Buffer): Promise<{ dump: DbDump; warnings: string[] }> {
  const f = path.join(dir, 'cut.db');
  fs.writeFileSync(f, bytes);
  const { db, storage, warnings } = await openStoredDatabase(f);
  try { return { dump: dumpDatabase(db), warnings }; } finally { await storage.close(); fs.rmSync(f); }
}

for (const impl of ['weft', 'real'] as OvsdbServerImpl[]) {
  test(`durability: a file written by ${impl === 'weft' ? "Weft's server" : 'ovsdb-server'}, cut at every byte of its last record, opens with every earlier transaction`, { skip, timeout: 60_000 }, async (t) => {
    const { file, dump: full } = await writeHistory(t, impl);
    const buf = fs.readFileSync(file);
    const spans = recordSpans(buf);
    assert.equal(spans.length, HISTORY.length + 1, 'one record per transaction after the schema');
    const last = spans[spans.length - 1]!;
    const dir = makeTempDir('cuts', t);
    // The whole file gives the live state; the file without its last record, the state before it.
    assert.equal(canonicalDump((await loadInProcess(dir, buf)).dump), canonicalDump(full), 'the whole file loads as the server had it');
    const prefix = (await loadInProcess(dir, buf.subarray(0, last.start))).dump;
    assert.notEqual(canonicalDump(prefix), canonicalDump(full), 'the last record changes the state');
    const expected = canonicalDump(prefix);
    const bad: string[] = [];
    for (let cut = last.start + 1; cut < last.end; cut++) {
      const { dump, warnings } = await loadInProcess(dir, buf.subarray(0, cut));
      const where = cut < last.headerEnd ? `header byte ${cut - last.start}` : `body byte ${cut - last.headerEnd}`;
      if (canonicalDump(dump) !== expected) bad.push(`cut at ${cut} (${where}): ${JSON.stringify(rowCounts(dump))}`);
      else if (warnings.length === 0) bad.push(`cut at ${cut} (${where}): no warning about the torn record`);
    }
    assert.deepEqual(bad, [], `${last.end - last.start - 1} cuts checked`);
    // Corruption that is not a truncation: a flipped body byte (bad SHA-1), a length pointing past the end.
    const flipped = Buffer.from(buf);
    flipped[last.headerEnd + 5] ^= 0x20;
    assert.equal(canonicalDump((await loadInProcess(dir, flipped)).dump), expected, 'bad checksum in the last record');
    const header = buf.subarray(last.start, last.headerEnd).toString('latin1').replace(/JSON (\d+)/, (_, n: string) => `JSON ${Number(n) + 1}`);
    const longer = Buffer.concat([buf.subarray(0, last.start), Buffer.from(header, 'latin1'), buf.subarray(last.headerEnd)]);
    assert.equal(canonicalDump((await loadInProcess(dir, longer)).dump), expected, 'length past the end of the file');
  });
}

test("durability: Weft's server on a torn file serves the earlier state, appends after it, and the real tools read the result", { skip, timeout: 60_000 }, async (t) => {
  const { file } = await writeHistory(t, 'weft');
  const buf = fs.readFileSync(file);
  const spans = recordSpans(buf);
  const last = spans[spans.length - 1]!;
  const dir = makeTempDir('torn', t);
  const prefixFile = path.join(dir, 'prefix.db');
  fs.writeFileSync(prefixFile, buf.subarray(0, last.start));
  const body = last.headerEnd;
  const cuts: [string, number][] = [
    ['first header byte', last.start + 1], ['header without its newline', body - 1], ['whole header, no body', body],
    ['first body byte', body + 1], ['half the body', Math.floor((body + last.end) / 2)], ['all but the final newline', last.end - 1],
  ];
  // The state to expect, as the real ovsdb-server serves the intact prefix.
  const ref = await startOvsdbServer(t, { impl: 'real', dbs: [{ file: prefixFile }] });
  const expected = canonicalDump(await dumpOf(ref));
  await ref.dispose();
  for (const [what, cut] of cuts) {
    const f = path.join(dir, `cut-${cut}.db`);
    fs.writeFileSync(f, buf.subarray(0, cut));
    const s = await startOvsdbServer(t, { impl: 'weft', dbs: [{ file: f }] });
    assert.equal(canonicalDump(await dumpOf(s)), expected, `${what}: Weft serves the state before the torn record`);
    const c = await connect(s);
    await transact(c, [{ op: 'insert', table: 'Simple', row: { name: `after-cut-${cut}` } }]);
    c.close();
    await s.stop();
    const show = ovsdbTool(['show-log', f]);
    assert.equal(show.status, 0, `${what}: ovsdb-tool show-log on the file Weft appended to: ${show.stderr}`);
    assert.equal(show.stdout.match(/^record \d+:/gm)?.length, spans.length, `${what}: records in the file:\n${show.stdout}`);
    const q = ovsdbTool(['query', f, JSON.stringify([DB, { op: 'select', table: 'Simple', where: [['name', '==', `after-cut-${cut}`]], columns: ['name'] }])]);
    assert.equal(q.status, 0, q.stderr);
    assert.match(q.stdout, new RegExp(`"after-cut-${cut}"`), `${what}: ovsdb-tool query sees the appended row`);
    await s.dispose();
  }
});

// ----------------------------------------------------------------- interop

test("interop: the real ovsdb-tool and ovsdb-server read a file Weft's server wrote", { skip, timeout: 60_000 }, async (t) => {
  const { file, dump } = await writeHistory(t, 'weft');
  const show = ovsdbTool(['show-log', '-mm', file]);
  assert.equal(show.status, 0, `ovsdb-tool show-log: ${show.stderr}`);
  assert.equal(show.stdout.match(/^record \d+:/gm)?.length, HISTORY.length + 1, show.stdout);
  assert.match(show.stdout, /"owner with items and peers"/, 'the comment is in the log');
  for (const [args, want] of [[['db-name', file], DB], [['db-version', file], '1.2.3'], [['db-is-standalone', file], '']] as const) {
    const r = ovsdbTool([...args]);
    assert.deepEqual([r.status, r.stdout.trim()], [0, want], `ovsdb-tool ${args[0]}: ${r.stderr}`);
  }
  const real = await startOvsdbServer(t, { impl: 'real', dbs: [{ file }] });
  assert.equal(canonicalDump(await dumpOf(real)), canonicalDump(dump), 'ovsdb-server serves what Weft served');
  // ovsdb-server appends to Weft's file; Weft reads the result back.
  const c = await connect(real);
  await transact(c, [{ op: 'update', table: 'Simple', where: [['name', '==', 'alpha']], row: { tags: ['set', ['real']] } }]);
  const after = await dumpOverRpc(c, DB);
  c.close();
  await real.stop();
  const weft = await startOvsdbServer(t, { impl: 'weft', dbs: [{ file }] });
  assert.equal(canonicalDump(await dumpOf(weft)), canonicalDump(after), "Weft reads ovsdb-server's append to its file");
});

test("interop: Weft's server reads a file ovsdb-server wrote, appends to it, and the real tools still read it", { skip, timeout: 60_000 }, async (t) => {
  const { file, dump } = await writeHistory(t, 'real');
  const weft = await startOvsdbServer(t, { impl: 'weft', dbs: [{ file }] });
  assert.equal(canonicalDump(await dumpOf(weft)), canonicalDump(dump), "Weft serves what ovsdb-server served");
  const c = await connect(weft);
  await transact(c, [
    { op: 'mutate', table: 'Simple', where: [['name', '==', 'alpha']], mutations: [['attrs', 'insert', ['map', [['weft', 'yes']]]]] },
    { op: 'delete', table: 'Limited', where: [['v', '==', 1]] },
    { op: 'insert', table: 'Simple', row: { name: 'delta', color: 'blue', small: ['set', [0]] } },
  ]);
  const after = await dumpOverRpc(c, DB);
  c.close();
  await weft.stop();
  const show = ovsdbTool(['show-log', file]);
  assert.equal(show.status, 0, `ovsdb-tool show-log: ${show.stderr}`);
  assert.equal(show.stdout.match(/^record \d+:/gm)?.length, HISTORY.length + 2, show.stdout);
  const real = await startOvsdbServer(t, { impl: 'real', dbs: [{ file }] });
  assert.equal(canonicalDump(await dumpOf(real)), canonicalDump(after), "ovsdb-server reads Weft's append");
});

// A required enum column's default is its atomic type's ("" for strings), not its first enum value,
// so a row holding that first value must write it to the file (this once went missing).
test('interop: a required enum column holding its first enum value survives Weft → ovsdb-server', { skip, timeout: 30_000 }, async (t) => {
  const weft = await startOvsdbServer(t, { impl: 'weft', dbs: [{ schema: SCHEMAS.ovnNb }] });
  const c = await connect(weft);
  await transact(c, [
    { op: 'insert', table: 'ACL', 'uuid-name': 'acl', row: { action: 'allow', direction: 'from-lport', priority: 100, match: 'ip4' } },
    { op: 'insert', table: 'Logical_Switch', row: { name: 'sw0', acls: ['named-uuid', 'acl'] } },
  ], 'OVN_Northbound');
  const before = await dumpOverRpc(c, 'OVN_Northbound');
  c.close();
  await weft.stop();
  const real = await startOvsdbServer(t, { impl: 'real', dbs: [{ file: weft.dbFiles[0]! }] });
  const acl = (d: DbDump): unknown => Object.values(d.ACL!).map((r) => [r.action, r.direction]);
  assert.deepEqual(acl(await dumpOf(real, 'OVN_Northbound')), acl(before));
});

test('interop: a database file created by the real ovsdb-tool opens in-process with the schema intact', { skip: skipUnlessTools('ovsdb-tool'), timeout: 30_000 }, async (t) => {
  const dir = makeTempDir('create', t);
  for (const schema of [SCHEMAS.vswitch, SCHEMAS.ovnNb, SCHEMAS.harness]) {
    const f = path.join(dir, path.basename(schema) + '.db');
    createDbFile(f, schema);
    const { db, storage, warnings } = await openStoredDatabase(f);
    try {
      const want = JSON.parse(fs.readFileSync(schema, 'utf8')) as { name: string; version: string; tables: Record<string, unknown> };
      assert.equal(db.name, want.name);
      assert.equal(db.schema.version, want.version);
      assert.deepEqual([...db.tables.keys()].sort(), Object.keys(want.tables).sort());
      assert.deepEqual(warnings, []);
    } finally {
      await storage.close();
    }
  }
});
