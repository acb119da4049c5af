/**
 * The flows, invalid flow_mods and packets the OpenFlow parity suite
 * runs through Weft and Open vSwitch: every action ovs-ofctl users write
 * (Nicira extensions included) combined with matches that satisfy its
 * prerequisites, across tables 0-2, with cookies, timeouts and flags.
 */
const MATCHES: Record<'any' | 'ip' | 'tcp' | 'udp' | 'vlan', string[]> = {
  vlan: ['dl_vlan=10', 'dl_vlan=10,dl_vlan_pcp=3', 'vlan_tci=0x1000/0x1000', 'in_port=3,dl_vlan=20'],
  any: [
    '', 'in_port=1', 'in_port=2,dl_src=00:00:00:00:00:01', 'dl_dst=01:00:00:00:00:00/01:00:00:00:00:00', 'dl_vlan=10',
    'dl_vlan=10,dl_vlan_pcp=3', 'vlan_tci=0x1000/0x1000', 'dl_type=0x88b5', 'arp,arp_tpa=10.0.0.1,arp_op=1',
    'arp,arp_sha=00:11:22:33:44:55', 'ipv6,ipv6_src=2001:db8::1', 'icmp6,icmp_type=135,nd_target=fe80::1',
    'tun_id=0x64', 'tun_id=0x10/0xff', 'tun_src=192.0.2.1,tun_dst=192.0.2.2', 'reg0=0x5', 'reg1=0x10/0xf0,reg2=7',
    'metadata=0x1', 'pkt_mark=0x7', 'ipv6,ipv6_label=0x12345', 'dl_src=aa:bb:cc:00:00:00/ff:ff:ff:00:00:00',
  ],
  ip: ['ip', 'ip,nw_src=10.0.0.1', 'ip,nw_dst=10.0.0.0/8', 'icmp,icmp_type=8,icmp_code=0', 'ip,nw_tos=32', 'ip,nw_ecn=2,nw_ttl=64', 'ip,nw_frag=later', 'ip,in_port=3,nw_proto=89'],
  tcp: ['tcp,tp_dst=80', 'tcp,nw_src=192.168.0.0/16,tp_src=1000', 'tcp,tcp_flags=+syn-ack', 'tcp,tp_dst=0x1000/0xf000'],
  udp: ['udp,udp_dst=53', 'udp,nw_dst=10.1.1.1,tp_src=68'],
};

const ACTIONS: Record<'any' | 'ip' | 'l4' | 'vlan', string[]> = {
  vlan: ['strip_vlan,output:3', 'pop_vlan,output:2', 'set_field:4103->vlan_vid,output:1', 'mod_vlan_pcp:2,strip_vlan,NORMAL'],
  any: [
    'drop', 'output:2', 'NORMAL', 'FLOOD', 'ALL', 'IN_PORT', 'LOCAL', 'controller', 'CONTROLLER:100',
    'controller(reason=no_match,id=3)', 'mod_vlan_vid:10,output:1', 'mod_vlan_pcp:5,output:2',
    'mod_dl_src:00:00:00:00:00:99,output:1', 'mod_dl_dst:02:00:00:00:00:01,NORMAL', 'set_tunnel:0x7,output:1',
    'set_tunnel64:0x123456789,output:1', 'set_field:192.0.2.9->tun_dst,output:1', 'load:0x5->NXM_NX_REG0[],resubmit(,1)',
    'move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],output:1', 'resubmit:2', 'resubmit(1,2)', 'note:01.02.03.04', 'exit',
    'set_field:5->reg3,output:3', 'load:0x3->NXM_NX_REG1[8..15],output:1,output:2',
    'learn(table=10,idle_timeout=30,NXM_OF_VLAN_TCI[0..11],NXM_OF_ETH_DST[]=NXM_OF_ETH_SRC[],load:NXM_NX_TUN_ID[]->NXM_NX_TUN_ID[],output:NXM_OF_IN_PORT[])',
    'learn(table=11,priority=5,hard_timeout=10,cookie=0x77,eth_dst=01:02:03:04:05:06,load:5->NXM_NX_REG4[0..3])',
    'set_queue:1,output:1', 'enqueue:1:2', 'output:1,mod_vlan_vid:5,output:2,strip_vlan,LOCAL',
    'set_field:0x10->metadata,resubmit(,2)', 'set_field:00:11:22:33:44:55->eth_dst,output:2',
  ],
  ip: ['dec_ttl,output:1', 'mod_nw_src:1.1.1.1,output:2', 'mod_nw_dst:2.2.2.2,NORMAL', 'mod_nw_tos:16,output:2', 'dec_ttl(1,2),output:3', 'mod_nw_ecn:1,output:1', 'mod_nw_ttl:9,output:2'],
  l4: ['mod_tp_dst:8080,output:2', 'mod_tp_src:1234,mod_nw_dst:9.9.9.9,output:1'],
};

/** A deterministic mix: every action with compatible matches, in tables 0-2, with cookies, timeouts and flags. */
export function corpus(): string[] {
  const flows: string[] = [];
  const pick = <T>(a: readonly T[], i: number) => a[i % a.length]!;
  let i = 0;
  const add = (m: string, a: string) => {
    const table = i % 3;
    const extra = [
      `table=${table}`, `priority=${1000 + i}`,
      ...(i % 4 === 1 ? [`cookie=0x${(i * 77).toString(16)}`] : []),
      ...(i % 5 === 2 ? [`idle_timeout=${300 + i}`] : []),
      ...(i % 7 === 3 ? [`hard_timeout=${600 + i}`] : []),
      ...(i % 6 === 4 ? ['send_flow_rem'] : []),
    ];
    flows.push([...extra, ...(m ? [m] : []), `actions=${a}`].join(','));
    i++;
  };
  for (let k = 0; k < 4; k++) {
    for (const a of ACTIONS.any) add(pick(MATCHES.any, i + k), a);
    for (const a of ACTIONS.ip) { add(pick(MATCHES.ip, i + k), a); add(pick(MATCHES.tcp, i + k), a); }
    for (const a of ACTIONS.l4) { add(pick(MATCHES.tcp, i + k), a); add(pick(MATCHES.udp, i + k), a); }
    for (const a of ACTIONS.vlan) add(pick(MATCHES.vlan, i + k), a);
  }
  for (const m of [...MATCHES.any, ...MATCHES.ip, ...MATCHES.tcp, ...MATCHES.udp, ...MATCHES.vlan]) add(m, pick(ACTIONS.any, i));
  // goto_table only forward; 1.0 encodes it as resubmit.
  for (let t = 0; t < 3; t++) add(pick(MATCHES.any, t), `set_field:0x${t + 1}->reg5,goto_table:${t + 3}`);
  return flows;
}

export const INVALID: readonly string[] = [
  'table=254,actions=drop', 'actions=goto_table:0', 'table=3,actions=goto_table:2', 'actions=group:99',
  'ip,actions=mod_tp_dst:80', 'actions=resubmit(,255)', 'actions=output:65280', 'actions=load:1->NXM_OF_IN_PORT[0..20]',
  'tcp,actions=set_field:1->ip_proto', 'priority=70000,actions=drop', 'actions=set_field:5->vlan_vid', 'actions=meter:1',
  'actions=mod_nw_ttl:5', 'actions=set_field:1.2.3.4->ip_src', 'dl_vlan=5000,actions=drop', 'actions=unknown_action',
  'in_port=5000,actions=output:2', 'ip,nw_src=1.2.3.4/0.0.255.0,actions=drop', 'actions=drop,output:1', 'actions=dec_ttl',
  'reg0=0x1/0x3,actions=note:zz', 'actions=learn(table=1,unknown_field[]=5)', 'actions=write_metadata:0x1,output:1',
];

export const PACKETS: readonly string[] = [
  'in_port=1,dl_src=00:00:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff',
  'in_port=2,dl_src=00:00:00:00:00:01,dl_dst=00:00:00:00:00:02',
  'in_port=3,dl_vlan=10,dl_src=aa:bb:cc:00:00:01,dl_dst=00:00:00:00:00:03',
  'in_port=1,tcp,nw_src=10.0.0.1,nw_dst=10.2.3.4,tp_src=1000,tp_dst=80,nw_ttl=64',
  'in_port=2,tcp,nw_src=192.168.1.1,nw_dst=10.0.0.1,tp_src=1000,tp_dst=4096,nw_ttl=1',
  'in_port=3,udp,nw_src=10.0.0.2,nw_dst=10.1.1.1,udp_src=68,udp_dst=53,nw_ttl=32',
  'in_port=1,icmp,nw_src=10.0.0.9,nw_dst=10.0.0.1,icmp_type=8,icmp_code=0,nw_ttl=64',
  'in_port=2,arp,arp_spa=10.0.0.2,arp_tpa=10.0.0.1,arp_op=1,arp_sha=00:11:22:33:44:55',
  'in_port=LOCAL,dl_src=00:00:00:00:00:09,dl_dst=01:00:00:00:00:00,dl_type=0x88b5',
  'in_port=1,ipv6,ipv6_src=2001:db8::1,ipv6_dst=2001:db8::2,nw_ttl=64',
  'in_port=2,tcp6,ipv6_src=2001:db8::5,ipv6_dst=2001:db8::9,tp_src=5,tp_dst=443,nw_ttl=64',
  'in_port=3,ip,nw_src=10.0.0.1,nw_dst=10.0.0.2,nw_proto=89,nw_tos=32,nw_ttl=64',
  'in_port=1,tun_id=0x64,dl_src=00:00:00:00:00:07,dl_dst=00:00:00:00:00:08',
  'in_port=2,reg0=5,dl_src=00:00:00:00:00:07,dl_dst=00:00:00:00:00:08',
  'in_port=1,pkt_mark=7,ip,nw_src=10.0.0.1,nw_dst=10.0.0.3,nw_ttl=5',
];

/** A pipeline for tracing: specific matches over three tables, so every packet below exercises different actions. */
export const TRACE_FLOWS: readonly string[] = [
  'priority=100,in_port=1,dl_dst=ff:ff:ff:ff:ff:ff,actions=NORMAL',
  'priority=90,in_port=2,dl_type=0x88b5,actions=mod_dl_src:00:00:00:00:00:99,resubmit(,1)',
  'priority=85,in_port=2,dl_src=00:00:00:00:00:07,actions=set_field:5->reg0,resubmit(,2),output:3',
  'priority=80,in_port=3,dl_vlan=10,actions=strip_vlan,output:1,mod_vlan_vid:20,output:2',
  'priority=70,tcp,tp_dst=80,actions=mod_nw_src:1.1.1.1,mod_tp_dst:8080,dec_ttl,output:2',
  'priority=65,tcp,nw_ttl=1,actions=dec_ttl,output:3',
  'priority=60,udp,actions=set_field:5->reg0,resubmit(,2)',
  'priority=50,icmp,actions=mod_nw_tos:16,mod_nw_ecn:1,output:3,output:1',
  'priority=45,arp,actions=FLOOD',
  'priority=40,in_port=LOCAL,actions=ALL',
  'priority=35,ipv6,actions=output:2,IN_PORT',
  'priority=36,tcp6,actions=mod_tp_dst:9,output:3',
  'priority=30,tun_id=0x64,actions=output:3,LOCAL,mod_vlan_vid:7,output:2',
  'priority=20,pkt_mark=7,ip,actions=mod_nw_ttl:9,output:1',
  'priority=10,ip,nw_proto=89,actions=move:NXM_OF_IP_SRC[]->NXM_OF_IP_DST[],output:3',
  'priority=5,in_port=1,actions=mod_dl_dst:00:00:00:00:00:42,NORMAL',
  'priority=0,actions=drop',
  'table=1,priority=10,actions=mod_dl_dst:00:00:00:00:00:55,output:3,resubmit(,2)',
  'table=2,priority=10,udp,reg0=5,actions=mod_tp_src:999,output:1',
  'table=2,priority=5,reg0=5,actions=mod_vlan_vid:30,output:1,strip_vlan,output:LOCAL',
];
