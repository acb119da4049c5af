import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openStoredDatabase, createDatabaseFile } from '../../src/ovsdb/storage.js';
import { readLog, encodeRecord } from '../../src/ovsdb/log.js';
import type { Database } from '../../src/ovsdb/database.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const schema = JSON.parse(fs.readFileSync(path.join(root, 'test/acceptance/ovs/lib/harness.ovsschema'), 'utf8'));
const ctx = { ownsLock: () => false, elapsedMs: 0 };
const haveOvsdbTool = spawnSync('sh', ['-c', 'command -v ovsdb-tool']).status === 0;

function tmpdir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'weft-storage-'));
}

async function commitAll(db: Database, storage: { write(c: never): Promise<void> }, ops: unknown[][]): Promise<void> {
  const waits: Promise<void>[] = [];
  const off = db.onCommit((c) => waits.push(storage.write(c as never)));
  for (const o of ops) db.transact(o, ctx);
  off();
  await Promise.all(waits);
}

function names(db: Database): string[] {
  return [...db.tables.get('Simple')!.rows.values()].map((r) => String(r.columns.name!.keys[0])).sort();
}

test('storage: commits survive reopening; group commit batches many records per sync', async (t) => {
  const dir = tmpdir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'db');
  createDatabaseFile(file, schema);
  const { db, storage } = await openStoredDatabase(file);
  await commitAll(db, storage, Array.from({ length: 50 }, (_, i) => [{ op: 'insert', table: 'Simple', row: { name: `r${i}`, count: i % 100 } }]));
  await commitAll(db, storage, [[{ op: 'update', table: 'Simple', where: [['name', '==', 'r3']], row: { tags: ['set', ['a', 'b']] } }], [{ op: 'delete', table: 'Simple', where: [['name', '==', 'r4']] }]]);
  await storage.close();
  const again = await openStoredDatabase(file);
  assert.equal(again.db.tables.get('Simple')!.rows.size, 49);
  const r3 = [...again.db.tables.get('Simple')!.rows.values()].find((r) => r.columns.name!.keys[0] === 'r3')!;
  assert.deepEqual(r3.columns.tags!.keys, ['a', 'b']);
  await again.storage.close();
});

test('storage: a file cut at every byte of its last record opens with every earlier transaction', async (t) => {
  const dir = tmpdir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'db');
  createDatabaseFile(file, schema);
  const { db, storage } = await openStoredDatabase(file);
  for (let i = 0; i < 3; i++) await commitAll(db, storage, [[{ op: 'insert', table: 'Simple', row: { name: `keep${i}` } }]]);
  const beforeLast = fs.statSync(file).size;
  await commitAll(db, storage, [[{ op: 'insert', table: 'Simple', row: { name: 'last' } }]]);
  await storage.close();
  const full = fs.readFileSync(file);
  for (let cut = beforeLast; cut < full.length; cut++) {
    const f = path.join(dir, `cut${cut}`);
    fs.writeFileSync(f, full.subarray(0, cut));
    const o = await openStoredDatabase(f);
    assert.deepEqual(names(o.db), ['keep0', 'keep1', 'keep2'], `cut at ${cut}`);
    if (cut > beforeLast) assert.ok(o.warnings.length > 0);
    // Appending after the torn tail cuts it and continues a valid file.
    await commitAll(o.db, o.storage, [[{ op: 'insert', table: 'Simple', row: { name: 'after' } }]]);
    await o.storage.close();
    assert.equal(readLog(f).warning, null, 'no torn tail left behind');
    const again = await openStoredDatabase(f);
    assert.deepEqual(names(again.db), ['after', 'keep0', 'keep1', 'keep2']);
    await again.storage.close();
    fs.unlinkSync(f);
  }
});

test('storage: a corrupt record ends the log there; earlier ones load', async (t) => {
  const dir = tmpdir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'db');
  createDatabaseFile(file, schema);
  const good = encodeRecord({ Simple: { '11111111-1111-1111-1111-111111111111': { name: 'ok' } }, _date: 1 });
  const bad = Buffer.from(encodeRecord({ Simple: { '22222222-2222-2222-2222-222222222222': { name: 'bad' } }, _date: 2 }));
  bad[bad.length - 3] ^= 1;
  fs.appendFileSync(file, Buffer.concat([good, bad]));
  const o = await openStoredDatabase(file);
  assert.deepEqual(names(o.db), ['ok']);
  assert.ok(o.warnings.length > 0);
  await o.storage.close();
});

test('storage: compaction keeps the data and shrinks the log', async (t) => {
  const dir = tmpdir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'db');
  createDatabaseFile(file, schema);
  const { db, storage } = await openStoredDatabase(file);
  for (let i = 0; i < 30; i++) await commitAll(db, storage, [[{ op: 'mutate', table: 'Simple', where: [], mutations: [['count', '+=', 0]] }], [{ op: 'insert', table: 'Simple', row: { name: `n${i}` } }]]);
  const before = fs.statSync(file).size;
  await storage.compact();
  assert.ok(fs.statSync(file).size < before);
  await commitAll(db, storage, [[{ op: 'insert', table: 'Simple', row: { name: 'post' } }]]);
  await storage.close();
  const again = await openStoredDatabase(file);
  assert.equal(again.db.tables.get('Simple')!.rows.size, 31);
  assert.equal(readLog(file).records.length, 3);
  await again.storage.close();
});

test('storage: the real ovsdb-tool reads Weft files, and Weft reads ovsdb-tool files', { skip: !haveOvsdbTool && 'ovsdb-tool not installed' }, async (t) => {
  const dir = tmpdir();
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const schemaFile = path.join(root, 'test/acceptance/ovs/lib/harness.ovsschema');
  const theirs = path.join(dir, 'theirs.db');
  assert.equal(spawnSync('ovsdb-tool', ['create', theirs, schemaFile]).status, 0);
  const { db, storage } = await openStoredDatabase(theirs);
  await commitAll(db, storage, [[{ op: 'insert', table: 'Simple', row: { name: 'x', tags: ['set', ['p', 'q']] } }, { op: 'comment', comment: 'from weft' }]]);
  await storage.close();
  const show = spawnSync('ovsdb-tool', ['show-log', '-m', theirs], { encoding: 'utf8' });
  assert.equal(show.status, 0, show.stderr);
  assert.match(show.stdout, /from weft/);
  assert.match(show.stdout, /table Simple insert row "x"/);
  const q = spawnSync('ovsdb-tool', ['query', theirs, '["Harness",{"op":"select","table":"Simple","where":[],"columns":["name","tags"]}]'], { encoding: 'utf8' });
  assert.equal(q.status, 0, q.stderr);
  assert.match(q.stdout, /"name":"x"/);
});
