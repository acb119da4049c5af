/**
 * Parity with ovs-vswitchd (test/helpers/bond-parity.ts): LACP — active,
 * passive and off; lacp-time fast and slow; lacp-system-id/-priority,
 * lacp-port-id/-priority, lacp-aggregation-key; negotiation with a
 * simulated partner (crafted LACPDUs); our LACPDUs and their timing;
 * expiry and defaulting when the partner goes silent; lacp-fallback-ab;
 * balance-tcp; lacp/show, lacp/show-stats, bond/show.
 */
import { registerScenarios, type Scenario } from '../helpers/bond-parity.js';

const show = 'ovs-appctl bond/show bond0';
const lacp = 'ovs-appctl lacp/show bond0';
const both = (a: string, b: string): string => `inject p1 $(partner ${a} 1) && inject p2 $(partner ${b} 2)`;
/** Pins the aggregation key of each interface (OVS's default is the port id of a member it picks by pointer order). */
const key = (k: number, ...ifaces: string[]): string => `ovs-vsctl ${ifaces.map((i) => `set interface ${i} other_config:lacp-aggregation-key=${k}`).join(' -- ')}`;

const scenarios: Scenario[] = [
  {
    name: 'lacp-modes',
    steps: [
      'add_br br0 aa:55:aa:55:00:00',
      'add_bond br0 bond0 p1 p2 -- lacp=active',
      // (No rebalancing: when OVS rebalances after a warp depends on its revalidators' real-time rounds.)
      'add_bond br0 bond1 p3 p4 -- lacp=passive bond_mode=balance-slb other_config:lacp-time=fast other_config:bond-rebalance-interval=0',
      'add_bond br0 bond2 p5 p6 -- lacp=off bond_mode=balance-tcp other_config:bond-rebalance-interval=0',
      'add_port br0 p7 lacp=active',
      // Keys unlike any port id, so pinning them changes what OVS advertised whatever member it picked.
      key(5, 'p1', 'p2'),
      key(6, 'p3', 'p4') + ' -- ' + key(8, 'p5', 'p6').slice('ovs-vsctl '.length) + '; settle; tx_mark',
      'ovs-appctl lacp/show',
      'ovs-appctl lacp/show bond1; ovs-appctl lacp/show bond2; ovs-appctl lacp/show p7; ovs-appctl lacp/show nosuch',
      // bond2's active member is OVS's pointer-order pick among its enabled members.
      { sh: 'ovs-appctl bond/show', relabel: ['p5', 'p6'], sort: true },
      'bondlist',
      'ovs-appctl lacp/show-stats; ovs-appctl lacp/show-stats bond2',
      // Only active ends speak; expired members ask for fast transmission.
      'pdus',
      'warp 1000; pdus',
      'warp 1000 1000; pdus',
      'ovs-appctl lacp/show bond0 | grep -E "^member|state"; ' + show,
      // Defaulted: back to the slow period.
      'warp 1000; pdus',
      'warp 29000; pdus',
      'warp 1000; pdus',
      'ovs-appctl lacp/show-stats bond0; ovs-appctl lacp/show p7',
      // A passive end answers an active partner.
      'inject p3 $(partner 13 3) && inject p4 $(partner 14 4); pdus',
      'ovs-appctl lacp/show bond1; ovs-appctl bond/show bond1',
      'ovs-vsctl set port bond1 lacp=off; ovs-appctl lacp/show bond1; ovs-appctl bond/show bond1; ovs-appctl lacp/show | grep ^----',
      'ovs-vsctl set port bond2 lacp=active; ovs-appctl lacp/show | grep ^----; ovs-appctl bond/show bond2 | grep -E "lacp|recirc"',
      'ovs-vsctl set port bond0 other_config:lacp-time=fast; ' + lacp,
      'pdus',
    ],
  },
  {
    name: 'lacp-ids',
    steps: [
      'add_br br0 aa:55:aa:55:00:00',
      // (The first LACPDUs carry OVS's pointer-order default key: not compared.)
      'add_bond br0 bond0 p1 p2 -- lacp=active bond_mode=balance-slb other_config:lacp-time=fast other_config:lacp-system-id=02:00:00:00:00:11 other_config:lacp-system-priority=100; settle; tx_mark',
      'ovs-vsctl set interface p1 other_config:lacp-port-id=11 other_config:lacp-port-priority=200 other_config:lacp-aggregation-key=42 -- set interface p2 other_config:lacp-port-id=12 other_config:lacp-aggregation-key=42',
      lacp,
      'pdus',
      key(9, 'p1', 'p2') + '; ovs-appctl lacp/show bond0 | grep -E "key|port_id"',
      'pdus',
      // Out-of-range values fall back to the defaults.
      'ovs-vsctl set port bond0 other_config:lacp-system-priority=70000 -- set interface p1 other_config:lacp-port-id=0 other_config:lacp-port-priority=-5; ovs-appctl lacp/show bond0 | grep -E "priority|port_id|sys"',
      { sh: 'ovs-vsctl set port bond0 other_config:lacp-system-id=00:00:00:00:00:00; ovs-appctl lacp/show; ' + show, relabel: ['p1', 'p2'], sort: true },
      'ovs-vsctl set port bond0 other_config:lacp-system-id=junk; ovs-appctl lacp/show',
      'ovs-vsctl remove port bond0 other_config lacp-system-id; ovs-appctl lacp/show bond0 | head -6',
      // The partner has the better system priority: its port numbers rank the links.
      'inject p1 $(pdu src=02:00:00:00:00:21 actor_sys=02:00:00:00:00:98 actor_prio=10 actor_key=5 actor_port=21 actor_port_prio=1 actor_state=$SYNC); '
        + 'inject p2 $(pdu src=02:00:00:00:00:22 actor_sys=02:00:00:00:00:98 actor_prio=10 actor_key=6 actor_port=22 actor_port_prio=1 actor_state=$SYNC); settle; ' + lacp,
      { sh: show, relabel: ['p1', 'p2'], sort: true },
      'pdus',
    ],
  },
  {
    name: 'lacp-partner',
    steps: [
      'add_br br0 aa:55:aa:55:00:00',
      'add_bond br0 bond0 p1 p2 -- lacp=active bond_mode=balance-slb other_config:lacp-time=fast other_config:bond-rebalance-interval=0; settle; tx_mark',
      'ovs-vsctl set interface p1 other_config:lacp-aggregation-key=7 -- set interface p2 other_config:lacp-aggregation-key=7',
      'add_port br0 p3',
      'pdus',
      'ovs-appctl lacp/show-stats bond0',
      `${both('11', '12')}; settle; ${lacp}`,
      // The active member is OVS's pointer-order pick (the first one enabled by negotiation).
      { sh: show, relabel: ['p1', 'p2'], sort: true },
      'pdus',
      'ovs-appctl lacp/show-stats bond0',
      'warp 1000; pdus',
      // Data: a flood leaves on exactly one member; a frame from the partner is switched.
      { sh: 'inject p3 $(pkt src=$A fill=1); tx', relabel: ['p1', 'p2'] },
      'inject p2 $(pkt src=$B dst=$A fill=2); inject p1 $(pkt src=$C dst=$A fill=3); tx',
      // The switch stops talking on p2: expired after 3 s, then defaulted after 3 s more.
      'for i in 1 2 3; do inject p1 $(partner 11 1); warp 1000; done; ' + lacp,
      show,
      'pdus',
      'inject p3 $(pkt src=$A dst=$B fill=4); inject p2 $(pkt src=$B dst=$A fill=5); tx',
      'for i in 1 2 3; do inject p1 $(partner 11 1); warp 1000; done; ovs-appctl lacp/show bond0 | grep -E "^member|state|may"; ' + show,
      'ovs-appctl lacp/show-stats bond0',
      'pdus',
      // It comes back.
      `${both('11', '12')}; settle; ${lacp}`,
      'pdus',
      // Partner out of sync on p1: attached, but not usable.
      'inject p1 $(partner 11 1 100 activity,timeout,aggregation,collecting,distributing); settle; ovs-appctl lacp/show bond0 | grep -E "^member|may|partner state"; ' + show,
      // A different partner system on p2: it cannot join p1's aggregate.
      `inject p1 $(partner 11 1); inject p2 $(partner 12 2 100 $SYNC 02:00:00:00:00:77); settle; ${lacp}`,
      show,
      `${both('11', '12')}; settle; ovs-appctl lacp/show bond0 | grep ^member`,
      // A different key on p2.
      `inject p2 $(partner 12 2 101); settle; ovs-appctl lacp/show bond0 | grep -E "^member|partner key"; ${show}`,
      // Our own LACPDU looped back.
      `inject p2 $(pdu src=aa:55:aa:55:00:00 actor_sys=aa:55:aa:55:00:00 actor_prio=65534 actor_key=7 actor_port=1 actor_state=$SYNC); settle; ovs-appctl lacp/show bond0 | grep ^member`,
      // Malformed and marker PDUs are counted.
      'inject p1 0180c200000202000000001188090101140000; inject p1 0180c2000002020000000011880902$(printf "%0218d" 0); '
        + 'inject p2 0180c2000002020000000011880901010114$(printf "%0214d" 0); settle; ovs-appctl lacp/show-stats bond0',
      // Link down on a dummy member: it leaves the bond, LACP keeps its partner.
      `${both('11', '12')}; settle; ovs-appctl netdev-dummy/set-admin-state p2 down; settle; ${lacp}`,
      show,
      { sh: 'warp 1000; pdus', known: 'OVS\'s dummy device records what it sends while administratively down (LACPDUs included); Weft\'s (src/netdev/dummy.ts) drops it' },
      'ovs-appctl netdev-dummy/set-admin-state p2 up; settle; ' + show,
      'ovs-appctl lacp/show-stats bond0',
      // Removing a member, then the whole bond.
      'ovs-vsctl del-bond-iface bond0 p2; ovs-appctl lacp/show; ovs-appctl bond/show',
      'pdus',
      'ovs-vsctl del-port bond0; ovs-appctl lacp/show; ovs-appctl bond/show; ovs-appctl lacp/show bond0',
    ],
  },
  {
    name: 'lacp-fallback',
    steps: [
      'add_br br0 aa:55:aa:55:00:00',
      'add_bond br0 bond0 p1 p2 -- lacp=active bond_mode=balance-slb other_config:lacp-time=fast other_config:lacp-fallback-ab=true other_config:bond-primary=p2',
      key(7, 'p1', 'p2'),
      'add_port br0 p3',
      show,
      lacp,
      // No partner: defaulted after 3 s; the bond works as active-backup (primary p2).
      'warp 1000 1000 1000; ' + show,
      lacp,
      'inject p3 $(pkt src=$A fill=1); inject p2 $(pkt src=$B dst=$A fill=2); inject p1 $(pkt src=$C dst=$A fill=3); tx',
      'pdus',
      'ovs-appctl netdev-dummy/set-admin-state p2 down; settle; ' + show,
      'tx --all',
      'ovs-appctl netdev-dummy/set-admin-state p2 up; settle; ' + show,
      'tx --all',
      // A partner appears: negotiated, balance-slb again.
      `${both('11', '12')}; settle; ${show}`,
      lacp,
      { sh: 'inject p3 $(pkt src=$A dst=$B fill=4); tx', relabel: ['p1', 'p2'] },
      // Only p1's partner keeps talking: p2 defaults and leaves the aggregate.
      'for i in 1 2 3 4 5 6; do inject p1 $(partner 11 1); warp 1000; done; ovs-appctl lacp/show bond0 | grep -E "^member|may"; ' + show,
      'ovs-vsctl set port bond0 other_config:lacp-fallback-ab=false; ' + show,
    ],
  },
  {
    name: 'lacp-tcp',
    steps: [
      'add_br br0 aa:55:aa:55:00:00',
      'add_bond br0 bond0 p1 p2 -- bond_mode=balance-tcp lacp=active other_config:lacp-time=fast other_config:bond-rebalance-interval=0',
      key(7, 'p1', 'p2'),
      'add_port br0 p3',
      show,
      'bondlist',
      // Not negotiated: nothing is sent on the bond, nothing received from it.
      'inject p3 $(udp4 src=$A sport=1); inject p1 $(pkt src=$B fill=1); tx',
      { sh: `${both('11', '12')}; settle; ${show}`, relabel: ['p1', 'p2'], sort: true },
      // Every flow leaves on one member, the same one every time.
      'for sp in 1 2 3 4 5 6 7 8; do inject p3 $(udp4 src=$A sport=$sp); done; tx | tee $T/first | sed -E "s/^p[12] /bond /"',
      'for sp in 1 2 3 4 5 6 7 8; do inject p3 $(udp4 src=$A sport=$sp); done; tx > $T/second; cmp $T/first $T/second && echo same',
      // Which flows share a member (the L3/L4 hash, IPv4 and IPv6), members named in order of first use.
      // Unicast to a MAC learned on the bond (floods take one member whatever the hash).
      { sh: 'inject p1 $(pkt src=$B fill=9); for i in $(seq 50); do ovs-appctl fdb/show br0 | grep -q $B && break; sleep 0.1; done; tx > /dev/null; for sp in $(seq 1 12); do inject p3 $(udp4 src=$A dst=$B sport=$sp); echo "v4 $sp $(tx | cut -d" " -f1 | paste -sd,)"; done', relabel: ['p1', 'p2'] },
      { sh: 'for sp in $(seq 1 12); do inject p3 $(udp6 src=$A dst=$B sport=$sp); echo "v6 $sp $(tx | cut -d" " -f1 | paste -sd,)"; done', relabel: ['p1', 'p2'] },
      'inject p1 $(pkt src=$B fill=2); inject p2 $(pkt src=$C fill=3); tx',
      // The partner goes silent: expired, then defaulted; no member may carry traffic.
      'warp 1000 1000 1000; ' + show,
      'inject p3 $(udp4 src=$A sport=1); tx',
      'warp 1000 1000 1000; ' + show,
      // The active member is OVS's pointer-order pick: the active one becomes m0, lines are compared as a set.
      { sh: 'ovs-vsctl set port bond0 lacp=off; ' + show, relabel: ['p1', 'p2'], sort: true },
      { sh: 'inject p3 $(udp4 src=$A sport=1); inject p1 $(pkt src=$B fill=4); tx', relabel: ['p1', 'p2'] },
    ],
  },
];

await registerScenarios(scenarios);
