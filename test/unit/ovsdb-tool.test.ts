import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { runOvsdbTool, defaultSchema } from '../../src/cli/ovsdb-tool.js';
import { DbFile } from '../../src/ovsdb/file.js';
import { encodeRecord, readLog } from '../../src/ovsdb/log.js';
import { parseSchemaJson, compareAtoms } from '../../src/ovsdb/file-schema.js';
import { datumPairs, defaultValue, type DbRows } from '../../src/ovsdb/file-replay.js';
import { makeTempDir, skipUnlessTools, findTool, SCHEMAS, TOOLS_PATH } from '../helpers/ovsdb-server-process.js';

interface Run { stdout: string; stderr: string; status: number }

function weft(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Run {
  let stdout = '';
  let stderr = '';
  const cwd = process.cwd();
  if (options.cwd) process.chdir(options.cwd);
  try {
    const status = runOvsdbTool(args, { stdout: (s) => { stdout += s; }, stderr: (s) => { stderr += s; }, env: options.env ?? {} });
    return { stdout, stderr, status };
  } finally {
    process.chdir(cwd);
  }
}

function real(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}): Run {
  const r = spawnSync(findTool('ovsdb-tool')!, args, { argv0: 'ovsdb-tool', encoding: 'utf8', cwd: options.cwd, env: { PATH: TOOLS_PATH, ...options.env } });
  return { stdout: r.stdout, stderr: r.stderr, status: r.status ?? -1 };
}

function same(args: string[], cwd: string, what = args.join(' ')): void {
  assert.deepEqual(weft(args, { cwd }), real(args, { cwd }), what);
}

const skipReal = skipUnlessTools('ovsdb-tool');
const VSWITCH = parseSchemaJson(JSON.parse(fs.readFileSync(SCHEMAS.vswitch, 'utf8')));

/** Rows with every persistent column present and sorted, to compare files that differ in which defaults they spell out. */
function canonical(rows: DbRows): Record<string, Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, Record<string, string>>> = {};
  for (const [tname, table] of VSWITCH.tables) {
    for (const [uuid, row] of rows.get(tname) ?? []) {
      const cols: Record<string, string> = {};
      for (const [cname, col] of table.columns) {
        if (!col.persistent) continue;
        const pairs = datumPairs(col.type, row[cname] ?? defaultValue(col.type));
        cols[cname] = JSON.stringify(pairs.sort((a, b) => compareAtoms(col.type.key.type, a[0], b[0])));
      }
      (out[tname] ??= {})[uuid] = cols;
    }
  }
  return out;
}
const skipServer = skipUnlessTools('ovsdb-tool', 'ovsdb-server', 'ovsdb-client', 'ovs-appctl');

test('ovsdb-tool: default schema is the project\'s own copy', () => {
  assert.equal(defaultSchema(), SCHEMAS.vswitch);
  const r = weft(['schema-version']);
  assert.equal(r.status, 0);
  assert.equal(r.stdout, JSON.parse(fs.readFileSync(SCHEMAS.vswitch, 'utf8')).version + '\n');
});

test('ovsdb-tool: create with each tool gives identical files; every read command agrees', { skip: skipReal }, (t) => {
  const dir = makeTempDir('tool-create', t);
  assert.deepEqual(real(['create', 'real.db', SCHEMAS.vswitch], { cwd: dir }).status, 0);
  assert.deepEqual(weft(['create', 'weft.db', SCHEMAS.vswitch], { cwd: dir }).status, 0);
  assert.ok(fs.readFileSync(path.join(dir, 'real.db')).equals(fs.readFileSync(path.join(dir, 'weft.db'))));
  // Defaults: $OVS_DBDIR/conf.db and the project's schema.
  const r = weft(['create'], { env: { OVS_DBDIR: dir } });
  assert.equal(r.status, 0, r.stderr);
  assert.ok(fs.readFileSync(path.join(dir, 'conf.db')).equals(fs.readFileSync(path.join(dir, 'real.db'))));
  for (const db of ['real.db', 'weft.db']) {
    for (const cmd of ['db-name', 'db-version', 'db-cksum', 'show-log', 'db-is-standalone', 'db-is-clustered']) same([cmd, db], dir);
    same(['-m', 'show-log', db], dir);
    same(['needs-conversion', db, SCHEMAS.vswitch], dir);
    same(['needs-conversion', db, SCHEMAS.ovnNb], dir);
  }
  for (const schema of [SCHEMAS.vswitch, SCHEMAS.ovnNb]) {
    for (const cmd of ['schema-name', 'schema-version', 'schema-cksum']) same([cmd, schema], dir);
  }
});

test('ovsdb-tool: errors and command-line handling match ovsdb-tool', { skip: skipReal }, (t) => {
  const dir = makeTempDir('tool-errors', t);
  real(['create', 'a.db', SCHEMAS.vswitch], { cwd: dir });
  fs.writeFileSync(path.join(dir, 'empty.db'), '');
  fs.writeFileSync(path.join(dir, 'badschema.db'), Buffer.concat([encodeRecord({ name: 'x' }), encodeRecord({})]));
  for (const cmd of ['show-log', 'db-version', 'db-name', 'db-cksum']) same([cmd, 'badschema.db'], dir);
  fs.writeFileSync(path.join(dir, 'text.db'), 'hello\n');
  const schemas: Record<string, string> = {
    'empty.ovsschema': '',
    'junk.ovsschema': 'nonjson\n',
    'cut.ovsschema': '{"name":"x",\n "tables":{',
    'trailing.ovsschema': '{"name":"x","tables":{}} x\n',
    'array.ovsschema': '[]',
    'noname.ovsschema': '{}',
    'notables.ovsschema': '{"name":"x"}',
    'version.ovsschema': '{"name":"x","version":"1","tables":{}}',
    'nocols.ovsschema': '{"name":"x","tables":{"T":{"columns":{}}}}',
    'badtype.ovsschema': '{"name":"x","tables":{"T":{"columns":{"a":{"type":"foo"}}}}}',
    'extra.ovsschema': '{"name":"x","tables":{"T":{"columns":{"a":{"type":"integer","x":1,"y":2}}}}}',
    'reftable.ovsschema': '{"name":"x","tables":{"T":{"columns":{"a":{"type":{"key":{"type":"uuid","refTable":"U"}}}}}}}',
    'minmax.ovsschema': '{"name":"x","tables":{"T":{"columns":{"a":{"type":{"key":"integer","min":2}}}}}}',
    'underscore.ovsschema': '{"name":"x","tables":{"_T":{"columns":{"a":{"type":"integer"}}}}}',
  };
  for (const [name, text] of Object.entries(schemas)) {
    fs.writeFileSync(path.join(dir, name), text);
    same(['schema-name', name], dir);
    same(['create', `${name}.db`, name], dir);
  }
  const cases = [
    [], ['foo'], ['create', 'a', 'b', 'c'], ['create', 'a.db', SCHEMAS.vswitch], ['db-version', 'missing.db'],
    ['db-version', 'empty.db'], ['show-log', 'text.db'], ['db-is-standalone'], ['compare-versions', '1.2', '<', '1.2.3'],
    ['compare-versions', '1.2.3', '<>', '1.2.3'], ['compare-versions', '1.2.3', '<', '1.2.4'], ['compare-versions', '1.2.3', '>', '1.2.4'],
    ['--more=3', 'show-log', 'a.db'], ['--rbac-role'], ['-x'], ['--foo'], ['--mo', 'show-log', 'a.db'], ['show-log', 'a.db', '-mm'],
    ['list-commands'], ['schema-version', 'a.db'], ['db-version', SCHEMAS.vswitch], ['-vfoo', 'db-name', 'a.db'], ['--option'], ['-o'],
  ];
  for (const args of cases) same(args, dir);
});

/** Runs the real ovsdb-server on `file` and applies `txns` with the real ovsdb-client. */
function applyWithRealServer(dir: string, file: string, txns: string[]): void {
  const sock = path.join(dir, 'srv.sock');
  const ctl = path.join(dir, 'srv.ctl');
  const env = { PATH: TOOLS_PATH, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir };
  const start = spawnSync(findTool('ovsdb-server')!, [`--remote=punix:${sock}`, `--unixctl=${ctl}`, `--pidfile=${path.join(dir, 'srv.pid')}`,
    '--detach', '--no-chdir', `--log-file=${path.join(dir, 'srv.log')}`, file], { encoding: 'utf8', env, timeout: 10_000 });
  assert.equal(start.status, 0, start.stderr);
  try {
    for (const txn of txns) {
      const r = spawnSync(findTool('ovsdb-client')!, ['transact', `unix:${sock}`, txn], { encoding: 'utf8', env, timeout: 10_000 });
      assert.equal(r.status, 0, r.stderr);
      assert.doesNotMatch(r.stdout, /"error"/);
    }
  } finally {
    spawnSync(findTool('ovs-appctl')!, ['-t', ctl, 'exit'], { env, timeout: 10_000 });
  }
}

const TXNS = [
  '["Open_vSwitch",{"op":"insert","table":"Open_vSwitch","row":{"external_ids":["map",[["a","1"],["b","2"]]]},"uuid-name":"o"},'
    + '{"op":"insert","table":"Bridge","row":{"name":"br0","flood_vlans":["set",[1,2,3]]},"uuid-name":"b"},'
    + '{"op":"insert","table":"Port","row":{"name":"p1","interfaces":["named-uuid","i"],"tag":7},"uuid-name":"p"},'
    + '{"op":"insert","table":"Interface","row":{"name":"p1","type":"internal","options":["map",[["x","y z"]]]},"uuid-name":"i"},'
    + '{"op":"insert","table":"Flow_Table","row":{"name":"ft1"},"uuid-name":"f"},'
    + '{"op":"update","table":"Bridge","where":[["name","==","br0"]],"row":{"ports":["named-uuid","p"],"flow_tables":["map",[[1,["named-uuid","f"]]]]}},'
    + '{"op":"mutate","table":"Open_vSwitch","where":[],"mutations":[["bridges","insert",["set",[["named-uuid","b"]]]]]},'
    + '{"op":"comment","comment":"first \\"quoted\\" comment"}]',
  '["Open_vSwitch",{"op":"update","table":"Open_vSwitch","where":[],"row":{"external_ids":["map",[["a","9"],["c","3"]]],"next_cfg":5}},'
    + '{"op":"update","table":"Bridge","where":[],"row":{"flood_vlans":["set",[2,4]],"datapath_type":"netdev","other_config":["map",[["hwaddr","00:11:22:33:44:55"]]]}}]',
  // A renamed row is shown under its new name from then on.
  '["Open_vSwitch",{"op":"update","table":"Flow_Table","where":[],"row":{"name":"ft-renamed"}}]',
  '["Open_vSwitch",{"op":"mutate","table":"Open_vSwitch","where":[],"mutations":[["bridges","delete",["set",[]]]]},'
    + '{"op":"update","table":"Open_vSwitch","where":[],"row":{"bridges":["set",[]]}}]',
];

test('ovsdb-tool: show-log of files the real ovsdb-server wrote to (created by either tool) matches byte for byte', { skip: skipServer }, (t) => {
  const dir = makeTempDir('tool-showlog', t);
  for (const maker of ['real', 'weft'] as const) {
    const file = path.join(dir, `${maker}.db`);
    const made = maker === 'real' ? real(['create', file, SCHEMAS.vswitch]) : weft(['create', file, SCHEMAS.vswitch]);
    assert.equal(made.status, 0, made.stderr);
    applyWithRealServer(dir, file, TXNS);
    for (const v of [[], ['-m'], ['-mm'], ['--more', '--more', '--more']]) same([...v, 'show-log', file], dir, `${maker}: show-log ${v.join(' ')}`);
    same(['db-version', file], dir);
  }
  const real0 = readLog(path.join(dir, 'real.db')).records;
  assert.equal(real0.length, 1 + TXNS.length);
  assert.equal(real0[2]!.json._is_diff, true);
});

test('ovsdb-tool: show-log of a file cut at every byte of its last record matches, output and error', { skip: skipServer }, (t) => {
  const dir = makeTempDir('tool-cut', t);
  const file = path.join(dir, 'full.db');
  weft(['create', file, SCHEMAS.vswitch]);
  applyWithRealServer(dir, file, TXNS.slice(0, 2));
  const full = fs.readFileSync(file);
  const lastStart = readLog(file).records.at(-1)!.offset;
  const cut = path.join(dir, 'cut.db');
  // Every byte of the header, then every 5th of the body (ovsdb-file.test.ts cuts at every byte in-process).
  for (let n = lastStart; n <= full.length; n += n < lastStart + 64 ? 1 : 5) {
    fs.writeFileSync(cut, full.subarray(0, n));
    same(['-mm', 'show-log', cut], dir, `cut at ${n}`);
  }
  const flipped = Buffer.from(full);
  flipped[full.length - 2]! ^= 0x20;
  fs.writeFileSync(cut, flipped);
  same(['show-log', cut], dir, 'corrupt hash');
  fs.writeFileSync(cut, Buffer.concat([full, Buffer.from('garbage')]));
  same(['show-log', cut], dir, 'garbage tail');
  fs.writeFileSync(cut, Buffer.concat([full, encodeRecord('[1]')]));
  same(['show-log', cut], dir, 'not an object');
});

test('ovsdb-tool: compact gives files the real tools read with the same contents as the real compaction', { skip: skipServer }, (t) => {
  const dir = makeTempDir('tool-compact', t);
  const file = path.join(dir, 'db');
  weft(['create', file, SCHEMAS.vswitch]);
  applyWithRealServer(dir, file, TXNS);
  const expected = canonical(DbFile.open(file, { readOnly: true }).rows);
  assert.equal(real(['compact', file, path.join(dir, 'real-compacted.db')]).status, 0);
  assert.deepEqual(weft(['compact', file, path.join(dir, 'weft-compacted.db')]), { stdout: '', stderr: '', status: 0 });
  const copy = path.join(dir, 'inplace.db');
  fs.copyFileSync(file, copy);
  assert.deepEqual(weft(['compact', copy]), { stdout: '', stderr: '', status: 0 });
  const reference = canonical(DbFile.open(path.join(dir, 'real-compacted.db'), { readOnly: true }).rows);
  assert.deepEqual(reference, expected);
  for (const out of ['weft-compacted.db', 'inplace.db']) {
    const p = path.join(dir, out);
    assert.equal(readLog(p).records.length, 2);
    assert.deepEqual(canonical(DbFile.open(p, { readOnly: true }).rows), expected, out);
    // The real tool reads it, and the schema record is byte-identical to its own.
    const shown = real(['-mm', 'show-log', p]);
    assert.equal(shown.status, 0, shown.stderr);
    assert.equal(shown.stdout, weft(['-mm', 'show-log', p]).stdout);
    assert.equal(fs.readFileSync(p, 'utf8').split('\n')[1], fs.readFileSync(path.join(dir, 'real-compacted.db'), 'utf8').split('\n')[1]);
  }
  assert.ok(!fs.existsSync(`${copy}.tmp`));
  // And the real ovsdb-server serves the Weft-compacted file and keeps appending to it.
  applyWithRealServer(dir, copy, ['["Open_vSwitch",{"op":"mutate","table":"Open_vSwitch","where":[],"mutations":[["external_ids","insert",["map",[["after","compaction"]]]]]}]']);
  const ovs = [...DbFile.open(copy, { readOnly: true }).rows.get('Open_vSwitch')!.values()][0]!;
  assert.deepEqual(ovs.external_ids, ['map', [['a', '9'], ['after', 'compaction'], ['c', '3']]]);
  // A damaged file is not compacted, as with ovsdb-tool.
  fs.appendFileSync(copy, 'garbage');
  same(['compact', copy, path.join(dir, 'never.db')], dir, 'compact of a damaged file');
});

test('ovsdb-tool: clustered files are refused with a clear error', () => {
  const dir = fs.mkdtempSync(path.join(process.env.TMPDIR ?? '/tmp', 'weft-tool-cl-'));
  try {
    const file = path.join(dir, 'cl.db');
    fs.writeFileSync(file, encodeRecord({ name: 'x' }, 'CLUSTER'));
    const r = weft(['show-log', file]);
    assert.equal(r.status, 1);
    assert.equal(r.stderr, `ovsdb-tool: ovsdb error: ${file}: cannot apply this operation to clustered database file\n`);
    assert.equal(weft(['db-is-clustered', file]).status, 0);
    assert.equal(weft(['db-is-standalone', file]).status, 2);
    assert.match(weft(['create-cluster', 'a', 'b', 'c']).stderr, /not supported by Weft/);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
