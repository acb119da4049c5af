/**
 * Parity with ovs-vswitchd (test/helpers/bond-parity.ts) on the seeds' own
 * bond command lines, with dummy NICs and a simulated LACP partner:
 * - seed 000: `add-bond br-bond0 bond0 Nic1 Nic2 lacp=active
 *   bond_mode=balance-slb other_config:lacp-time=fast`, VLAN-tagged
 *   internal ports vlan53…vlan73 reached over the bond;
 * - seed 002: a 4-NIC LACP bond trunking VLANs 1 and 2 (`add-bond vswitch
 *   bond0 eth0 eth1 eth4 eth8 lacp=active trunks=1,2`), fake bridges
 *   vlan1/vlan2, VMs on them, and `ovs-appctl bond/show bond0` to watch it.
 */
import { registerScenarios, type Scenario } from '../helpers/bond-parity.js';

/** Makes each named interface a dummy NIC with a capture file and a fixed OpenFlow port. */
const nics = (spec: Record<string, number>): string => Object.entries(spec)
  .map(([n, ofp]) => `-- set interface ${n} type=dummy ofport_request=${ofp} options:tx_pcap=$T/pcap/${n}.pcap`).join(' ');
const E = ['eth0', 'eth1', 'eth4', 'eth8'];
const recordMacs = (...names: string[]): string => `_record_mac ${names.join(' ')}`;

const scenarios: Scenario[] = [
  {
    name: 'seed-000',
    steps: [
      // The seed's lines, then the dummy datapath and NICs of this machine.
      'ovs-vsctl add-br br-bond0 -- set bridge br-bond0 datapath_type=dummy other-config:hwaddr=aa:55:aa:55:00:00',
      `ovs-vsctl add-bond br-bond0 bond0 Nic1 Nic2 lacp=active bond_mode=balance-slb other_config:lacp-time=fast ${nics({ Nic1: 1, Nic2: 2 })}; ${recordMacs('Nic1', 'Nic2')}; settle; tx_mark`,
      'ovs-vsctl set interface Nic1 other_config:lacp-aggregation-key=7 -- set interface Nic2 other_config:lacp-aggregation-key=7',
      ...[53, 70, 72, 73].map((v) => `ovs-vsctl add-port br-bond0 vlan${v} tag=${v} -- set interface vlan${v} type=internal options:tx_pcap=$T/pcap/vlan${v}.pcap`),
      'ovs-appctl bond/show bond0',
      'ovs-appctl lacp/show bond0',
      'pdus',
      // The physical switch answers on both NICs.
      // Which member becomes active is OVS's pointer-order pick: compared with the active one as m0.
      { sh: 'inject Nic1 $(partner 11 1) && inject Nic2 $(partner 12 2); settle; ovs-appctl bond/show bond0', relabel: ['Nic1', 'Nic2'], sort: true },
      'ovs-appctl lacp/show bond0',
      'pdus',
      // Host traffic in VLAN 53 leaves tagged on one member; the reply reaches vlan53 untagged.
      { sh: 'inject vlan53 $(pkt src=$A fill=1); tx', relabel: ['Nic1', 'Nic2'] },
      'inject Nic2 $(pkt src=$B dst=$A vlan=53 fill=2); inject Nic1 $(pkt src=$C dst=$A vlan=70 fill=3); tx',
      { sh: 'inject vlan70 $(pkt src=$D dst=$C fill=4); tx', relabel: ['Nic1', 'Nic2'] },
      'ovs-appctl netdev-dummy/set-admin-state Nic1 down; settle; ovs-appctl bond/show bond0',
      'inject vlan53 $(pkt src=$A dst=$B fill=5); inject vlan72 $(pkt src=$E fill=6); tx',
      'ovs-appctl netdev-dummy/set-admin-state Nic1 up; settle; ovs-appctl bond/show bond0',
      { sh: 'ovs-appctl bond/show; bondlist; ovs-appctl lacp/show-stats', relabel: ['Nic1', 'Nic2'], sort: true },
    ],
  },
  {
    name: 'seed-002',
    steps: [
      'ovs-vsctl add-br vswitch -- set bridge vswitch datapath_type=dummy other-config:hwaddr=aa:55:aa:55:00:00',
      `ovs-vsctl add-bond vswitch bond0 eth0 eth1 eth4 eth8 lacp=active trunks=1,2 ${nics({ eth0: 10, eth1: 11, eth4: 14, eth8: 18 })}; ${recordMacs('eth0', 'eth1', 'eth4', 'eth8')}; settle; tx_mark`,
      `ovs-vsctl ${['eth0', 'eth1', 'eth4', 'eth8'].map((n) => `set interface ${n} other_config:lacp-aggregation-key=3`).join(' -- ')}`,
      'ovs-vsctl add-br vlan1 vswitch 1; ovs-vsctl add-br vlan2 vswitch 2',
      `ovs-vsctl add-port vlan1 vnet0 ${nics({ vnet0: 20 })}; ovs-vsctl add-port vlan2 vnet1 ${nics({ vnet1: 21 })}; ${recordMacs('vnet0', 'vnet1')}`,
      'ovs-appctl bond/show bond0',
      // The upstream switch negotiates on all four NICs.
      { sh: 'inject eth0 $(partner 20 10) && inject eth1 $(partner 21 11) && inject eth4 $(partner 22 14) && inject eth8 $(partner 23 18); settle; ovs-appctl bond/show bond0', relabel: E, sort: true },
      'ovs-appctl lacp/show bond0',
      'pdus',
      // VM A (VLAN 1) floods: tagged 1 on the active member only; VM B likewise in VLAN 2.
      { sh: 'inject vnet0 $(pkt src=$A fill=1); inject vnet1 $(pkt src=$B fill=2); tx', relabel: E },
      // Hosts behind the switch reach A and B in their VLANs (on any member: LACP is negotiated); nothing crosses.
      'inject eth1 $(pkt src=$C dst=$A vlan=1 fill=3); inject eth4 $(pkt src=$D dst=$A vlan=2 fill=4); inject eth8 $(pkt src=$E dst=$B vlan=2 fill=5); tx',
      'inject eth0 $(pkt src=$F vlan=3 fill=6); inject eth0 $(pkt src=$F fill=7); tx',
      // A member fails: traffic moves to another (the active one, OVS's pointer-order pick if eth0 was it).
      { sh: 'ovs-appctl netdev-dummy/set-admin-state eth0 down; settle; ovs-appctl bond/show bond0', relabel: E, sort: true },
      { sh: 'inject vnet0 $(pkt src=$A dst=$C fill=8); tx --all', relabel: E },
      'for i in 1 2 3; do inject eth1 $(partner 21 11); inject eth4 $(partner 22 14); inject eth8 $(partner 23 18); warp 1000; done; ovs-appctl lacp/show bond0 | grep -E "^member|may"',
      { sh: 'ovs-appctl netdev-dummy/set-admin-state eth0 up; settle; ovs-appctl bond/show bond0', relabel: E, sort: true },
      'ovs-appctl lacp/show-stats bond0',
    ],
  },
];

await registerScenarios(scenarios);
