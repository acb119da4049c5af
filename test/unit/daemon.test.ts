/**
 * The shared daemon plumbing, driven as users drive OVS daemons: a fixture
 * daemon (fixtures/daemon-fixture.ts, program "weft-fixture") started with
 * OVS's options in a private OVS_RUNDIR, talked to with the real
 * `ovs-appctl` and with `weft appctl`; and `weft appctl` against a real
 * ovsdb-server. Tests needing the OVS tools skip themselves without them.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { parseDaemonOptions, DaemonOptionError } from '../../src/base/daemon.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const FIXTURE = path.join(here, 'fixtures/daemon-fixture.js');
const APPCTL = path.join(here, 'fixtures/appctl-cli.js');
const PROGRAM = 'weft-fixture';

const hasTool = (t: string): boolean => spawnSync('sh', ['-c', `command -v ${t}`]).status === 0;
const noOvs = hasTool('ovs-appctl') ? false : 'ovs-appctl is not installed';
const noOvsdb = hasTool('ovsdb-server') && hasTool('ovsdb-tool') ? false : 'ovsdb-server is not installed';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-daemon-'));
const started: number[] = [];
after(() => {
  for (const pid of started) { try { process.kill(pid, 'SIGKILL'); } catch { /* gone */ } }
  fs.rmSync(root, { recursive: true, force: true });
});

interface Run { code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string; ms: number }

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs = 15_000): Promise<Run> {
  const t0 = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`${cmd} ${args.join(' ')}: timed out`)); }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => { clearTimeout(timer); resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 }); });
  });
}

/** A private OVS_RUNDIR/OVS_LOGDIR. */
function sandbox(): { dir: string; env: NodeJS.ProcessEnv } {
  const dir = fs.mkdtempSync(path.join(root, 's'));
  return { dir, env: { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir } };
}

const fixture = (env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> => run(process.execPath, [FIXTURE, ...args], env);
const ovsAppctl = (env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> => run('ovs-appctl', args, env);
const weftAppctl = (env: NodeJS.ProcessEnv, ...args: string[]): Promise<Run> => run(process.execPath, [APPCTL, ...args], env);

function pidOf(dir: string, program = PROGRAM): number {
  const pid = Number(fs.readFileSync(path.join(dir, `${program}.pid`), 'utf8'));
  started.push(pid);
  return pid;
}

async function waitGone(pid: number, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    try { process.kill(pid, 0); } catch { return; }
    if (Date.now() > deadline) throw new Error(`pid ${pid} still running`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function waitFor(what: string, probe: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('options: OVS defaults and forms; the daemon\'s own arguments pass through in order', () => {
  const env = { OVS_RUNDIR: '/run/x', OVS_LOGDIR: '/log/x' };
  const { daemon, rest } = parseDaemonOptions('prog', [
    '--detach', 'db.conf', '--pidfile', '--remote=punix:/a', '-vconsole:off', '--unixctl', 'ctl', '--verbose',
    '--log-file', '--no-chdir', '--monitor', '--user=root:root', '--enable-dummy', '--', '--pidfile',
  ], env);
  assert.deepEqual(daemon, {
    pidfile: '/run/x/prog.pid', overwritePidfile: false, detach: true, chdir: false, monitor: true,
    logFile: '/log/x/prog.log', unixctl: '/run/x/ctl', verbose: ['console:off', ''], user: 'root:root',
    help: false, version: false,
  });
  assert.deepEqual(rest, ['db.conf', '--remote=punix:/a', '--enable-dummy', '--', '--pidfile']);

  const b = parseDaemonOptions('prog', ['--pidfile=p/q.pid', '--unixctl=none', '--log-file=/abs.log', '-V', '--overwrite-pidfile'], env).daemon;
  assert.equal(b.pidfile, '/run/x/p/q.pid');
  assert.equal(b.unixctl, 'none');
  assert.equal(b.logFile, '/abs.log');
  assert.equal(b.version, true);
  assert.equal(b.overwritePidfile, true);
  assert.equal(parseDaemonOptions('prog', ['--pidfile=/abs/p.pid'], env).daemon.pidfile, '/abs/p.pid');

  assert.throws(() => parseDaemonOptions('prog', ['--detach=yes'], env), new DaemonOptionError("option '--detach' doesn't allow an argument"));
  assert.throws(() => parseDaemonOptions('prog', ['--unixctl'], env), new DaemonOptionError("option '--unixctl' requires an argument"));
});

test('--detach --pidfile: the real ovs-appctl finds the daemon by name and drives it; exit removes pidfile and socket',
  { skip: noOvs }, async () => {
    const { dir, env } = sandbox();
    const start = await fixture(env, '--detach', '--no-chdir', '--pidfile', '--log-file', `--exit-marker=${dir}/marker`);
    assert.equal(start.code, 0, start.stderr);
    const pid = pidOf(dir);
    assert.equal(fs.readFileSync(path.join(dir, `${PROGRAM}.pid`), 'utf8'), `${pid}\n`);
    const ctl = path.join(dir, `${PROGRAM}.${pid}.ctl`);
    assert.ok(fs.existsSync(ctl));

    const list = await ovsAppctl(env, '-t', PROGRAM, 'list-commands');
    assert.equal(list.code, 0, list.stderr);
    assert.equal(list.stdout, [
      'The available commands are:',
      '  exit                    ',
      '  list-commands           ',
      '  test/cwd                ',
      '  test/echo               WORD...',
      '  test/fail               ',
      '  test/log                LEVEL TEXT',
      '  version                 ',
      '  vlog/close              ',
      '  vlog/disable-rate-limit [module]...',
      '  vlog/enable-rate-limit  [module]...',
      '  vlog/list               ',
      '  vlog/list-pattern       ',
      '  vlog/reopen             ',
      '  vlog/set                {spec | PATTERN:destination:pattern}',
      '',
    ].join('\n'));
    assert.deepEqual(await ovsAppctl(env, '-t', PROGRAM, 'version').then((r) => r.stdout), 'weft-fixture (Weft) 0.1.0\n');
    assert.equal((await ovsAppctl(env, '-t', ctl, 'test/echo', 'a', 'b c')).stdout, 'a b c\n');

    const fail = await ovsAppctl(env, '-t', PROGRAM, 'test/fail');
    assert.deepEqual([fail.code, fail.stdout, fail.stderr], [2, '', `it failed\novs-appctl: ${PROGRAM}: server returned an error\n`]);
    const many = await ovsAppctl(env, '-t', PROGRAM, 'test/echo', '1', '2', '3', '4');
    assert.equal(many.stderr, `"test/echo" command takes at most 3 arguments\novs-appctl: ${PROGRAM}: server returned an error\n`);

    // A detached daemon logs to its file only; vlog/list shows the console off, as OVS's does.
    assert.match((await ovsAppctl(env, '-t', PROGRAM, 'vlog/list')).stdout, /\nweft_fixture       OFF       INFO       INFO\n/);
    await ovsAppctl(env, '-t', PROGRAM, 'test/log', 'warn', 'from the test');
    assert.match(fs.readFileSync(path.join(dir, `${PROGRAM}.log`), 'utf8'),
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\|00001\|vlog\|INFO\|opened log file .*\n(.*\n)*.*\|\d{5}\|weft_fixture\|WARN\|from the test\n$/);

    const exit = await ovsAppctl(env, '-t', PROGRAM, 'exit');
    assert.deepEqual([exit.code, exit.stdout, exit.stderr], [0, '', '']);
    await waitGone(pid);
    assert.equal(fs.existsSync(path.join(dir, `${PROGRAM}.pid`)), false);
    assert.equal(fs.existsSync(ctl), false);
    assert.equal(fs.readFileSync(path.join(dir, 'marker'), 'utf8'), 'exit hook\n');
  });

test('--detach returns only once the daemon is ready, and moves it to / unless --no-chdir', async () => {
  const { dir, env } = sandbox();
  const start = await fixture(env, '--detach', '--pidfile', '--ready-delay=700');
  assert.equal(start.code, 0, start.stderr);
  assert.ok(start.ms >= 700, `returned after ${start.ms} ms`);
  const pid = pidOf(dir);
  const cwd = await weftAppctl(env, '-t', PROGRAM, 'test/cwd');
  assert.deepEqual([cwd.code, cwd.stdout], [0, '/\n']);
  // Start-up messages reach the launcher's stderr; nothing is left holding its pipes.
  assert.match(start.stderr, /\|weft_fixture\|INFO\|weft-fixture \(Weft\) 0\.1\.0\n/);
  assert.equal((await weftAppctl(env, '-t', PROGRAM, 'exit')).code, 0);
  await waitGone(pid);
});

test('--detach: a daemon failing before ready makes the launcher fail with its status and messages', async () => {
  const { dir, env } = sandbox();
  const r = await fixture(env, '--detach', '--pidfile', '--fail-startup');
  assert.equal(r.code, 3);
  assert.match(r.stderr, /\|weft_fixture\|ERR\|start-up failed on purpose\n/);
  assert.equal(fs.existsSync(path.join(dir, `${PROGRAM}.pid`)), false);
});

test('pidfile: a second daemon is refused while the first runs, as OVS refuses', async () => {
  const { dir, env } = sandbox();
  assert.equal((await fixture(env, '--detach', '--pidfile')).code, 0);
  const pid = pidOf(dir);
  for (const detach of [['--detach'], []]) {
    const second = await fixture(env, ...detach, '--pidfile', '--unixctl=second.ctl');
    assert.equal(second.code, 1);
    assert.equal(second.stderr, `${PROGRAM}: ${dir}/${PROGRAM}.pid: already running as pid ${pid}, aborting\n`);
  }
  assert.equal(fs.readFileSync(path.join(dir, `${PROGRAM}.pid`), 'utf8'), `${pid}\n`);
  process.kill(pid, 'SIGTERM');
  await waitGone(pid);
  assert.equal(fs.existsSync(path.join(dir, `${PROGRAM}.pid`)), false);
});

/** Starts the fixture in the foreground, as `weft start` and test harnesses do. */
function foreground(env: NodeJS.ProcessEnv, ...args: string[]): { child: ChildProcess; done: Promise<Run> } {
  const t0 = Date.now();
  const child = spawn(process.execPath, [FIXTURE, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  child.stdout!.on('data', (d) => { stdout += d; });
  child.stderr!.on('data', (d) => { stderr += d; });
  const done = new Promise<Run>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr, ms: Date.now() - t0 })));
  return { child, done };
}

test('foreground with --pidfile: found by name; SIGTERM runs the exit hooks, removes files, and kills as a signal does',
  { skip: noOvs }, async () => {
    const { dir, env } = sandbox();
    const { child, done } = foreground(env, '--pidfile', `--exit-marker=${dir}/marker`);
    started.push(child.pid!);
    await waitFor('the pidfile', () => fs.existsSync(path.join(dir, `${PROGRAM}.pid`)));
    const pid = pidOf(dir);
    const ctl = path.join(dir, `${PROGRAM}.${pid}.ctl`);
    await waitFor('the control socket', () => fs.existsSync(ctl));
    assert.equal((await ovsAppctl(env, '-t', PROGRAM, 'test/echo', 'hi')).stdout, 'hi\n');
    child.kill('SIGTERM');
    const r = await done;
    assert.equal(r.signal, 'SIGTERM');
    assert.match(r.stderr, /\|fatal_signal\|WARN\|terminating with signal 15 \(Terminated\)\n/);
    await waitGone(pid);
    assert.equal(fs.existsSync(path.join(dir, `${PROGRAM}.pid`)), false);
    assert.equal(fs.existsSync(ctl), false);
    assert.equal(fs.readFileSync(path.join(dir, 'marker'), 'utf8'), 'exit hook\n');
  });

test('foreground without a pidfile: one process, --unixctl relative to the rundir, exit over the socket', async () => {
  const { dir, env } = sandbox();
  const { child, done } = foreground(env, '--unixctl=fixture.ctl');
  started.push(child.pid!);
  await waitFor('the control socket', () => fs.existsSync(path.join(dir, 'fixture.ctl')));
  const pid = await weftAppctl(env, '-t', path.join(dir, 'fixture.ctl'), 'version');
  assert.equal(pid.stdout, 'weft-fixture (Weft) 0.1.0\n');
  assert.equal((await weftAppctl(env, '-t', path.join(dir, 'fixture.ctl'), 'exit')).code, 0);
  const r = await done;
  assert.deepEqual([r.code, r.signal], [0, null]);
  assert.equal(fs.existsSync(path.join(dir, 'fixture.ctl')), false);
});

test('weft appctl: errors and exit statuses as ovs-appctl\'s', async () => {
  const { dir, env } = sandbox();
  assert.equal((await fixture(env, '--detach', '--pidfile')).code, 0);
  const pid = pidOf(dir);
  const fail = await weftAppctl(env, '-t', PROGRAM, 'nosuch/command');
  assert.deepEqual([fail.code, fail.stdout, fail.stderr], [2, '',
    '"nosuch/command" is not a valid command (use "list-commands" to see a list of valid commands)\n' +
    `weft appctl: ${PROGRAM}: server returned an error\n`]);
  const few = await weftAppctl(env, '-t', PROGRAM, 'test/echo');
  assert.equal(few.stderr, `"test/echo" command requires at least 1 arguments\nweft appctl: ${PROGRAM}: server returned an error\n`);

  const missing = await weftAppctl(env, '-t', 'nosuch', 'version');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, new RegExp(`\\|daemon_unix\\|WARN\\|${dir}/nosuch.pid: open: No such file or directory\n` +
    `weft appctl: cannot read pidfile "${dir}/nosuch.pid" \\(No such file or directory\\)\n$`));
  const nosock = await weftAppctl(env, '-t', `${dir}/none.ctl`, 'version');
  assert.equal(nosock.code, 1);
  assert.match(nosock.stderr, new RegExp(`weft appctl: cannot connect to "${dir}/none.ctl" \\(No such file or directory\\)\n$`));
  const usage = await weftAppctl(env);
  assert.deepEqual([usage.code, usage.stderr], [1, 'weft appctl: at least one non-option argument is required (use --help for help)\n']);
  // A pid names the daemon too (Weft's extension), and the default target is ovs-vswitchd.
  assert.equal((await weftAppctl(env, '-t', String(pid), 'test/echo', 'x')).stdout, 'x\n');
  assert.match((await weftAppctl(env, 'version')).stderr, /cannot read pidfile ".*\/ovs-vswitchd\.pid"/);
  assert.equal((await weftAppctl(env, '-t', PROGRAM, 'exit')).code, 0);
  await waitGone(pid);
});

test('weft appctl against a real ovsdb-server prints what ovs-appctl prints', { skip: noOvsdb || noOvs }, async () => {
  const { dir, env } = sandbox();
  const db = path.join(dir, 'conf.db');
  const schema = '/usr/share/openvswitch/vswitch.ovsschema';
  assert.equal((await run('ovsdb-tool', ['create', db, schema], env)).code, 0);
  const start = await run('ovsdb-server', ['--detach', '--no-chdir', '--pidfile', `--remote=punix:${dir}/db.sock`, db], env);
  assert.equal(start.code, 0, start.stderr);
  const pid = pidOf(dir, 'ovsdb-server');
  try {
    for (const args of [['version'], ['list-commands'], ['vlog/list'], ['ovsdb-server/list-dbs'], ['nosuch'], ['exit', 'x']]) {
      const ours = await weftAppctl(env, '-t', 'ovsdb-server', ...args);
      const theirs = await ovsAppctl(env, '-t', 'ovsdb-server', ...args);
      assert.equal(ours.code, theirs.code, args.join(' '));
      assert.equal(ours.stdout, theirs.stdout, args.join(' '));
      assert.equal(ours.stderr.replace(/^weft appctl:/m, 'ovs-appctl:'), theirs.stderr, args.join(' '));
    }
    assert.equal((await weftAppctl(env, '-t', `${dir}/ovsdb-server.${pid}.ctl`, 'exit')).code, 0);
    await waitGone(pid);
  } finally {
    try { process.kill(pid, 'SIGTERM'); } catch { /* exited */ }
  }
});
