/**
 * Command lines run through both ovs-vsctl and `weft vsctl` by the parity
 * suite (test/system/vsctl-parity.test.ts). Each scenario starts from a
 * fresh database; `$V` is the client with --no-wait. Outputs whose order
 * depends on random uuids carry a normalizer.
 */
import type { StepSpec } from './vsctl-harness.js';

export interface Scenario { name: string; steps: StepSpec[] }

/** A small deterministic PRNG (mulberry32), so generated scenarios are the same on every run. */
function prng(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Random chains of bridge/port/bond/fake-bridge commands over a few names,
 * so that every error path meets every state; outputs are order-independent.
 */
function generated(seed: number, n: number): StepSpec[] {
  const r = prng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
  const br = (): string => pick(['b0', 'b1', 'b2', 'f0', 'f1']);
  const real = (): string => pick(['b0', 'b1', 'b2']);
  const port = (): string => pick(['p0', 'p1', 'p2', 'p3', 'p4', 'bond0', 'bond1', 'b0', 'f0']);
  const iface = (): string => pick(['p0', 'p1', 'p2', 'p3', 'p4', 'p5', 'b1']);
  const vlan = (): number => pick([1, 2, 3, 0]);
  const writes: (() => string)[] = [
    () => `add-br ${real()}`, () => `--may-exist add-br ${real()}`, () => `add-br ${pick(['f0', 'f1'])} ${br()} ${vlan()}`,
    () => `--may-exist add-br ${pick(['f0', 'f1'])} ${br()} ${vlan()}`, () => `del-br ${br()}`, () => `--if-exists del-br ${br()}`,
    () => `add-port ${br()} ${port()}${r() < 0.3 ? ` tag=${vlan()}` : ''}`, () => `--may-exist add-port ${br()} ${port()}`,
    () => `add-bond ${br()} ${pick(['bond0', 'bond1'])} ${iface()} ${iface()}${r() < 0.5 ? ' lacp=active' : ''}`,
    () => `--may-exist add-bond ${br()} ${pick(['bond0', 'bond1'])} ${iface()} ${iface()}`, () => `del-port ${port()}`,
    () => `del-port ${br()} ${port()}`, () => `--if-exists del-port ${port()}`, () => `--with-iface del-port ${iface()}`,
    () => `add-bond-iface ${pick(['bond0', 'bond1'])} ${iface()}`, () => `--may-exist add-bond-iface ${pick(['bond0', 'bond1'])} ${iface()}`,
    () => `del-bond-iface ${iface()}`, () => `del-bond-iface ${port()} ${iface()}`, () => `set port ${port()} tag=${vlan()}`,
    () => `clear port ${port()} tag`, () => `set interface ${iface()} type=internal`, () => `br-set-external-id ${br()} k ${pick(['v', 'w'])}`,
    () => `br-set-external-id ${br()} k`, () => `set-fail-mode ${br()} secure`, () => `set-controller ${br()} tcp:127.0.0.1:6633`,
  ];
  const reads: (() => string)[] = [
    () => 'list-br', () => '--fake list-br', () => `list-ports ${br()}`, () => `list-ifaces ${br()}`, () => `port-to-br ${port()}`,
    () => `iface-to-br ${iface()}`, () => `br-to-vlan ${br()}`, () => `br-to-parent ${br()}`, () => `br-exists ${br()}`,
    () => `br-get-external-id ${br()}`, () => `get-fail-mode ${br()}`, () => `get-controller ${br()}`, () => `get port ${port()} tag`,
  ];
  const steps: StepSpec[] = [];
  for (let i = 0; i < n; i++) {
    const chain: string[] = [];
    const len = 1 + Math.floor(r() * 3);
    for (let j = 0; j < len; j++) chain.push((r() < 0.6 ? pick(writes) : pick(reads))());
    steps.push(`$V -- ${chain.join(' -- ')}`);
    if (i % 10 === 9) steps.push({ sh: '$V show', norm: 'tree' });
  }
  return steps;
}

const tree = (sh: string): StepSpec => ({ sh, norm: 'tree' });
const lines = (sh: string): StepSpec => ({ sh, norm: 'lines' });
const paras = (sh: string): StepSpec => ({ sh, norm: 'paragraphs' });

export const SCENARIOS: Scenario[] = [
  {
    name: 'bridges',
    steps: [
      '$V init', '$V add-br br-a', '$V add-br br-b -- add-br br-c', '$V list-br', '$V --oneline list-br',
      '$V br-exists br-a', '$V br-exists nonexistent', '$V add-br br-a', '$V --may-exist add-br br-a',
      "$V add-br ''", '$V del-br br-b', '$V list-br', '$V del-br br-b', '$V --if-exists del-br br-b',
      '$V list-ports br-a', '$V list-ifaces br-a', '$V get interface br-a type', '$V br-to-parent br-a', '$V br-to-vlan br-a',
      '$V --oneline -- del-br br-a -- add-br br-a -- set interface br-a other_config:k=v -- get interface br-a other_config:k',
      '$V --bare --columns=name find bridge name=br-c', '$V get open_vswitch . bridges | tr -cd , | wc -c',
      '$V add-br br-x br-a', '$V add-br br-x br-a 5000', '$V add-br br-x br-nope 5', '$V del-br',
      tree('$V show'),
    ],
  },
  {
    name: 'ports',
    steps: [
      '$V add-br br0 -- add-br br1', '$V add-port br0 eth1 -- add-port br0 eth0 -- add-port br1 eth2 tag=9',
      '$V list-ports br0', '$V list-ifaces br0', '$V port-to-br eth2', '$V iface-to-br eth0', '$V get port eth2 tag',
      '$V port-to-br nope', '$V iface-to-br nope', '$V add-port br0 eth0', '$V add-port br1 eth0', '$V --may-exist add-port br0 eth0',
      '$V --may-exist add-port br1 eth0', "$V add-port br0 ''", '$V add-port nobr eth9', '$V del-port br0', '$V del-port br1 eth0',
      '$V del-port br0 eth1 -- del-port eth2', '$V --if-exists del-port eth2', '$V list-ports br0', '$V list-ports br1',
      '$V add-port br0 p9 -- set interface p9 type=internal', '$V --with-iface del-port p9', '$V --with-iface del-port nothere',
      '$V add-port br0 br1', '$V add-port br0 eth5 nosuch=1', '$V add-port br0 eth5 tag=abc', '$V port-to-br br0',
      '$V del-br br0', "$V --bare --columns=name list port | sort | grep -v '^$'", "$V --bare --columns=name list interface | sort | grep -v '^$'",
    ],
  },
  {
    name: 'bonds',
    steps: [
      '$V add-br br0', '$V add-bond br0 bond0 eth0 eth1 eth2 lacp=active bond_mode=balance-slb other_config:lacp-time=fast trunks=1,2',
      '$V list-ports br0', '$V list-ifaces br0', '$V get port bond0 lacp bond_mode other_config:lacp-time trunks',
      '$V --may-exist add-bond br0 bond0 eth2 eth0 eth1', '$V --may-exist add-bond br0 bond0 eth0 eth1',
      '$V del-bond-iface bond0 eth1', '$V list-ifaces br0', '$V add-bond-iface bond0 eth3', '$V --may-exist add-bond-iface bond0 eth3',
      '$V add-bond-iface bond0 eth3', '$V del-bond-iface bond0 eth9', '$V --if-exists del-bond-iface bond0 eth9',
      '$V -- del-bond-iface eth0 -- del-bond-iface eth2 -- del-bond-iface eth3',
      '$V set port bond0 bond_mode=active-backup other_config:bond-primary=eth2 lacp=off', '$V get port bond0 bond_mode other_config:bond-primary lacp',
      '$V set port bond0 bond_mode=round-robin', '$V add-bond br0 b2 x1', '$V --fake-iface add-bond br0 b3 y1 y2', '$V get port b3 bond_fake_iface',
      '$V add-port br0 z1 -- add-bond-iface z1 z2', '$V del-bond-iface z1 eth0', '$V del-port bond0', '$V list-ports br0', '$V list-ifaces br0',
    ],
  },
  {
    name: 'fake-bridges',
    steps: [
      '$V add-br vswitch -- add-bond vswitch bond0 eth0 eth1 eth4 eth8 lacp=active trunks=1,2',
      '$V add-br vlan1 vswitch 1 -- add-br vlan2 vswitch 2', '$V --may-exist add-br vlan1 vswitch 1', '$V list-br',
      '$V --real list-br', '$V --fake list-br', '$V br-to-vlan vlan1', '$V br-to-vlan vswitch', '$V br-to-parent vlan1',
      '$V list-ports vswitch', '$V get port vlan1 tag', '$V get interface vlan1 type', '$V add-port vlan1 vnet0 -- add-port vlan2 vnet1',
      '$V list-ports vlan1', '$V get port vnet0 tag', '$V port-to-br vnet0', '$V iface-to-br vnet1',
      '$V --may-exist add-br vlan1 vswitch 3', '$V --may-exist add-br vlan1', '$V --may-exist add-br vswitch vswitch 3',
      '$V --may-exist add-br vlan1 vlan2 1', '$V add-br vlan9 vswitch 1', '$V add-br vlanx nobridge 5', '$V add-br v3 vlan1 3',
      '$V del-port vswitch vnet0', '$V br-set-external-id vlan1 owner alice -- br-get-external-id vlan1 owner',
      '$V br-get-external-id vlan1', '$V get port vlan1 external_ids', '$V br-set-external-id vswitch a b', '$V br-set-external-id vswitch c d',
      '$V br-get-external-id vswitch', '$V br-set-external-id vswitch a', '$V br-get-external-id vswitch', '$V br-get-external-id vswitch zz',
      '$V get-fail-mode vlan1', '$V set-fail-mode vlan1 secure', '$V set-fail-mode vswitch secure', '$V get-fail-mode vlan1',
      tree('$V show'), '$V del-br vlan2', '$V list-br', '$V port-to-br vnet1', '$V del-br vswitch', '$V list-br',
      "$V --bare --columns=name list port | grep -v '^$'",
    ],
  },
  {
    name: 'db-commands',
    steps: [
      '$V add-br br0 -- add-port br0 p1 -- add-port br0 p2 tag=5',
      '$V set bridge br0 external_ids:owner=ops other_config:hwaddr=00:11:22:33:44:55 stp_enable=true',
      '$V get bridge br0 external_ids:owner other_config:hwaddr stp_enable', '$V get bridge br0 external_ids',
      '$V get bridge br0 external_ids:missing', '$V --if-exists get bridge br0 external_ids:missing',
      '$V add port p1 trunks 10 20 -- add port p1 trunks 30', '$V get port p1 trunks', '$V remove port p1 trunks 20', '$V get port p1 trunks',
      '$V add bridge br0 external_ids team=net -- remove bridge br0 external_ids owner', '$V get bridge br0 external_ids',
      '$V remove bridge br0 external_ids team=wrong', '$V get bridge br0 external_ids', '$V clear port p1 trunks -- clear bridge br0 external_ids',
      '$V get port p1 trunks', '$V --bare --columns=name find port tag=5',
      '$V set interface p1 external_ids:vm=a -- set interface p2 external_ids:vm=b', '$V --bare --columns=name find interface external_ids:vm=b',
      "$V --bare --columns=name find port 'tag>4' 'tag<6'", '$V --columns=name,tag list port p2', '$V --format=csv --columns=name,tag list port p2',
      '$V --format=json --columns=name,tag list port p2',
      '$V -- set port p1 qos=@q -- --id=@q create qos type=linux-htb other-config:max-rate=1000000',
      '$V get qos $($V get port p1 qos) type other_config:max-rate', '$V destroy qos $($V get port p1 qos)',
      '$V clear port p1 qos -- --all destroy qos', '$V list qos', '$V set port p2 tag=5000', '$V set port p2 vlan_mode=bogus',
      '$V set bridge br0 nosuchcolumn=1', '$V set nosuchtable x a=b', '$V wait-until port p2 tag=5', '$V get port p2 _uuid | wc -c',
      '$V set bridge br0 name=other', '$V clear bridge br0 name', '$V remove port p2 name p2', '$V add port p2 tag 7', '$V add port p2 tag 7 -- get port p2 tag',
      '$V get port p2 name:x', '$V set port p2 name:x=y', '$V find port name:x=y', '$V get port p2 nope', '$V get po p2 na', '$V get p p2 name',
      '$V get port p2 f', '$V list nosuch', '$V set port p2', '$V set port p2 tag', '$V set port p2 tag=', '$V find port tag', '$V find port tag~5',
      '$V list port nosuch', '$V --if-exists list port nosuch', '$V set port nosuch tag=1', '$V --if-exists set port nosuch tag=1',
      '$V get --id=@x port p2', '$V -- --id=@x get port p2 -- set bridge br0 ports=@x', '$V list-ports br0',
      '$V -- --id=@x get port p2 -- --id=@x get port p2', '$V -- --if-exists --id=@x get port p2', '$V -- --id=x get port p2',
      '$V destroy port', '$V -- --all --if-exists destroy qos', '$V -- --all destroy qos x', '$V comment hello -- list-br',
    ],
  },
  {
    name: 'find-operators',
    steps: [
      '$V add-br br0 -- add-port br0 a trunks=1,2,3 tag=1 -- add-port br0 b trunks=2,3 tag=2 -- add-port br0 c tag=3 -- set port a other_config:x=1 -- set port b other_config:x=2',
      ...['tag=2', 'tag!=2', 'tag<2', 'tag>2', 'tag<=2', 'tag>=2', 'trunks{=}[2,3]', 'trunks{!=}[2,3]', 'trunks{<}[1,2,3]', 'trunks{>}[2,3]',
        'trunks{<=}[1,2,3]', 'trunks{>=}2', 'trunks{in}[1,2,3]', 'trunks{not-in}[1]', 'trunks=[]', 'other_config:x=1', 'other_config:x!=1',
        'other_config:x{=}1', 'other_config:x{in}[1,2]', 'other_config:x{not-in}[1]', 'other_config:x<2', 'other_config={x=2}', 'tag=[]',
        'tag=x', 'trunks=1-3', 'name=a']
        .map((c) => lines(`$V --bare --columns=name find port '${c}'`)),
      '$V find port trunks:1=1', "$V find port 'tag=<5'", '$V find port nosuch=1', '$V find port tag=[1,2]',
    ],
  },
  {
    name: 'output-formats',
    steps: [
      '$V add-br br0 -- set bridge br0 external_ids:a="x y" external_ids:b=\'"q,u"\' other_config:c=1 -- add-port br0 p1 trunks=1,2 tag=7',
      ...['--format=table', '--format=list', '--format=html', '--format=csv', '--format=json', '--format=json --pretty', '--bare',
        '--no-headings', '--data=bare', '--data=json', '--format=table --data=bare', '--format=csv --data=json', '--format=html --no-headings',
        '-f table -d json', '--format=table --no-headings', '--format=table --max-column-width=5']
        .map((o) => `$V ${o} --columns=name,external_ids,other_config,datapath_type,stp_enable list bridge br0`),
      '$V --format=json --columns=_uuid,name,trunks,tag,interfaces list port p1', '$V --format=table --columns=_uuid,name list port p1',
      '$V --format=html --columns=_uuid,name,interfaces list port p1', '$V --columns=_uuid,name list port p1 -- --columns=name list bridge br0',
      '$V --format=table --columns=name list bridge -- --columns=name list bridge', '$V --format=csv --columns=name list bridge -- --columns=name list port p1',
      '$V --format=json --columns=name list bridge -- --columns=name list bridge', '$V --oneline list-br -- list-ports br0 -- get bridge br0 external_ids',
      '$V --oneline --columns=name list bridge', '$V --oneline br-get-external-id br0', "$V set bridge br0 external_ids:z='a\\\\b' -- --oneline get bridge br0 external_ids:z",
      '$V --columns=name, list bridge', "$V --columns=' ' list bridge", '$V --columns=nosuch list bridge', '$V --format=xml list bridge',
      '$V --data=xml list bridge', '$V --columns=name --format=table find bridge name=none', '$V --columns=name find bridge name=none -- list-br',
      paras('$V list interface'), lines('$V --format=table list interface'),
    ],
  },
  {
    name: 'values',
    steps: [
      '$V add-br br0 -- add-port br0 p1',
      ...['trunks=1-5', 'trunks=[1,2 3]', 'trunks=[]', 'trunks=5-1', 'trunks=1-5000', 'trunks=4000-4100', 'trunks=1,1', 'trunks=[1', 'trunks=1]',
        'tag=x', 'tag=1-2', 'tag=[]', 'tag=[1,2]', 'tag=99999999999', "tag=' 7'", 'tag=+8', 'tag=-1',
        'other_config={a=1,b=2}', 'other_config={a=1,a=2}', 'other_config={a}', 'other_config:k="quoted value"', 'other_config:k=""',
        'other_config:k=', "other_config:'a:b'=c", 'other_config:a\\:b=c', 'other_config:k="unterminated', 'other_config:k=\\"x',
        'other_config={}', 'other_config=', 'external_ids:"k 1"="v 1"', 'mac="02:00:00:00:00:01"', 'mac=02\\:00', 'bond_updelay=1e3',
        'bond_updelay=0x10', 'bond_fake_iface=yes', 'bond_fake_iface=off', 'bond_fake_iface=maybe', 'qos=[]', 'qos=1234', 'qos=@nope',
        'vlan_mode=trunk', 'vlan_mode=[]', 'vlan_mode=[trunk,access]', 'other_config:"a=b"=c', 'name="p1"', 'other_config:x={y}']
        .map((v) => `$V set port p1 ${v} -- get port p1 ${v.split(/[=:]/)[0]!.replace(/^"/, '')}`),
      '$V set interface p1 ingress_policing_rate=1.5', '$V set interface p1 ingress_policing_rate=-1', '$V set interface p1 ofport_request=0',
      '$V set interface p1 options:remote_ip=10.0.0.1 options:key=flow -- get interface p1 options', '$V set bridge br0 flood_vlans=1,2,3 -- get bridge br0 flood_vlans',
      '$V get interface p1 options:remote_ip', '$V set bridge br0 other_config:datapath-id=fedcba9876543210 -- get bridge br0 other_config',
      '$V set sflow x agent=y', '$V create sflow targets=\'"1.2.3.4:6343"\' sampling=64', '$V list sflow | grep -c targets',
      '$V set interface p1 external_ids:true=false -- get interface p1 external_ids', '$V set interface p1 external_ids:a=12345678-1234-1234-1234-123456789012 -- get interface p1 external_ids',
      '$V set interface p1 external_ids:ü=ñ -- get interface p1 external_ids', '$V set interface p1 external_ids:a=\'"\\u00e9\\n"\' -- get interface p1 external_ids:a',
    ],
  },
  {
    name: 'controller-manager-ssl',
    steps: [
      '$V add-br br0 -- add-br vl br0 10', '$V get-controller br0', '$V set-controller br0 tcp:127.0.0.1:6633', '$V get-controller br0',
      '$V set-controller br0 tcp:10.0.0.2:6653 ptcp:6634 unix:/tmp/x', '$V get-controller br0', '$V get-controller vl', '$V set-controller vl tcp:1.2.3.4:6653',
      '$V del-controller vl', '$V set-controller br0 bogus', '$V --inactivity-probe=3000 set-controller br0 tcp:1.1.1.1:6653', '$V list controller | grep -E "target|inactivity"',
      '$V get controller br0 target', tree('$V show'), '$V del-controller br0', '$V get-controller br0', '$V list controller',
      '$V get-fail-mode br0', '$V set-fail-mode br0 secure', '$V get-fail-mode br0', '$V set-fail-mode br0 bogus', '$V del-fail-mode br0', '$V get-fail-mode br0',
      '$V get-manager', '$V set-manager ptcp:6640', '$V get-manager', '$V set-manager tcp:1.2.3.4:6640 ptcp:6640', '$V get-manager',
      '$V --inactivity-probe=5000 set-manager ptcp:6641', '$V get manager ptcp:6641 inactivity_probe', tree('$V show'), '$V del-manager', '$V get-manager',
      '$V get-ssl', '$V set-ssl /k /c /ca', '$V get-ssl', '$V --bootstrap set-ssl /k2 /c2 /ca2', '$V get-ssl', '$V list ssl | grep -c _uuid', '$V del-ssl', '$V get-ssl',
      '$V set-ssl a b', '$V add-aa-mapping br0 100 10', '$V get-aa-mapping br0', '$V del-aa-mapping br0 100 10', '$V get-aa-mapping br0', '$V add-aa-mapping br0 x 10',
    ],
  },
  {
    name: 'datapath',
    steps: [
      '$V list-zone-tp netdev', '$V list-dp-cap netdev', '$V add-zone-tp netdev zone=1 tcp_syn_sent=30',
      '$V -- --id=@dp create datapath datapath_version=v1 capabilities:ct_zero_snat=true capabilities:recirc=true -- set open . datapaths:netdev=@dp',
      '$V list-dp-cap netdev', '$V list-zone-tp netdev', '$V add-zone-tp netdev zone=1', '$V add-zone-tp netdev zone=1 tcp_syn_sent=30 udp_first=60',
      '$V add-zone-tp netdev zone=0x10 icmp_first=5', '$V list-zone-tp netdev', '$V add-zone-tp netdev zone=1 udp_first=1',
      '$V --may-exist add-zone-tp netdev zone=1 icmp_first=5', '$V list-zone-tp netdev', '$V list ct_timeout_policy | grep -c timeouts',
      '$V add-zone-tp netdev zone=2 udp_first=60 tcp_syn_sent=30', '$V list ct_timeout_policy | grep -c timeouts', '$V list-zone-tp netdev',
      '$V del-zone-tp netdev zone=16', '$V del-zone-tp netdev zone=16', '$V --if-exists del-zone-tp netdev zone=16', '$V del-zone-tp nodp zone=1',
      '$V list-zone-tp netdev', '$V list-zone-tp nodp', '$V list-dp-cap nodp',
      '$V -- --id=@dp create datapath capabilities:ufid=true capabilities:sample_nesting=10 capabilities:clone=true capabilities:ct_label=true capabilities:ct_eventmask=true capabilities:ct_state=true capabilities:ct_mark=true capabilities:max_mpls_depth=3 capabilities:trunc=true capabilities:max_vlan_headers=2 capabilities:ct_zone=true -- set open . datapaths:system=@dp',
      '$V list-dp-cap system',
    ],
  },
  {
    name: 'emer-reset',
    steps: [
      '$V add-br br0 -- set bridge br0 other_config:hwaddr=aa:55:aa:55:00:00 other_config:x=1 fail_mode=secure -- set-controller br0 tcp:1.2.3.4:6653 -- set-manager ptcp:6640',
      '$V add-port br0 p1 other_config:a=b -- set interface p1 ingress_policing_rate=10 -- --id=@m create mirror name=m1 -- set bridge br0 mirrors=@m',
      '$V emer-reset', '$V get bridge br0 other_config fail_mode controller mirrors', '$V get port p1 other_config', '$V get interface p1 ingress_policing_rate',
      '$V list mirror', '$V get-manager', '$V list controller',
    ],
  },
  {
    name: 'seeds',
    steps: [
      '$V add-br br-bond0', '$V add-bond br-bond0 bond0 Nic1 Nic2 lacp=active bond_mode=balance-slb other_config:lacp-time=fast',
      ...[53, 70, 72, 73].map((v) => `$V add-port br-bond0 vlan${v} tag=${v} -- set interface vlan${v} type=internal`),
      tree('$V show'),
      '$V add-br br0', '$V add-br brint', '$V add-port br0 eno1', '$V set port brint tag=99', tree('$V show'),
      '$V add-br vswitch', '$V add-bond vswitch bond1 eth0 eth1 eth4 eth8 lacp=active trunks=1,2', '$V add-br vlan1 vswitch 1', '$V add-br vlan2 vswitch 2',
      '$V add-port vswitch vnet0 tag=1', '$V add-port vswitch vnet1 tag=2', '$V list-ports vlan1', tree('$V show'),
      '$V del-port vnet0 -- del-port vnet1', '$V add-port vlan1 vnet0', '$V add-port vlan2 vnet1', tree('$V show'),
      '$V add-br br-ex', '$V add-port br-ex eno2', '$V list-ports br-ex',
    ],
  },
  {
    name: 'libvirt',
    steps: [
      '$V add-br br0',
      '$V --timeout=5 -- --may-exist add-port br0 vnet0 tag=10 -- set Interface vnet0 external-ids:attached-mac=52:54:00:aa:bb:cc external-ids:iface-id=3f3a1a8e-1111-4222-8333-944445555666 external-ids:vm-id=8f3a1a8e-1111-4222-8333-944445555666 external-ids:iface-status=active',
      '$V --timeout=5 -- --may-exist add-port br0 vnet0 tag=10 -- set Interface vnet0 external-ids:iface-status=active',
      '$V --timeout=5 -- --may-exist add-port br0 vnet1 -- set Port vnet1 trunks=10,20,99,100-109,250 -- set Interface vnet1 external-ids:attached-mac=52:54:00:aa:bb:cd',
      '$V get interface vnet0 external_ids', '$V get port vnet1 trunks', '$V --columns=name,tag,trunks list port vnet0',
      '$V --timeout=5 -- --if-exists del-port vnet0', '$V --timeout=5 -- --if-exists del-port vnet0', '$V --timeout=5 get Interface vnet1 name',
      '$V --timeout=5 --if-exists get Interface vnet9 name', '$V --timeout=5 -- --if-exists clear Port vnet1 qos -- --if-exists clear Port vnet1 trunks',
      '$V list-ports br0', "$V --timeout=5 --bare --columns=name find Interface external_ids:attached-mac='\"52:54:00:aa:bb:cd\"'",
    ],
  },
  {
    name: 'openstack-agent',
    steps: [
      '$V --may-exist add-br br-int -- set Bridge br-int datapath_type=system', '$V set-fail-mode br-int secure', '$V --may-exist add-br br-tun -- set Bridge br-tun datapath_type=system',
      '$V add-port br-int patch-tun -- set Interface patch-tun type=patch options:peer=patch-int',
      '$V add-port br-tun patch-int -- set Interface patch-int type=patch options:peer=patch-tun',
      '$V add-port br-tun vxlan-0aa0491f -- set Interface vxlan-0aa0491f type=vxlan options:df_default=true options:in_key=flow options:local_ip=10.160.73.70 options:out_key=flow options:remote_ip=10.160.73.31',
      '$V --may-exist add-port br-tun vxlan-0aa04921 -- set Interface vxlan-0aa04921 type=vxlan options:df_default=true options:in_key=flow options:local_ip=10.160.73.70 options:out_key=flow options:remote_ip=10.160.73.33',
      '$V set-controller br-int tcp:127.0.0.1:6633', '$V set-controller br-tun tcp:127.0.0.1:6633', '$V set-fail-mode br-tun secure',
      '$V set bridge br-int protocols=OpenFlow10,OpenFlow13', '$V get bridge br-int protocols', '$V set bridge br-int protocols=[OpenFlow10,OpenFlow19]',
      paras('$V --columns=name,ofport,type find Interface type=patch'), '$V set Bridge br-int other_config:mac-table-size=50000 -- set Bridge br-int external_ids:bridge-id=br-int',
      '$V --if-exists del-port br-int patch-tun', '$V --may-exist add-port br-int patch-tun -- set Interface patch-tun type=patch options:peer=patch-int',
      '$V --may-exist add-br br-data -- add-port br-data external -- add-port br-data int-br-data -- set Interface int-br-data type=patch options:peer=phy-br-data',
      '$V --format=json --columns=name,external_ids,ofport list Interface patch-tun', '$V list-br', '$V br-exists br-int', '$V get-controller br-int', tree('$V show'),
      '$V -- --columns=name,other_config list Bridge br-int', paras('$V --columns=name,options find Interface type=vxlan'),
    ],
  },
  {
    name: 'global-options',
    steps: [
      '$V --foo list-br', '$V --no list-br', '$V --db', '$V -x', '$V --no-wait=3 show', '$V --i list-br', '$V --timeout=0 list-br', '$V --timeout=x list-br',
      '$V -t list-br', '$V', '$V --', '$V nosuch', '$V list-br extra', '$V list-br --real', '$V -- --real list-br', '$V --real list-br', '$V --nosuch list-br',
      '$V -- --nosuch list-br', '$V -- --may-exist list-br', '$V -- --id list-br', '$V -- --id=x add-br b', '$V -- --columns list port', '$V --may-exist -- add-br x -- list-br',
      '$V --may-exist --', '$V add-br a -- -- list-br', '$V --db=unix:/nonexistent/db.sock list-br', '$V --db=foo:bar list-br', '$V --dry-run add-br dry -- list-br', '$V list-br',
      '$V --retry list-br', '$V --no-syslog --no-leader-only --shuffle-remotes list-br', '$V --may-exist --may-exist add-br m', '$V -- --may-exist --may-exist add-br m',
      '$V --fa list-br', '$V --fake list-br', '$V --w del-port zz', '$V -fjson list bridge a', '$V -dbare --columns=name list bridge a', '$V --format json --columns name list bridge a',
      '$V add-br', '$V add-br a b', '$V add-br a b c d', '$V set-fail-mode', '$V add-bond br x', '$V get bridge', 
      '$V -- --id=@a create qos type=x', '$V -- --id=@a create mirror name=x', '$V create mirror name=y', '$V create queue dscp=1 -- --id=@q create queue dscp=2 | wc -l',
      '$V set port a qos=@missing', '$V --dry-run create qos type=y | wc -c', '$V list qos | grep -c linux',
    ],
  },
  {
    name: 'transactions',
    steps: [
      '$V add-br br0 -- add-port br0 p1 -- set port p1 qos=@q -- --id=@q create qos type=linux-htb', '$V destroy qos $($V get port p1 qos)',
      '$V set port p1 qos=11111111-2222-3333-4444-555555555555', '$V --no-syslog set port p1 qos=11111111-2222-3333-4444-555555555555',
      '$V get port p1 name -- set port p1 qos=11111111-2222-3333-4444-555555555555', '$V destroy port p1', '$V list-ports br0', '$V set port p1 name=p1',
      '$V create bridge name=orphan', '$V list-br', '$V --bare --columns=name list bridge | sort', '$V -- --id=@b create bridge name=b2 -- add open . bridges @b', '$V list-br',
      '$V -- --id=@p create port name=br0 -- add bridge br0 ports @p', '$V add-br b3 -- del-br b3 -- list-br', '$V del-br br0 -- add-br br0 -- add-port br0 p1 -- list-ports br0',
      '$V add-port br0 p2 -- del-port p2 -- add-port br0 p2 -- list-ports br0', '$V add-br br0 -- del-br br0', '$V list-br',
      '$V wait-until bridge br0', '$V wait-until bridge br0 name=br0', '$V --timeout=1 wait-until bridge nosuch; echo rc=$?', '$V --timeout=1 wait-until bridge br0 name=x; echo rc=$?',
      '$V get bridge $($V get bridge br0 _uuid | cut -c1-8) name', '$V list bridge $($V get bridge br0 _uuid | cut -c1-13) | grep -c name',
      '$V get Open_vSwitch . bridges | wc -c', '$V get open . next_cfg', '$V set open . next_cfg=5 -- get open . next_cfg', '$V get open . cur_cfg',
    ],
  },
  { name: 'generated-1', steps: generated(1, 70) },
  { name: 'generated-2', steps: generated(2, 70) },
  {
    name: 'record-lookup',
    steps: [
      '$V add-br br0 -- add-port br0 p1 -- add-port br0 p2', '$V get controller br0 target', '$V set-controller br0 tcp:1.1.1.1:6653',
      '$V get controller br0 target', '$V set-controller br0 tcp:1.1.1.1:6653 tcp:2.2.2.2:6653', '$V get controller br0 target',
      '$V -- set port p1 qos=@q -- --id=@q create qos type=linux-htb', '$V get qos p1 type', '$V get qos p2 type',
      '$V -- set bridge br0 netflow=@n -- --id=@n create netflow targets=\'"10.0.0.1:2055"\'', '$V get netflow br0 targets',
      '$V -- set bridge br0 sflow=@s -- --id=@s create sflow targets=\'"10.0.0.1:6343"\'', '$V get sflow br0 targets',
      '$V -- set bridge br0 ipfix=@i -- --id=@i create ipfix targets=\'"10.0.0.1:4739"\'', '$V get ipfix br0 targets',
      '$V -- --id=@b get bridge br0 -- create flow_sample_collector_set id=7 bridge=@b', '$V get flow_sample_collector_set 7 id', '$V get flow_sample_collector_set 8 id',
      '$V get flow_sample_collector_set x id', '$V set-manager ptcp:6640', '$V get manager ptcp:6640 target', '$V list manager tcp:6640',
      '$V -- --id=@m create mirror name=m1 -- --id=@m2 create mirror name=m1 -- set bridge br0 mirrors=@m,@m2', '$V get mirror m1 name',
      '$V -- --id=@f create flow_table name=ft1 -- set bridge br0 flow_tables:0=@f', '$V get flow_table ft1 name', '$V get open . bridges | wc -c',
      '$V list b br0 | grep -c name', '$V list f', '$V list i', '$V list in p1 | grep -c name', '$V get bridge br0 s', '$V get bridge br0 e', '$V get bridge br0 ext',
      '$V get bridge br0 EXTERNAL-IDS', '$V find bridge _uuid=x', '$V --columns=_UUID list bridge br0 | wc -l', '$V get bridge br0 -UUID | wc -c',
      '$V get port p1 interfaces | wc -c', '$V get interface $($V get port p1 interfaces) name', '$V get interface "$($V get port p1 interfaces | cut -c2-9)" name',
      '$V get bridge br0 flow_tables', '$V create bridge name=persist -- --id=11111111-2222-3333-4444-555555555555 create qos type=t',
      '$V get qos 11111111-2222-3333-4444-555555555555 type', '$V get qos 11111111 type', '$V get qos 1111 type', '$V get qos 111 type',
    ],
  },
  {
    name: 'symbols-and-partial',
    steps: [
      '$V add-br br0 -- add-port br0 p1 -- set bridge br0 external_ids:a=1',
      '$V add bridge br0 external_ids a=2 -- get bridge br0 external_ids', '$V add bridge br0 external_ids a=2', '$V get bridge br0 external_ids',
      '$V add bridge br0 external_ids b=3 c=4 b=5', '$V get bridge br0 external_ids', '$V remove bridge br0 external_ids b c=9', '$V get bridge br0 external_ids',
      '$V remove bridge br0 external_ids c=4', '$V get bridge br0 external_ids', '$V set bridge br0 external_ids:a=1 external_ids:a=7', '$V get bridge br0 external_ids',
      '$V add port p1 tag 5', '$V add port p1 tag 6', '$V get port p1 tag', '$V add port p1 tag 6 -- get port p1 tag', '$V add port p1 trunks 1 2 -- add port p1 trunks 2 3',
      '$V get port p1 trunks', '$V remove port p1 trunks 9', '$V remove port p1 tag 5', '$V remove port p1 tag 6', '$V get port p1 tag', '$V remove interface p1 name p1',
      '$V --if-exists add port nope trunks 1', '$V --if-exists remove port nope trunks 1', '$V --if-exists clear port nope trunks',
      '$V -- --id=@p create port name=px -- --id=@m create mirror name=m output_port=@p -- set bridge br0 mirrors=@m',
      '$V -- --id=@p get port p1 -- --id=@m create mirror name=m2 select_src_port=@p', '$V -- --id=@q create qos type=x -- --id=@q2 create queue dscp=1 -- set qos @q queues:1=@q2',
      '$V list qos | grep -c queues', '$V -- set port p1 qos=@q -- --id=@q create qos type=a', '$V -- --id=@x create qos type=b -- --id=@x create qos type=c',
      '$V set port p1 qos=@y -- --id=@y create qos type=d -- get port p1 qos | wc -c', '$V -- --id=@q create qos type=x -- set port p1 qos=@q,@q',
      '$V set bridge br0 external_ids:k=v -- wait-until bridge br0 external_ids:k=v', '$V wait-until bridge br0 nosuch=1', '$V wait-until bridge br0 external_ids:k=v external_ids:a=7',
      '$V set open . external_ids:system-id=abc -- get open . external_ids:system-id', '$V add open . external_ids x=y', '$V clear open . external_ids', '$V get open . external_ids',
    ],
  },
];
