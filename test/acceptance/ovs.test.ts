/**
 * Runs the Open vSwitch compatibility scenarios (test/acceptance/ovs, a copy
 * of the project's acceptance contract) against Weft's daemons, through the
 * real OVS client tools, and reports one test per scenario.
 *
 * Each profile says which daemons are Weft's and which scenarios it must
 * pass. As Weft's switch daemon lands, its profile takes over the switch
 * scenarios; until then the real ovs-vswitchd is a demanding client of
 * Weft's OVSDB server (locks, monitor_cond_since, _Server, next_cfg).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const harness = path.join(root, 'test/acceptance/ovs');
const weft = path.join(root, 'bin/weft');

interface Profile {
  name: string;
  env: Record<string, string>;
  patterns: string[];      // scenario name substrings (run.py selection); [''] = all
  /** Scenarios not expected to pass yet, with the reason (reported as todo, not failures). */
  todo?: Record<string, string>;
}

const WEFT_VSWITCHD = `${weft} vswitchd --enable-dummy --disable-system --disable-system-route`;

const profiles: Profile[] = [
  {
    // Every component Weft's: the server, the file tool, the switch daemon.
    name: 'weft',
    env: { OVSDB_SERVER: `${weft} ovsdb-server`, OVSDB_TOOL: `${weft} ovsdb-tool`, VSWITCHD: WEFT_VSWITCHD },
    patterns: [''],
  },
  {
    // Weft's server under the real ovs-vswitchd, a demanding client (locks, monitor_cond_since, _Server).
    name: 'weft-ovsdb+ovs-vswitchd',
    env: { OVSDB_SERVER: `${weft} ovsdb-server`, OVSDB_TOOL: `${weft} ovsdb-tool` },
    patterns: [''],
  },
];

function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { env: { ...process.env, PATH: `${process.env.PATH}:/usr/sbin:/sbin` } }).status === 0;
}

interface RunResult { results: Map<string, boolean>; stderr: string }

function runHarness(p: Profile): Promise<RunResult> {
  return new Promise((resolve) => {
    const child = spawn('python3', ['run.py', '-v', ...p.patterns.filter((x) => x !== '')], {
      cwd: harness,
      env: { ...process.env, ...p.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', () => {
      const results = new Map<string, boolean>();
      for (const line of out.split('\n')) {
        const m = /^(PASS|FAIL) (\S+)$/.exec(line);
        if (m) results.set(m[2]!, m[1] === 'PASS');
      }
      resolve({ results, stderr: err });
    });
  });
}

const prerequisites = have('ovs-vsctl') && have('ovsdb-client') && have('python3');

for (const p of profiles) {
  if (!prerequisites) {
    test(`acceptance ${p.name}`, { skip: 'the Open vSwitch client tools are not installed (scripts/setup.sh installs them)' }, () => {});
    continue;
  }
  const { results, stderr } = await runHarness(p);
  test(`acceptance ${p.name}: harness ran`, () => {
    assert.ok(results.size > 0, `no scenario ran:\n${stderr.slice(-3000)}`);
  });
  for (const [name, passed] of results) {
    const todo = Object.entries(p.todo ?? {}).find(([prefix]) => name.startsWith(prefix))?.[1];
    test(`acceptance ${p.name}: ${name}`, todo ? { todo } : {}, () => {
      if (!passed) {
        const start = stderr.indexOf(name);
        assert.fail(`scenario failed:\n${start >= 0 ? stderr.slice(start, start + 2500) : stderr.slice(-2500)}`);
      }
    });
  }
}
