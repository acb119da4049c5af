/**
 * `weft ofctl` against a Weft bridge prints what the real ovs-ofctl prints
 * against a real Open vSwitch bridge, command after command of one
 * session (flows, groups, packet-out, counters), with durations masked.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { startWeft, startOvs, ofctl, run, type WeftSwitch, type OvsSwitch } from './openflow-harness.js';
import { runOfctl } from '../../src/openflow/ofctl.js';

let weft: WeftSwitch;
let ovs: OvsSwitch;

before(() => {
  const bridges = [{ name: 'br0', ports: ['p1', 'p2', 'p3'] }];
  weft = startWeft(bridges);
  ovs = startOvs(bridges);
});

after(() => {
  weft?.close();
  ovs?.close();
});

async function weftOfctl(args: readonly string[]): Promise<string> {
  let out = '', err = '';
  const rc = await runOfctl(args, { prog: 'ovs-ofctl', stdout: (s) => { out += s; }, stderr: (s) => { err += s; }, env: { ...process.env, OVS_RUNDIR: weft.dir } });
  return `rc=${rc}\n${out}${err}`;
}

function mask(s: string): string {
  return s.replace(/addr:[0-9a-f:]+/g, 'addr:?').replace(/duration=[0-9.]+s/g, 'duration=?').replace(/idle_age=\d+/g, 'idle_age=?').replace(/^\d{4}-\d\d-\d\dT.*\n/gm, '');
}

const FRAME = '505400000002505400000001' + '88b5' + '00'.repeat(46);

const SCRIPT: ReadonlyArray<readonly string[]> = [
  ['show', 'br0'],
  ['-O', 'OpenFlow13', 'show', 'br0'],
  ['dump-flows', 'br0'],
  ['add-flow', 'br0', 'priority=100,dl_src=50:54:00:00:00:66,actions=drop'],
  ['add-flow', 'br0', 'priority=50,in_port=p3,actions=mod_vlan_vid:10,output:p1'],
  ['add-flow', 'br0', 'table=1,priority=40,tcp,tp_dst=80,actions=mod_nw_src:1.2.3.4,output:2'],
  ['add-flow', 'br0', 'cookie=0x10,priority=30,tun_id=0x5,actions=set_tunnel:7,set_field:1.2.3.4->tun_dst,output:1'],
  ['--no-stats', 'dump-flows', 'br0'],
  ['--names', '--no-stats', 'dump-flows', 'br0', 'in_port=p3'],
  ['-O', 'OpenFlow13', '--no-stats', 'dump-flows', 'br0'],
  ['dump-flows', 'br0', 'table=1'],
  ['mod-flows', 'br0', 'in_port=3,actions=output:2'],
  ['--strict', 'del-flows', 'br0', 'priority=100,dl_src=50:54:00:00:00:66'],
  ['del-flows', 'br0', 'cookie=0x10/-1'],
  ['--no-stats', 'dump-flows', 'br0'],
  ['dump-aggregate', 'br0'],
  ['-O', 'OpenFlow13', 'add-group', 'br0', 'group_id=1,type=all,bucket=output:1,bucket=output:2'],
  ['-O', 'OpenFlow13', 'add-flow', 'br0', 'priority=60,in_port=1,actions=group:1'],
  ['-O', 'OpenFlow13', 'dump-groups', 'br0'],
  ['-O', 'OpenFlow13', 'add-group', 'br0', 'group_id=1,type=all,bucket=output:3'],
  ['packet-out', 'br0', '3', 'output:2', FRAME],
  ['-O', 'OpenFlow13', 'packet-out', 'br0', 'LOCAL', 'output:p1', FRAME],
  ['dump-ports', 'br0', 'p2'],
  ['dump-ports', 'br0'],
  ['dump-tables', 'br0'],
  ['-O', 'OpenFlow13', 'dump-tables', 'br0'],
  ['add-flow', 'br0', 'actions=output:70000'],
  ['add-flow', 'br0', 'in_port=p9,actions=drop'],
  ['-O', 'OpenFlow13', 'add-flow', 'br0', 'actions=goto_table:0'],
  ['-O', 'OpenFlow13', 'del-groups', 'br0'],
  ['--no-stats', 'dump-flows', 'br0'],
  ['del-flows', 'br0'],
  ['dump-flows', 'br0'],
];

test('weft ofctl prints what ovs-ofctl prints, command by command', async () => {
  for (const args of SCRIPT) {
    const o = await ofctl(args.map((a) => (a === 'br0' ? ovs.mgmt('br0') : a)));
    const want = mask(`rc=${o.rc}\n${o.stdout}${o.stderr}`);
    const got = mask(await weftOfctl(args.map((a) => (a === 'br0' ? weft.mgmt('br0') : a))));
    assert.equal(got, want, `ovs-ofctl ${args.join(' ')}`);
  }
});

test('monitor prints packet-ins as ovs-ofctl monitor does', async () => {
  for (const x of [ovs.mgmt('br0'), weft.mgmt('br0')]) {
    await ofctl(['del-flows', x]);
    await ofctl(['add-flow', x, 'in_port=1,actions=load:5->NXM_NX_REG3[],controller']);
    await ofctl(['add-flow', x, 'in_port=2,actions=set_tunnel:9,controller(reason=no_match,userdata=01.02)']);
  }
  const watch = (cmd: string, args: string[], env: NodeJS.ProcessEnv) => {
    const p = spawn(cmd, args, { env });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    return { stop: () => { p.kill(); return out || err; } };
  };
  const entry = `import('${new URL('../../src/cli/ofctl.js', import.meta.url).href}').then((m) => m.main(process.argv.slice(1)))`;
  const o = watch('ovs-ofctl', ['monitor', ovs.mgmt('br0'), '65534'], { ...process.env, OVS_RUNDIR: ovs.dir });
  const w = watch(process.execPath, ['-e', entry, 'monitor', weft.mgmt('br0'), '65534'], { ...process.env, WEFT_OFCTL_PROG: 'ovs-ofctl' });
  // Both monitors must have subscribed before the packets arrive.
  await new Promise((r) => setTimeout(r, 1500));
  const hex = '505400000002505400000001' + '88b5' + '00'.repeat(46);
  for (const port of ['p1', 'p2']) {
    await run('ovs-appctl', ['netdev-dummy/receive', port, hex], undefined, { ...process.env, OVS_RUNDIR: ovs.dir });
    weft.devs.get(port)!.receive([Buffer.from(hex, 'hex')]);
  }
  await new Promise((r) => setTimeout(r, 800));
  const want = o.stop(), got = w.stop();
  assert.match(want, /NXT_PACKET_IN2/);
  assert.equal(got, want);
});
