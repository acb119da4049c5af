/**
 * ovs-vsctl's command line: getopt_long behaviour and messages, command
 * splitting on `--`, per-command options and argument counts. Expected texts
 * are the real ovs-vsctl 3.1's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseCommandLine } from '../../src/vsctl/args.js';
import { COMMANDS } from '../../src/vsctl/vsctl.js';
import { VsctlError } from '../../src/vsctl/context.js';
import { scorePartialMatch } from '../../src/vsctl/records.js';

const registry = new Map(COMMANDS.map((c) => [c.name, c]));
const parse = (...argv: string[]) => parseCommandLine(argv, registry);

function error(...argv: string[]): string {
  try { parse(...argv); } catch (e) { if (e instanceof VsctlError) return e.message; throw e; }
  return '';
}

test('global options, abbreviations and separate values', () => {
  const { opts, commands } = parse('--no-w', '--db', 'unix:/x', '-t', '5', '--format=csv', '-dbare', 'list-br');
  assert.equal(opts.wait, false);
  assert.equal(opts.db, 'unix:/x');
  assert.equal(opts.timeout, 5);
  assert.equal(opts.style.format, 'csv');
  assert.equal(opts.style.cellFormat, 'bare');
  assert.equal(commands.length, 1);
  assert.equal(commands[0]!.syntax.name, 'list-br');
  const bare = parse('--bare', 'list-br').opts.style;
  assert.deepEqual([bare.format, bare.cellFormat, bare.headings], ['list', 'bare', false]);
});

test('getopt messages', () => {
  assert.equal(error('--foo', 'list-br'), "unrecognized option '--foo'");
  assert.equal(error('--no', 'list-br'),
    "option '--no' is ambiguous; possibilities: '--no-syslog' '--no-wait' '--no-leader-only' '--no-shuffle-remotes' '--no-headings'");
  assert.equal(error('--i', 'list-br'), "option '--i' is ambiguous; possibilities: '--if-exists' '--id' '--inactivity-probe'");
  assert.equal(error('--db'), "option '--db' requires an argument");
  assert.equal(error('-x'), "invalid option -- 'x'");
  assert.equal(error('--no-wait=3', 'show'), "option '--no-wait' doesn't allow an argument");
  assert.equal(error('--timeout=0', 'list-br'), 'value 0 on -t or --timeout is invalid');
  assert.equal(error('--format=xx', 'list-br'), 'unknown output format "xx"');
  assert.equal(error('--data=yy', 'list-br'), 'unknown data format "yy"');
});

test('commands: chaining, options, counts', () => {
  const { commands } = parse('--may-exist', 'add-br', 'br0', '--', '--if-exists', 'del-port', 'p1', '--', 'list-br');
  assert.deepEqual(commands.map((c) => c.argv), [['add-br', 'br0'], ['del-port', 'p1'], ['list-br']]);
  assert.deepEqual([...commands[0]!.options.keys()], ['--may-exist']);
  assert.deepEqual([...commands[1]!.options.keys()], ['--if-exists']);
  assert.equal(parse('--fa', 'list-br').commands[0]!.options.has('--fake'), true);
  assert.equal(error(), 'missing command name (use --help for help)');
  assert.equal(error('nosuch'), "unknown command 'nosuch'; use --help for help");
  assert.equal(error('list-br', 'x'), "'list-br' command takes at most 0 arguments");
  assert.equal(error('list-br', '--real'),
    "'list-br' command takes at most 0 arguments (note that options must precede command names and follow a \"--\" argument)");
  assert.equal(error('add-br'), "'add-br' command requires at least 1 arguments");
  assert.equal(error('--', '--may-exist', 'list-br'), "'list-br' command has no '--may-exist' option");
  assert.equal(error('--', '--id', 'get', 'a', 'b'), "missing argument to '--id' option on 'get' command");
  assert.equal(error('--', '--real=1', 'list-br'), "'--real' option on 'list-br' does not accept an argument");
  assert.equal(error('--', '--real', '--real', 'list-br'), "'--real' option specified multiple times");
  assert.equal(error('--may-exist', '--'), 'missing command name (use --help for help)');
});

test('name matching: exact, case-insensitive, prefixes with - and _ alike', () => {
  assert.equal(scorePartialMatch('Bridge', 'Bridge'), Number.MAX_SAFE_INTEGER);
  assert.equal(scorePartialMatch('Bridge', 'bridge'), Number.MAX_SAFE_INTEGER - 1);
  assert.equal(scorePartialMatch('external_ids', 'external-i'), 10);
  assert.equal(scorePartialMatch('Bridge', 'brx'), 0);
  assert.equal(scorePartialMatch('Bridge', ''), 0);
});
