import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import {
  encodeRecord, scanLog, readLog, LogWriter, replaceLog, OvsdbError, temporaryName,
} from '../../src/ovsdb/log.js';

function tmpdir(t: { after(fn: () => void): void }): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-log-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

const SCHEMA = { name: 'S', version: '1.0.0', tables: { T: { columns: { n: { type: 'integer' } } } } };
const txn = (i: number): object => ({ T: { [`00000000-0000-0000-0000-${String(i).padStart(12, '0')}`]: { n: i } }, _date: 1700000000000 + i });

function logOf(records: object[]): Buffer {
  return Buffer.concat(records.map((r) => encodeRecord(r)));
}

test('log: a record is "OVSDB JSON <len> <sha1>\\n" then the JSON and a newline, both counted and hashed', () => {
  const rec = encodeRecord({ a: 1 });
  const body = '{"a":1}\n';
  const sha = createHash('sha1').update(body).digest('hex');
  assert.equal(rec.toString(), `OVSDB JSON ${body.length} ${sha}\n${body}`);
});

test('log: records round-trip through encode and scan (property)', () => {
  const jsonObject = fc.dictionary(fc.string({ minLength: 1 }).filter((k) => !/^\d+$/.test(k)), fc.jsonValue(), { maxKeys: 5 });
  fc.assert(fc.property(fc.array(jsonObject, { minLength: 1, maxLength: 6 }), (records) => {
    const buf = logOf(records);
    const scan = scanLog(buf, 'db');
    assert.equal(scan.warning, null);
    assert.equal(scan.validEnd, buf.length);
    assert.deepEqual(scan.records.map((r) => r.json), JSON.parse(JSON.stringify(records)));
    assert.equal(scan.records.at(-1)!.end, buf.length);
  }), { numRuns: 200 });
});

test('log: a file cut at every byte of its last record keeps every earlier record and reports where good data ends', () => {
  const records = [SCHEMA, txn(1), txn(2), txn(3)];
  const full = logOf(records);
  const lastStart = logOf(records.slice(0, -1)).length;
  for (let cut = lastStart; cut <= full.length; cut++) {
    const scan = scanLog(full.subarray(0, cut), 'db');
    const whole = cut === full.length;
    assert.equal(scan.records.length, whole ? 4 : 3, `cut at ${cut}`);
    assert.deepEqual(scan.records.slice(0, 3).map((r) => r.json), records.slice(0, 3));
    assert.equal(scan.validEnd, whole ? full.length : lastStart);
    if (cut === lastStart) assert.equal(scan.warning, null, 'a cut at a record boundary is a clean end');
    else if (!whole) assert.match(scan.warning!, /^(syntax error: db: parse error at offset \d+ in header line|I\/O error: db: error reading \d+ bytes starting at offset \d+ \(End of file\))/);
  }
});

test('log: corrupt tails are reported in ovsdb-server\'s words', () => {
  const good = logOf([SCHEMA, txn(1)]);
  const flip = Buffer.concat([good, encodeRecord(txn(2))]);
  flip[flip.length - 3]! ^= 1;
  const cases: [Buffer, RegExp][] = [
    [flip, /^syntax error: db: \d+ bytes starting at offset \d+ have SHA-1 hash [0-9a-f]{40} but should have hash [0-9a-f]{40}$/],
    [Buffer.concat([good, Buffer.from('garbage\n')]), /^syntax error: db: parse error at offset \d+ in header line "garbage"$/],
    [Buffer.concat([good, Buffer.from('OVSDB JSON 0 ' + '0'.repeat(40) + '\n')]), /header line "OVSDB JSON"$/],
    [Buffer.concat([good, encodeRecord('[1,2]')]), /are not a JSON object$/],
    [Buffer.concat([good, encodeRecord('{"a":')]), /are not valid JSON \(line 1, column 0, byte 6: unexpected end of input\)$/],
    [Buffer.concat([good, Buffer.from('OVSDB JSON 99999 ' + '0'.repeat(40) + '\n{}\n')]), /error reading 99999 bytes/],
    [Buffer.concat([good, Buffer.from('OVSDB JSON ' + '9'.repeat(200) + '\n')]), /parse error at offset/],
    [Buffer.concat([good, encodeRecord('{"a":1}', 'CLUSTER')]), /header line "OVSDB CLUSTER"$/],
  ];
  for (const [buf, re] of cases) {
    const scan = scanLog(buf, 'db');
    assert.equal(scan.records.length, 2);
    assert.equal(scan.validEnd, good.length);
    assert.match(scan.warning!, re);
    assert.ok(scan.error instanceof OvsdbError);
  }
});

test('log: empty, foreign and clustered files are refused', () => {
  assert.throws(() => scanLog(Buffer.alloc(0), 'db'), { message: 'ovsdb error: db: cannot identify file type' });
  assert.throws(() => scanLog(Buffer.from('hello\n'), 'db'), { message: 'ovsdb error: db: unexpected file format' });
  assert.throws(() => scanLog(encodeRecord({}, 'CLUSTER'), 'db'),
    { message: 'ovsdb error: db: cannot apply this operation to clustered database file' });
  assert.throws(() => scanLog(encodeRecord({}, 'RAFT'), 'db'), { message: 'ovsdb error: db: cannot identify file type' });
  assert.throws(() => readLog('/nonexistent/db'), { message: 'I/O error: /nonexistent/db: open failed (No such file or directory)' });
});

test('log: maxRecords stops early', () => {
  const scan = scanLog(logOf([SCHEMA, txn(1), txn(2)]), 'db', { maxRecords: 1 });
  assert.equal(scan.records.length, 1);
  assert.equal(scan.warning, null);
});

test('log writer: create refuses an existing file; appendSync writes whole records', (t) => {
  const file = path.join(tmpdir(t), 'db');
  const w = LogWriter.create(file);
  w.appendSync([SCHEMA, txn(1)]);
  w.closeSync();
  assert.throws(() => LogWriter.create(file), { message: `I/O error: ${file}: create failed (File exists)` });
  assert.deepEqual(readLog(file).records.map((r) => r.json), [SCHEMA, txn(1)]);
});

test('log writer: concurrent appendBatch calls share writes and syncs, keep order, and resolve once on disk', async (t) => {
  const file = path.join(tmpdir(t), 'db');
  const w = LogWriter.create(file);
  w.appendSync([SCHEMA]);
  const n = 200;
  await Promise.all(Array.from({ length: n }, (_, i) => w.appendBatch([txn(i)])));
  const syncs = w.syncCount - 1;
  await w.close();
  const scan = readLog(file);
  assert.equal(scan.warning, null);
  assert.deepEqual(scan.records.slice(1).map((r) => r.json), Array.from({ length: n }, (_, i) => txn(i)));
  assert.ok(syncs >= 1 && syncs <= 3, `expected group commit, got ${syncs} syncs for ${n} batches`);
});

test('log writer: appending after a torn tail truncates it and continues', async (t) => {
  const file = path.join(tmpdir(t), 'db');
  const good = logOf([SCHEMA, txn(1)]);
  const torn = encodeRecord(txn(2)).subarray(0, 30);
  fs.writeFileSync(file, Buffer.concat([good, torn]));
  const scan = readLog(file);
  assert.equal(scan.validEnd, good.length);
  assert.equal(fs.statSync(file).size, good.length + torn.length, 'reading alone does not truncate');
  const w = LogWriter.open(file, scan.validEnd);
  await w.appendBatch([txn(3)]);
  await w.close();
  const again = readLog(file);
  assert.equal(again.warning, null);
  assert.deepEqual(again.records.map((r) => r.json), [SCHEMA, txn(1), txn(3)]);
});

test('log writer: replace swaps the file atomically and later appends go to the new file', async (t) => {
  const dir = tmpdir(t);
  const file = path.join(dir, 'db');
  const w = LogWriter.create(file);
  w.appendSync([SCHEMA, txn(1), txn(2)]);
  await w.replace([SCHEMA, { snapshot: true }]);
  await w.appendBatch([txn(9)]);
  await w.close();
  assert.deepEqual(readLog(file).records.map((r) => r.json), [SCHEMA, { snapshot: true }, txn(9)]);
  assert.ok(!fs.existsSync(`${file}.tmp`));
  assert.deepEqual(fs.readdirSync(dir), ['db']);
});

test('log: replaceLog follows a symlink and replaces its target', (t) => {
  const dir = tmpdir(t);
  const target = path.join(dir, 'real.db');
  const link = path.join(dir, 'link.db');
  fs.writeFileSync(target, logOf([SCHEMA, txn(1)]));
  fs.symlinkSync(target, link);
  assert.equal(temporaryName(link), `${fs.realpathSync(target)}.tmp`);
  replaceLog(link, [SCHEMA]);
  assert.ok(fs.lstatSync(link).isSymbolicLink());
  assert.deepEqual(readLog(target).records.map((r) => r.json), [SCHEMA]);
});
