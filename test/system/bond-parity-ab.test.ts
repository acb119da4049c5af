/**
 * Parity with ovs-vswitchd (test/helpers/bond-parity.ts): active-backup
 * bonds — bond-primary, failover and return, gratuitous learning packets,
 * bond/set-active-member, bond/enable-member, bond/disable-member,
 * bond_updelay/bond_downdelay under time/warp, bond/hash, errors.
 */
import { registerScenarios, type Scenario } from '../helpers/bond-parity.js';

const show = 'ovs-appctl bond/show bond0';

const scenarios: Scenario[] = [
  {
    name: 'ab-primary',
    steps: [
      'add_br br0 aa:55:aa:55:00:00',
      'add_bond br0 bond0 p1 p2 -- bond_mode=active-backup other_config:bond-primary=p1',
      'add_port br0 p3',
      show,
      'bondlist',
      'ovs-appctl bond/show',
      // Floods and unicast leave on the active member only.
      'tx_mark; inject p3 $(pkt src=$A fill=1); inject p3 $(pkt src=$A dst=$B fill=2); tx --all',
      'inject p1 $(pkt src=$B dst=$A fill=3); tx --all',
      // The backup member receives nothing.
      'inject p2 $(pkt src=$C dst=$A fill=4); inject p2 $(pkt src=$C fill=5); tx --all',
      // Failover: learning packets (RARP) for MACs learned on other ports go out of the new active member.
      'ovs-appctl netdev-dummy/set-admin-state p1 down; settle; ' + show,
      'tx --all',
      'inject p3 $(pkt src=$A dst=$B fill=6); inject p2 $(pkt src=$B dst=$A fill=7); tx --all',
      'ovs-appctl netdev-dummy/set-admin-state p1 up; settle; ' + show,
      'tx --all',
      'ovs-vsctl set port bond0 other_config:bond-primary=p2; ' + show,
      'tx --all',
      'ovs-vsctl set port bond0 other_config:bond-primary=nosuch; ' + show,
      'ovs-vsctl remove port bond0 other_config bond-primary; ' + show,
      'ovs-appctl bond/set-active-member bond0 p1; ' + show,
      'tx --all',
      'ovs-appctl bond/set-active-member bond0 p1',
      'ovs-appctl bond/set-active-member bond0 nosuch',
      'ovs-appctl bond/set-active-member nosuch p1',
      'ovs-appctl netdev-dummy/set-admin-state p2 down; settle; ovs-appctl bond/set-active-member bond0 p2',
      'ovs-appctl netdev-dummy/set-admin-state p2 up; settle; tx --all',
      'ovs-appctl bond/disable-member bond0 p1; settle; ' + show,
      'tx --all',
      'ovs-appctl bond/enable-member bond0 p1; ' + show,
      'ovs-appctl bond/disable-member bond0 nosuch; ovs-appctl bond/enable-member nosuch p1',
      'ovs-appctl bond/show nosuch',
      'ovs-appctl bond/hash 50:54:00:00:00:0a; ovs-appctl bond/hash 50:54:00:00:00:0a 10; ovs-appctl bond/hash 50:54:00:00:00:0a 10 5',
      'ovs-appctl bond/hash 50:54:00:00:00:0a 4095 4294967295; ovs-appctl bond/hash ff:ff:ff:ff:ff:ff 1',
      'ovs-appctl bond/hash nonsense; ovs-appctl bond/hash 50:54:00:00:00:0a x; ovs-appctl bond/hash 50:54:00:00:00:0a 1 y',
      'ovs-appctl bond/migrate bond0 5 p1',
      // A port that loses its second interface is no longer a bond.
      'ovs-vsctl del-bond-iface bond0 p2; ovs-appctl bond/show; bondlist',
    ],
  },
  {
    name: 'ab-delays',
    steps: [
      'add_br br0 aa:55:aa:55:00:00',
      'add_bond br0 bond0 p1 p2 -- bond_mode=active-backup other_config:bond-primary=p1 bond_updelay=1000 bond_downdelay=500',
      'add_port br0 p3',
      show,
      'inject p3 $(pkt src=$A fill=1); tx --all',
      'ovs-appctl netdev-dummy/set-admin-state p1 down; settle; ' + show,
      'warp 200; ' + show,
      {
        sh: 'inject p3 $(pkt src=$A dst=$B fill=2); tx --all',
        known: 'a member in its downdelay still carries traffic; OVS\'s dummy device records what it sends while administratively down, Weft\'s (src/netdev/dummy.ts) drops it',
      },
      'warp 300; ' + show,
      'tx --all',
      'ovs-appctl netdev-dummy/set-admin-state p1 up; settle; ' + show,
      'warp 999; ' + show,
      'warp 1; ' + show,
      'tx --all',
      // Link flaps shorter than the delay change nothing.
      'ovs-appctl netdev-dummy/set-admin-state p2 down; settle; warp 100; ovs-appctl netdev-dummy/set-admin-state p2 up; settle; ' + show,
      'warp 1000; ' + show,
      // Every member down: none active, then the first to come back skips its updelay.
      'ovs-appctl netdev-dummy/set-admin-state p1 down; ovs-appctl netdev-dummy/set-admin-state p2 down; settle; warp 500; ' + show,
      'inject p3 $(pkt src=$A dst=$B fill=3); tx --all',
      'ovs-appctl netdev-dummy/set-admin-state p2 up; settle; ' + show,
      'tx --all',
      'ovs-vsctl set port bond0 bond_updelay=0 bond_downdelay=0; ' + show,
      'warp 100; ' + show,
    ],
  },
];

await registerScenarios(scenarios);
