/**
 * Seed 002 end to end: the command lines of the primer (a bridge `vswitch`,
 * a 4-NIC LACP bond trunking VLANs 1 and 2, fake bridges vlan1/vlan2, VMs A
 * and B on them) run through `weft vsctl` against Weft's own daemons, with
 * dummy NICs. A simulated upstream switch negotiates LACP on the bond and
 * stands for hosts C, E (VLAN 1) and D, F (VLAN 2). The test then shows
 * what the seed says: A, C and E reach each other in VLAN 1, B, D and F in
 * VLAN 2, and nothing crosses.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { decodePcap } from '../../src/packet/pcap.js';
import { encodeLacpdu, LACP_STATE } from '../../src/vswitch/lacp.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const weft = path.join(root, 'bin/weft');
const NICS = ['eth0', 'eth1', 'eth4', 'eth8'];

function mac(n: number): number { return 0x525400000000 + n; }
const A = mac(0xa), B = mac(0xb), C = mac(0xc), D = mac(0xd), E = mac(0xe), F = mac(0xf);

function frame(dst: number, src: number, vlan: number | null): string {
  const h = Buffer.alloc(12);
  h.writeUIntBE(dst, 0, 6); h.writeUIntBE(src, 6, 6);
  const tag = vlan === null ? Buffer.alloc(0) : Buffer.from([0x81, 0, 0, vlan]);
  return Buffer.concat([h, tag, Buffer.from([0x88, 0xb5]), Buffer.alloc(46, src & 0xff)]).toString('hex');
}

test('seed 002: bond trunk, fake bridges, VMs; VLANs 1 and 2 isolated', { timeout: 90_000 }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-seed002-'));
  const env = { ...process.env, OVS_RUNDIR: dir, OVS_LOGDIR: dir, OVS_DBDIR: dir, OVS_SYSCONFDIR: dir };
  const run = (args: string[]): string => execFileSync(weft, args, { env, encoding: 'utf8', timeout: 30_000 });
  const vsctl = (...args: string[]): string => run(['vsctl', `--db=unix:${dir}/db.sock`, '--timeout=20', ...args]);
  const appctl = (...args: string[]): string => run(['appctl', '-t', 'ovs-vswitchd', ...args]);
  t.after(() => {
    for (const p of ['ovs-vswitchd', 'ovsdb-server']) {
      try { process.kill(Number(fs.readFileSync(path.join(dir, `${p}.pid`), 'utf8')), 'SIGKILL'); } catch { /* not running */ }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  });

  run(['ovsdb-tool', 'create', path.join(dir, 'conf.db'), path.join(root, 'schemas/vswitch.ovsschema')]);
  run(['ovsdb-server', '--detach', '--no-chdir', '--pidfile', '--log-file', `--remote=punix:${dir}/db.sock`, path.join(dir, 'conf.db')]);
  vsctl('--no-wait', 'init');
  run(['vswitchd', '--detach', '--no-chdir', '--pidfile', '--log-file', '--enable-dummy', '--disable-system', `unix:${dir}/db.sock`]);

  // The seed's command lines, verbatim (then the dummy datapath for a machine without those NICs).
  vsctl('add-br', 'vswitch', '--', 'set', 'bridge', 'vswitch', 'datapath_type=dummy', 'other-config:hwaddr=aa:55:aa:55:00:01');
  vsctl('add-bond', 'vswitch', 'bond0', ...NICS, 'lacp=active', 'trunks=1,2');
  vsctl('add-br', 'vlan1', 'vswitch', '1');
  vsctl('add-br', 'vlan2', 'vswitch', '2');
  vsctl('add-port', 'vlan1', 'vnet0');
  vsctl('add-port', 'vlan2', 'vnet1');
  const ifaces = [...NICS, 'vnet0', 'vnet1', 'vlan1', 'vlan2', 'vswitch'];
  for (const i of ifaces) {
    const type = ['vlan1', 'vlan2', 'vswitch'].includes(i) ? [] : [`type=dummy`];
    vsctl('set', 'interface', i, ...type, `options:tx_pcap=${dir}/${i}.pcap`);
  }
  assert.equal(vsctl('port-to-br', 'vnet0').trim(), 'vlan1');
  assert.equal(vsctl('get', 'port', 'vnet0', 'tag').trim(), '1');
  assert.equal(vsctl('get', 'port', 'bond0', 'trunks').trim(), '[1, 2]');

  // The upstream switch: an LACP partner on all four NICs, in sync.
  const st = LACP_STATE.activity | LACP_STATE.timeout | LACP_STATE.aggregation | LACP_STATE.synchronized | LACP_STATE.collecting | LACP_STATE.distributing;
  const partner = (port: number): string => encodeLacpdu(0x020000000099, {
    actor: { sysId: 0x020000000099, sysPriority: 32768, portId: port, portPriority: 32768, key: 100, state: st },
    partner: { sysId: 0xaa55aa550001, sysPriority: 65534, portId: port, portPriority: 65535, key: 1, state: st },
  }).toString('hex');
  const talk = (): void => { NICS.forEach((n, i) => appctl('netdev-dummy/receive', n, partner(11 + i))); };
  talk();
  const keepTalking = setInterval(talk, 500);
  t.after(() => clearInterval(keepTalking));
  const deadline = Date.now() + 15_000;
  while (!/lacp_status: negotiated/.test(appctl('bond/show', 'bond0'))) {
    assert.ok(Date.now() < deadline, `LACP did not negotiate:\n${appctl('lacp/show', 'bond0')}`);
    await new Promise((r) => setTimeout(r, 200));
  }

  // What each interface sent since the mark, as "iface vlan|untagged src".
  const marks = new Map<string, number>();
  const mark = (): void => { for (const i of ifaces) marks.set(i, pcapCount(path.join(dir, `${i}.pcap`))); };
  const sent = async (): Promise<string[]> => {
    await new Promise((r) => setTimeout(r, 400));
    const out: string[] = [];
    for (const i of ifaces) {
      const recs = pcapRecords(path.join(dir, `${i}.pcap`)).slice(marks.get(i) ?? 0);
      for (const r of recs) {
        const f = Buffer.from(r);
        if (f.readUInt16BE(12) === 0x8809) continue;   // our own LACPDUs
        const tagged = f.readUInt16BE(12) === 0x8100;
        const src = f.readUIntBE(6, 6);
        out.push(`${NICS.includes(i) ? 'bond0' : i} ${tagged ? `vlan${f.readUInt16BE(14) & 0xfff}` : 'untagged'} ${(src & 0xff).toString(16)}`);
      }
    }
    return out.sort();
  };
  const member = (i: number): string => NICS[i % NICS.length]!;

  // Everybody announces itself once (broadcasts), so every MAC is learned in its VLAN.
  mark();
  appctl('netdev-dummy/receive', 'vnet0', frame(0xffffffffffff, A, null));
  assert.deepEqual(await sent(), ['bond0 vlan1 a', 'vlan1 untagged a', 'vswitch vlan1 a'], 'A floods within VLAN 1 only');
  mark();
  appctl('netdev-dummy/receive', 'vnet1', frame(0xffffffffffff, B, null));
  assert.deepEqual(await sent(), ['bond0 vlan2 b', 'vlan2 untagged b', 'vswitch vlan2 b'], 'B floods within VLAN 2 only');
  for (const [h, vlan, i] of [[C, 1, 0], [E, 1, 1], [D, 2, 2], [F, 2, 3]] as const) {
    mark();
    appctl('netdev-dummy/receive', member(i), frame(0xffffffffffff, h, vlan));
    const want = vlan === 1 ? ['vlan1 untagged', 'vnet0 untagged', 'vswitch vlan1'] : ['vlan2 untagged', 'vnet1 untagged', 'vswitch vlan2'];
    assert.deepEqual(await sent(), want.map((w) => `${w} ${(h & 0xff).toString(16)}`).sort(), `host ${(h & 0xff).toString(16)} floods in VLAN ${vlan} only, never back into the bond`);
  }

  // Unicast within a VLAN reaches exactly its destination.
  mark();
  appctl('netdev-dummy/receive', member(0), frame(A, C, 1));
  appctl('netdev-dummy/receive', member(1), frame(A, E, 1));
  assert.deepEqual(await sent(), ['vnet0 untagged c', 'vnet0 untagged e']);
  mark();
  appctl('netdev-dummy/receive', 'vnet1', frame(D, B, null));
  appctl('netdev-dummy/receive', 'vnet1', frame(F, B, null));
  assert.deepEqual(await sent(), ['bond0 vlan2 b', 'bond0 vlan2 b']);

  // Nothing crosses: B addressing A (known only in VLAN 1) stays in VLAN 2; D addressing C likewise.
  mark();
  appctl('netdev-dummy/receive', 'vnet1', frame(A, B, null));
  appctl('netdev-dummy/receive', member(2), frame(C, D, 2));
  const crossed = await sent();
  assert.ok(crossed.every((l) => !l.includes('vnet0') && !l.includes('vlan1')), `traffic crossed VLANs: ${crossed.join('; ')}`);

  // The MAC table shows each host in its own VLAN.
  const fdb = appctl('fdb/show', 'vswitch');
  for (const [h, vlan] of [[A, 1], [C, 1], [E, 1], [B, 2], [D, 2], [F, 2]] as const) {
    assert.match(fdb, new RegExp(`\\s${vlan}\\s+52:54:00:00:00:0${(h & 0xff).toString(16)}\\s`));
  }
});

function pcapRecords(file: string): Uint8Array[] {
  try { return decodePcap(fs.readFileSync(file)).records.map((r) => r.data); } catch { return []; }
}

function pcapCount(file: string): number {
  return pcapRecords(file).length;
}

export const haveTools = spawnSync('sh', ['-c', 'command -v perl']).status === 0;
