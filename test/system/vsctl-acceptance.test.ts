/**
 * The `vsctl-*` scenarios of the OVS acceptance harness (test/acceptance/ovs)
 * with `weft vsctl` standing in for ovs-vsctl: the harness always calls the
 * clients it finds in $PATH, so test/helpers/weft-vsctl-bin (whose
 * `ovs-vsctl` runs `weft vsctl` under that name) goes first in PATH. Run once
 * against Weft's ovsdb-server and once against the real one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { ROOT, WEFT, WRAPPER_BIN, have } from '../helpers/vsctl-harness.js';

const harness = path.join(ROOT, 'test/acceptance/ovs');

const profiles = [
  { name: 'weft server', env: { OVSDB_SERVER: `${WEFT} ovsdb-server`, OVSDB_TOOL: 'ovsdb-tool' } },
  { name: 'real server', env: { OVSDB_SERVER: 'ovsdb-server', OVSDB_TOOL: 'ovsdb-tool' } },
];

function run(env: Record<string, string>): Promise<{ out: string; err: string; status: number | null }> {
  return new Promise((resolve) => {
    const child = spawn('python3', ['run.py', '-v', '-j', '2', 'vsctl-'], {
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

const ready = have('ovs-vsctl') && have('ovsdb-server') && have('ovsdb-tool') && have('python3');

for (const p of profiles) {
  test(`acceptance vsctl-* with weft vsctl (${p.name})`, { skip: ready ? false : 'Open vSwitch tools not installed', timeout: 600_000 }, async () => {
    const { out, err, status } = await run(p.env);
    const passed = out.split('\n').filter((l) => l.startsWith('PASS ')).length;
    assert.ok(passed >= 5, `expected the 5 vsctl scenarios to run:\n${out}\n${err.slice(-3000)}`);
    assert.equal(status, 0, `${out}\n${err.slice(-6000)}`);
  });
}
