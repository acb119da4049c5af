/**
 * vlog: OVS's line formats, level specs and their error texts, `vlog/list`
 * layout, rate limiting, and log file reopen/close as logrotate uses them.
 * Expected texts were taken from a real ovsdb-server 3.1 (`ovs-appctl
 * vlog/list`, `vlog/set foo:bar`, its log file).
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Vlog, RateLimit } from '../../src/base/vlog.js';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-vlog-'));
after(() => fs.rmSync(dir, { recursive: true, force: true }));

const T0 = Date.parse('2026-11-22T12:00:00.123Z');

function setup(): { v: Vlog; console: string[]; clock: { t: number } } {
  const clock = { t: T0 };
  const out: string[] = [];
  const v = new Vlog({ program: 'test', now: () => clock.t, console: (s) => out.push(s) });
  return { v, console: out, clock };
}

test('console and file lines: OVS timestamps, 5-digit sequence shared by all destinations', () => {
  const { v, console, clock } = setup();
  const file = path.join(dir, 'format.log');
  assert.equal(v.setLogFile(file), null);
  clock.t += 1000;
  v.module('ofproto').warn('hello');
  v.module('ofproto').dbg('not shown');
  assert.deepEqual(console, [
    `2026-11-22T12:00:00Z|00001|vlog|INFO|opened log file ${file}\n`,
    '2026-11-22T12:00:01Z|00002|ofproto|WARN|hello\n',
  ]);
  assert.equal(fs.readFileSync(file, 'utf8'),
    `2026-11-22T12:00:00.123Z|00001|vlog|INFO|opened log file ${file}\n` +
    '2026-11-22T12:00:01.123Z|00002|ofproto|WARN|hello\n');
  v.closeLogFile();
});

test('level specs: OVS semantics and error texts', () => {
  const { v, console } = setup();
  const m = v.module('bridge');
  assert.equal(v.setLevelsFromString('foo:bar'), 'no destination, level, or module "foo"');
  assert.equal(v.setLevelsFromString('console:file'), 'cannot specify multiple destinations');
  assert.equal(v.setLevelsFromString('dbg:warn'), 'cannot specify multiple levels');
  assert.equal(v.setLevelsFromString('bridge:vlog'), 'cannot specify multiple modules');
  assert.equal(v.setVerbosity('nope'), 'processing "nope": no destination, level, or module "nope"');

  assert.equal(v.setLevelsFromString('BRIDGE:Console:WARN'), null);
  m.info('hidden');
  m.warn('shown');
  assert.equal(console.length, 1);
  assert.equal(v.setLevelsFromString('ANY:console:off'), null);
  m.emer('hidden too');
  assert.equal(console.length, 1);
  // A module that appears after a module-less spec starts at its levels.
  assert.equal(v.setLevelsFromString('file:err'), null);
  v.module('late');
  assert.match(v.listLevels(), /\nlate               OFF       INFO        ERR\n/);
  // A bare -v: everything at dbg.
  assert.equal(v.setVerbosity(undefined), null);
  assert.match(v.listLevels(), /\nbridge             DBG        DBG        DBG\n/);
});

test('vlog/list: OVS columns, sorted by line, rate limiting shown when disabled', () => {
  const { v } = setup();
  v.module('dpif_lookup_autovalidator');
  v.module('dpif');
  v.setLevel('dpif', 'file', 'dbg');
  assert.equal(v.setRateLimits(['dpif'], false), null);
  assert.equal(v.setRateLimits(['nosuch'], false), 'unknown module');
  assert.equal(v.listLevels(), [
    '                 console    syslog    file',
    '                 -------    ------    ------',
    'daemon_unix       INFO       INFO       INFO',
    'dpif              INFO       INFO        DBG    (rate limiting disabled)',
    'dpif_lookup_autovalidator  INFO       INFO       INFO',
    'fatal_signal      INFO       INFO       INFO',
    'unixctl           INFO       INFO       INFO',
    'vlog              INFO       INFO       INFO',
    '',
  ].join('\n'));
});

test('vlog/* commands: set without arguments, reopen without a file, list-pattern', () => {
  const { v } = setup();
  const cmd = (name: string) => v.commands().find((c) => c.name === name)!;
  assert.deepEqual(cmd('vlog/reopen').handler([]), { error: 'Logging to file not configured' });
  assert.deepEqual(cmd('vlog/set').handler(['foo:bar']), { error: 'no destination, level, or module "foo"' });
  assert.deepEqual(cmd('vlog/set').handler([]), { ok: '' });
  assert.match(v.listLevels(), /\nvlog               DBG        DBG        DBG\n/);
  assert.match((cmd('vlog/list-pattern').handler([]) as { ok: string }).ok,
    /\nFILE     none                              %D\{%Y-%m-%dT%H:%M:%S\.###Z\}\|%05N\|%c%T\|%p\|%m\n$/);
  assert.deepEqual(v.commands().map((c) => [c.name, c.usage]), [
    ['vlog/set', '{spec | PATTERN:destination:pattern}'], ['vlog/list', ''], ['vlog/list-pattern', ''],
    ['vlog/enable-rate-limit', '[module]...'], ['vlog/disable-rate-limit', '[module]...'],
    ['vlog/reopen', ''], ['vlog/close', ''],
  ]);
});

test('rate limit: a burst passes, the rest is counted and reported with the next message let through', () => {
  const { v, console, clock } = setup();
  const m = v.module('dpif');
  const rl = new RateLimit(60, 2);    // one message a second, two at once
  for (let i = 0; i < 5; i++) m.warn(`drop ${i}`, rl);
  assert.deepEqual(console.map((l) => l.split('|')[4]), ['drop 0\n', 'drop 1\n']);
  clock.t += 3000;
  m.warn('later', rl);
  assert.deepEqual(console.slice(2).map((l) => l.split('|')[4]), [
    'Dropped 3 log messages in last 3 seconds (most recently, 3 seconds ago) due to excessive rate\n',
    'later\n',
  ]);
  // Disabled levels neither log nor spend tokens; disabling the limit lets everything through.
  v.setRateLimits(['dpif'], false);
  for (let i = 0; i < 5; i++) m.warn('free', rl);
  assert.equal(console.length, 9);
});

test('log file: reopen after logrotate moves it, same-file reopen is quiet, close then reopen', () => {
  const { v } = setup();
  const file = path.join(dir, 'rotate.log');
  v.setLogFile(file);
  v.module('vlog').info('one');
  fs.renameSync(file, `${file}.1`);
  assert.equal(v.reopenLogFile(), null);
  v.module('vlog').info('two');
  assert.match(fs.readFileSync(`${file}.1`, 'utf8'), /\|vlog\|INFO\|one\n.*\|vlog\|INFO\|closing log file\n$/);
  assert.match(fs.readFileSync(file, 'utf8'), /^.*\|opened log file .*rotate\.log\n.*\|two\n$/);

  const before = fs.readFileSync(file, 'utf8');
  assert.equal(v.reopenLogFile(), null);          // still the same file: nothing happens
  assert.equal(fs.readFileSync(file, 'utf8'), before);

  v.closeLogFile();
  v.module('vlog').warn('not in the file');
  assert.equal(fs.readFileSync(file, 'utf8'), before);
  assert.equal(v.reopenLogFile(), null);
  assert.match(fs.readFileSync(file, 'utf8'), /opened log file .*\n$/);
  assert.equal(v.logFile, file);
  v.closeLogFile();

  assert.equal(v.setLogFile(path.join(dir, 'no/such/dir.log')), 'No such file or directory');
});
