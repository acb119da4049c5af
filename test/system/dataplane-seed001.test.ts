/**
 * Seed 001 on real interfaces (root; own namespaces): a hypervisor (the
 * switch namespace) with `br0` on its "physical" NIC eno1 and its address on
 * br0's own port, and `brint` for the VMs, cut into VLANs, the host reaching
 * VLAN 99 through brint's own port once `ovs-vsctl set port brint tag=99`,
 * with the seed's command lines verbatim.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lab, labUnavailable } from '../helpers/netns.js';

const skip = labUnavailable(['ping']);

test('seed 001: br0 on the NIC with the host address, brint with the host on VLAN 99', { skip: skip ?? false, timeout: 90_000 }, async (t) => {
  const lab = new Lab('s1');
  t.after(() => lab.cleanup());
  const host = lab.netns('hv');
  // The hypervisor's NIC eno1 leads to the provider's network (a namespace with the gateway address).
  const lan = lab.netns('lan');
  lab.veth(host, 'eno1', lan, 'eth0');
  lab.sh('ip', ['-n', lan, 'addr', 'add', '192.0.2.1/24', 'dev', 'eth0']);
  // Two VMs on brint: one in VLAN 99 (with the hypervisor), one in VLAN 10.
  const vm99 = lab.vm('vm99', host, 'vnet0', '10.99.1.10/24');
  const vm10 = lab.vm('vm10', host, 'vnet1', '10.99.1.11/24');
  const sw = lab.startWeft(host);
  const ip = (...args: string[]): string => lab.sh('ip', args, { ns: host });

  sw.vsctl('add-br', 'br0');
  sw.vsctl('add-br', 'brint');
  // /etc/network/interfaces: ovs_ports eno1 on br0, the host's address on br0.
  sw.vsctl('add-port', 'br0', 'eno1');
  ip('addr', 'add', '192.0.2.10/24', 'dev', 'br0');
  ip('link', 'set', 'br0', 'up');
  assert.ok(await lab.until(() => lab.ping(host, '192.0.2.1', 1) === 1, 15_000), 'the host reaches its LAN through br0');
  assert.match(ip('addr', 'show', 'br0'), /inet 192\.0\.2\.10\/24/);

  // libvirt's portgroups: access ports of VLAN 99 and 10 on brint.
  sw.vsctl('add-port', 'brint', 'vnet0', 'tag=99');
  sw.vsctl('add-port', 'brint', 'vnet1', 'tag=10');
  // "C – Hyperviseur sur le VLAN 99", verbatim.
  ip('addr', 'add', '10.99.1.250', 'dev', 'brint');
  ip('link', 'set', 'brint', 'up');
  ip('route', 'add', '10.99.1.0/24', 'dev', 'brint');
  sw.vsctl('set', 'port', 'brint', 'tag=99');

  const show = sw.vsctl('show');
  assert.match(show, /Bridge brint\n(?:.*\n)*? {8}Port brint\n {12}tag: 99\n {12}Interface brint\n {16}type: internal/);
  assert.match(show, /Bridge br0\n(?:.*\n)*? {8}Port eno1\n {12}Interface eno1/);
  assert.ok(await lab.until(() => lab.ping(vm99, '10.99.1.250', 1) === 1, 15_000), 'a VLAN 99 VM reaches the hypervisor');
  assert.ok(await lab.until(() => lab.ping(host, '10.99.1.10', 1) === 1, 10_000), 'and the hypervisor reaches it');
  assert.equal(lab.ping(vm10, '10.99.1.250', 2), 0, 'a VLAN 10 VM does not');
  assert.equal(lab.ping(vm10, '10.99.1.10', 2), 0, 'nor VLAN 99 VMs');
});
