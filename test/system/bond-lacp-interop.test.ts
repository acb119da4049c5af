/**
 * LACP interop on real interfaces (root; own namespaces): a Weft bridge and
 * a real Open vSwitch bridge (userspace datapath) joined by two veth pairs,
 * each side bonding its two ends with LACP (active, fast). Both sides reach
 * `negotiated`, a VM namespace behind each side pings the other, and when
 * one member link goes down traffic continues; the interruption is measured
 * (pings 10 ms apart, lost ones times the interval) and reported.
 *
 *   vmA ── [ weft br-bond0: bond0 = Nic1 Nic2, vlan53 ] ══ Nic1-b1, Nic2-b2 ══ [ ovs bro: bond0 = b1 b2 ] ── vmB
 *
 * The Weft side is seed 000's: `add-bond br-bond0 bond0 Nic1 Nic2 lacp=active bond_mode=balance-slb
 * other_config:lacp-time=fast` and a VLAN 53 internal port giving the host an address; both VMs
 * are in VLAN 53, so the bond carries tagged traffic.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { Lab, labUnavailable } from '../helpers/netns.js';

const skip = labUnavailable(['ping', 'ovs-vswitchd']);

for (const mode of ['balance-tcp', 'balance-slb', 'active-backup'] as const) {
  test(`LACP bond (${mode}) between Weft and Open vSwitch: negotiated, traffic, failover`, { skip: skip ?? false, timeout: 120_000 }, async (t) => {
    const lab = new Lab('lb');
    t.after(() => lab.cleanup());
    const nsW = lab.netns('w');
    const nsO = lab.netns('o');
    lab.veth(nsW, 'Nic1', nsO, 'b1');
    lab.veth(nsW, 'Nic2', nsO, 'b2');
    const vmA = lab.vm('vmA', nsW, 'va', '10.88.0.1/24');
    const vmB = lab.vm('vmB', nsO, 'vb', '10.88.0.2/24');
    const weft = lab.startWeft(nsW);
    const ovs = lab.startOvs(nsO);
    const bondArgs = ['lacp=active', `bond_mode=${mode}`, 'other_config:lacp-time=fast'];
    // Seed 000's command lines (its bond is balance-slb; the other modes the same way), one at a time as there.
    weft.vsctl('add-br', 'br-bond0');
    weft.vsctl('add-bond', 'br-bond0', 'bond0', 'Nic1', 'Nic2', ...bondArgs);
    weft.vsctl('add-port', 'br-bond0', 'vlan53', 'tag=53', '--', 'set', 'interface', 'vlan53', 'type=internal');
    weft.vsctl('add-port', 'br-bond0', 'va', 'tag=53');
    lab.sh('ip', ['-n', nsW, 'addr', 'add', '10.88.0.53/24', 'dev', 'vlan53']);
    lab.sh('ip', ['-n', nsW, 'link', 'set', 'vlan53', 'up']);
    ovs.vsctl('add-br', 'bro', '--', 'set', 'bridge', 'bro', 'datapath_type=netdev',
      '--', 'add-bond', 'bro', 'bond0', 'b1', 'b2', ...bondArgs, '--', 'add-port', 'bro', 'vb', 'tag=53');

    const negotiated = (s: typeof weft): boolean => /lacp_status: negotiated/.test(s.appctl('bond/show', 'bond0'));
    assert.ok(await lab.until(() => negotiated(weft) && negotiated(ovs), 30_000, 250),
      `both sides negotiate:\n${weft.appctl('lacp/show', 'bond0')}\n${ovs.appctl('lacp/show', 'bond0')}`);
    const wl = weft.appctl('lacp/show', 'bond0');
    assert.match(wl, /status: active negotiated/);
    assert.match(wl, /member: Nic1: current attached/);
    assert.match(wl, /member: Nic2: current attached/);
    assert.match(ovs.appctl('lacp/show', 'bond0'), /member: b1: current attached/);
    assert.ok(await lab.until(() => lab.ping(vmA, '10.88.0.2', 1) === 1, 20_000), 'vmA reaches vmB over the bond');
    assert.ok(await lab.until(() => lab.ping(vmB, '10.88.0.53', 1) === 1, 10_000), 'vmB reaches the host\'s vlan53 address over the bond (VLAN 53 tagged on it)');

    // Which member carries vmA -> vmB? Count each member's transmissions over a burst of pings and
    // take the busier one down (the case that needs a failover).
    const txOf = (dev: string): number => JSON.parse(lab.sh('ip', ['-s', '-j', 'link', 'show', dev], { ns: nsW }))[0].stats64.tx.packets as number;
    const t0 = [txOf('Nic1'), txOf('Nic2')];
    lab.ping(vmA, '10.88.0.2', 10);
    const d = [txOf('Nic1') - t0[0]!, txOf('Nic2') - t0[1]!];
    const victim = d[0]! >= d[1]! ? 'Nic1' : 'Nic2';
    // Pings 10 ms apart across the failure: the lost ones times 10 ms is the interruption.
    const pingPid = lab.spawn(vmA, 'sh', ['-c', `ping -i 0.01 -c 500 -W 1 10.88.0.2 > ${lab.dir}/ping.txt 2>&1`]);
    await new Promise((r) => setTimeout(r, 1000));
    lab.sh('ip', ['-n', nsW, 'link', 'set', victim, 'down']);
    await lab.until(() => /\d+ received/.test(safeRead(`${lab.dir}/ping.txt`)), 20_000, 200);
    void pingPid;
    const out = safeRead(`${lab.dir}/ping.txt`);
    const m = /(\d+) packets transmitted, (\d+) received/.exec(out);
    assert.ok(m, out);
    const lost = Number(m[1]) - Number(m[2]);
    t.diagnostic(`${mode}: ${victim} down: ${lost} of ${m[1]} pings lost = ~${lost * 10} ms interruption`);
    assert.ok(lost < 250, `traffic continues after ${victim} goes down (lost ${lost} of ${m[1]})`);
    assert.ok(await lab.until(() => lab.ping(vmA, '10.88.0.2', 1) === 1, 10_000), 'steady after the failover');
    const after = weft.appctl('bond/show', 'bond0');
    assert.match(after, new RegExp(`member ${victim}: disabled`));
  });
}

function safeRead(f: string): string {
  try { return fs.readFileSync(f, 'utf8'); } catch { return ''; }
}
