/**
 * `weft vsctl show` prints exactly what `ovs-vsctl show` prints, byte for
 * byte, for the configurations of the seed documents (built from their own
 * command lines). Both tools read the same database, so even the order of
 * bridges, ports and interfaces (uuid order) must agree. Checked on Weft's
 * ovsdb-server and on the real one.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { have, startServer, runStep, type ServerKind } from '../helpers/vsctl-harness.js';

interface Config { name: string; build: string[] }

const CONFIGS: Config[] = [
  {
    name: 'seed 000: Hyper-V bond and VLAN internal ports',
    build: [
      'add-br br-bond0', 'add-bond br-bond0 bond0 Nic1 Nic2 lacp=active bond_mode=balance-slb other_config:lacp-time=fast',
      ...[53, 70, 72, 73].map((v) => `add-port br-bond0 vlan${v} tag=${v} -- set interface vlan${v} type=internal`),
    ],
  },
  {
    name: 'seed 000: OpenStack br-tun and br-data',
    build: [
      '--may-exist add-br br-tun -- set-controller br-tun tcp:127.0.0.1:6633 -- set-fail-mode br-tun secure',
      'set controller br-tun is_connected=true',
      'add-port br-tun vxlan-0aa0491f -- set Interface vxlan-0aa0491f type=vxlan options:df_default=true options:in_key=flow options:local_ip=10.160.73.70 options:out_key=flow options:remote_ip=10.160.73.31',
      'add-port br-tun vxlan-0aa04921 -- set Interface vxlan-0aa04921 type=vxlan options:df_default=true options:in_key=flow options:local_ip=10.160.73.70 options:out_key=flow options:remote_ip=10.160.73.33',
      'add-br br-data -- add-port br-data external -- set interface external \'error="could not add network device external to ofproto (Invalid argument)"\'',
      '--may-exist add-br br-int -- set Bridge br-int datapath_type=system -- set-fail-mode br-int secure',
      'add-port br-int patch-tun -- set Interface patch-tun type=patch options:peer=patch-int',
      'add-port br-tun patch-int -- set Interface patch-int type=patch options:peer=patch-tun',
      'set-manager ptcp:6640 -- set open . ovs_version=3.1.0',
    ],
  },
  {
    name: 'seed 001: br0 and brint with host VLAN 99',
    build: ['add-br br0', 'add-br brint', 'add-port br0 eno1', 'set port brint tag=99'],
  },
  {
    name: 'seed 002: LACP bond, fake bridges, VMs',
    build: [
      'add-br vswitch', 'add-bond vswitch bond0 eth0 eth1 eth4 eth8 lacp=active trunks=1,2',
      'add-br vlan1 vswitch 1', 'add-br vlan2 vswitch 2', 'add-port vlan1 vnet0', 'add-port vswitch vnet1 tag=2',
    ],
  },
  {
    name: 'seed 003: provider bridge',
    build: ['add-br br-ex', 'add-port br-ex eno2', 'add-br br-int'],
  },
];

const ready = have('ovs-vsctl') && have('ovsdb-server') && have('ovsdb-tool');

for (const server of ['weft', 'real'] as ServerKind[]) {
  for (const cfg of CONFIGS) {
    test(`show (${server} server): ${cfg.name}`, { skip: ready ? false : 'Open vSwitch tools not installed', timeout: 120_000 }, async () => {
      const s = await startServer(server);
      try {
        for (const line of cfg.build) {
          const r = await runStep({ sh: `$V ${line}` }, s, 'weft');
          assert.equal(r.status, 0, `${line}: ${r.stderr}`);
        }
        const [ovs, weft] = await Promise.all([runStep({ sh: '$V show' }, s, 'ovs'), runStep({ sh: '$V show' }, s, 'weft')]);
        assert.equal(ovs.status, 0, ovs.stderr);
        assert.ok(ovs.stdout.includes('Bridge'), ovs.stdout);
        assert.equal(weft.stdout, ovs.stdout);
        assert.equal(weft.stderr, ovs.stderr);
        assert.equal(weft.status, 0);
      } finally {
        await s.stop();
      }
    });
  }
}
