/**
 * The `vsctl-*` scenarios of the OVS acceptance harness (test/acceptance/ovs)
 * with `weft vsctl` standing in for ovs-vsctl: the harness always calls the
 * clients it finds in $PATH, so test/helpers/weft-vsctl-bin (whose
 * `ovs-vsctl` runs `weft vsctl` under that name) goes first in PATH. Run once
 * against Weft's ovsdb-server and once against the real one.
 *
 * The switch scenarios listed in SWITCH_SCENARIOS run too, with the real
 * ovs-vswitchd: there `weft vsctl` runs without --no-wait, so they check
 * that it waits for `cur_cfg` and reports interfaces the switch rejected.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { ROOT, WEFT, WRAPPER_BIN, have } from '../helpers/vsctl-harness.js';

const harness = path.join(ROOT, 'test/acceptance/ovs');

const SWITCH_SCENARIOS = ['sw-ports-dpif', 'sw-interface-status', 'tun-vxlan-config', 'vlan-internal-ports'];

const profiles = [
  { name: 'weft server', patterns: ['vsctl-'], expect: 5, env: { OVSDB_SERVER: `${WEFT} ovsdb-server`, OVSDB_TOOL: 'ovsdb-tool' } },
  { name: 'real server', patterns: ['vsctl-'], expect: 5, env: { OVSDB_SERVER: 'ovsdb-server', OVSDB_TOOL: 'ovsdb-tool' } },
  { name: 'real server and ovs-vswitchd', patterns: SWITCH_SCENARIOS, expect: SWITCH_SCENARIOS.length, env: { OVSDB_SERVER: 'ovsdb-server', OVSDB_TOOL: 'ovsdb-tool' } },
];

function run(patterns: string[], env: Record<string, string>): Promise<{ out: string; err: string; status: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('python3', ['run.py', '-v', '-j', '2', ...patterns], {
      cwd: harness,
      env: { ...process.env, ...env, PATH: `${WRAPPER_BIN}:${process.env.PATH}` },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    child.on('close', (status) => resolve({ out, err, status }));
  });
}

const ready = have('ovs-vsctl') && have('ovsdb-server') && have('ovsdb-tool') && have('ovs-vswitchd') && have('python3');

for (const p of profiles) {
  test(`acceptance ${p.patterns.join(' ')} with weft vsctl (${p.name})`, { skip: ready ? false : 'Open vSwitch tools not installed', timeout: 600_000 }, async () => {
    const { out, err, status } = await run(p.patterns, p.env);
    const passed = out.split('\n').filter((l) => l.startsWith('PASS ')).length;
    assert.ok(passed >= p.expect, `expected ${p.expect} scenarios to pass:\n${out}\n${err.slice(-3000)}`);
    assert.equal(status, 0, `${out}\n${err.slice(-6000)}`);
  });
}
