/**
 * Parity with ovs-vswitchd (test/helpers/bond-parity.ts): balance-slb —
 * source MAC + VLAN hashing onto members (round-robin assignment of new
 * buckets, sticky), bond/hash, bond/migrate, the receive rules (floods
 * accepted on the active member only, never reflected back into the bond,
 * frames from MACs learned on other ports dropped), failover with
 * learning packets, and rebalancing by load every bond-rebalance-interval.
 */
import { registerScenarios, type Scenario } from '../helpers/bond-parity.js';

const show = 'ovs-appctl bond/show bond0';
/** Makes the members' enable order (and so the round-robin order) p1, p2, with p1 active. */
const ORDER = 'ovs-appctl netdev-dummy/set-admin-state p2 down; settle; ovs-appctl netdev-dummy/set-admin-state p2 up; settle; ovs-appctl bond/set-active-member bond0 p1 > /dev/null';
const M = (n: string): string => `50:54:00:00:01:${n}`;

const scenarios: Scenario[] = [
  {
    name: 'slb-hash',
    steps: [
      'add_br br0 aa:55:aa:55:00:00',
      'add_bond br0 bond0 p1 p2 -- bond_mode=balance-slb other_config:bond-rebalance-interval=0',
      'add_port br0 p3',
      'add_port br0 p4 tag=10',
      { sh: ORDER, quiet: true },
      show,
      'bondlist',
      'tx --all',
      // Each source MAC's frames leave on one member; new buckets are handed out round-robin.
      `for m in 01 02 03 04 05 06; do inject p3 $(pkt src=${M('$m')} fill=1); done; tx`,
      `for m in 01 02; do inject p4 $(pkt src=${M('$m')} fill=2); done; tx`,
      `for m in 01 02 03 04 05 06; do ovs-appctl bond/hash ${M('$m')}; done; ovs-appctl bond/hash ${M('01')} 10; ovs-appctl bond/hash ${M('02')} 10 7`,
      `for m in 06 05 04 03 02 01; do inject p3 $(pkt src=${M('$m')} fill=3); done; tx`,
      show,
      `ovs-appctl bond/migrate bond0 $(ovs-appctl bond/hash ${M('01')}) p2; ovs-appctl bond/migrate bond0 $(ovs-appctl bond/hash ${M('02')}) p1; `
        + `for m in 01 02; do inject p3 $(pkt src=${M('$m')} fill=4); done; tx`,
      'ovs-appctl bond/migrate bond0 x p1; ovs-appctl bond/migrate bond0 1 nosuch; ovs-appctl bond/migrate nosuch 1 p1; ovs-appctl bond/migrate bond0 300 p1',
      // Receive rules: a flood arrives on the active member only and is never sent back into the bond.
      'inject p1 $(pkt src=$C fill=5); tx',
      'inject p2 $(pkt src=$D fill=6); tx',
      `inject p2 $(pkt src=$D dst=${M('01')} fill=7); tx`,
      // A frame from a MAC learned on another port is our own flood reflected back: dropped.
      `inject p1 $(pkt src=${M('01')} dst=$C fill=8); inject p2 $(pkt src=${M('02')} fill=9); tx`,
      'inject p1 $(pkt src=$C dst=$E fill=10); tx',
      // A host that moved to the bond (unicast from it) is learned there.
      `inject p2 $(pkt src=$E dst=$C fill=11); tx`,
      // Failover: every bucket moves to p2; learning packets for the hosts behind other ports.
      'ovs-appctl netdev-dummy/set-admin-state p1 down; settle; ' + show,
      'tx --all',
      `for m in 01 02 03; do inject p3 $(pkt src=${M('$m')} fill=12); done; tx`,
      'ovs-appctl netdev-dummy/set-admin-state p1 up; settle; ' + show,
      'tx --all',
      `for m in 01 02 07 08; do inject p3 $(pkt src=${M('$m')} fill=13); done; tx`,
      'ovs-appctl bond/disable-member bond0 p2; settle; ' + show,
      'tx --all',
    ],
  },
  {
    name: 'slb-rebalance',
    steps: [
      'add_br br0 aa:55:aa:55:00:00',
      'add_bond br0 bond0 p1 p2 -- bond_mode=balance-slb other_config:bond-rebalance-interval=500',
      'add_port br0 p3',
      { sh: ORDER, quiet: true },
      show,
      // Three hosts: their buckets go p1, p2, p1.
      `for m in 01 02 03; do inject p3 $(pkt src=${M('$m')} fill=1); done; tx`,
      // Heavy load from hosts 01 and 03 (both on p1), light from 02.
      `inject p3 $(repeat 60 $(pkt src=${M('01')} plen=1400 fill=2)); inject p3 $(repeat 45 $(pkt src=${M('03')} plen=1400 fill=3)); `
        + `inject p3 $(repeat 5 $(pkt src=${M('02')} plen=1400 fill=4)); settle 1.2; ` + show,
      'tx | sort | uniq -c | sed "s/^ *//" | cut -c1-24',
      'warp 400; settle 1.2; ' + show,
      'warp 600; settle 1.2; ' + show,
      `for m in 01 02 03; do inject p3 $(pkt src=${M('$m')} fill=5); done; tx`,
      // Loads halve at every rebalance until they fall under 1 kB.
      'warp 1000; settle 1.2; ' + show,
      'ovs-vsctl set port bond0 other_config:bond-rebalance-interval=0; ' + show,
      'ovs-vsctl set port bond0 other_config:bond-rebalance-interval=2000 other_config:bond-hash-basis=7; ' + show,
      // New buckets after the reset: OVS's revalidators re-translate the live datapath flows first, in dump order.
      { sh: `ovs-appctl bond/hash ${M('01')} 0 7; inject p3 $(pkt src=${M('01')} fill=6); tx`, relabel: ['p1', 'p2'] },
    ],
  },
];

await registerScenarios(scenarios);
