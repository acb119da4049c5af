# desc: LACP modes: a passive bond is silent until an active partner speaks, then negotiates; lacp-fallback-ab keeps an un-negotiated bond forwarding as active-backup; slow lacp-time in PDUs and lacp/show
ovs_start
add_br br0 aa:55:aa:55:00:00
add_bond br0 bond0 p1 p2 -- lacp=passive other_config:lacp-time=slow
check "ovs-vsctl set interface p1 other_config:lacp-aggregation-key=9 -- set interface p2 other_config:lacp-aggregation-key=9"
add_bond br0 bond1 p3 p4 -- lacp=active other_config:lacp-fallback-ab=true bond_mode=balance-slb other_config:bond-rebalance-interval=0
add_port br0 p5
step "passive, no partner: defaulted, no LACPDU sent"
wait_check 10 "ovs-appctl lacp/show bond0 | grep -E 'status|lacp_time|^member|actor state|partner state'" <<'OUT'
  status: passive
  lacp_time: slow
member: p1: defaulted detached
  actor state: aggregation collecting distributing defaulted
  partner state:
member: p2: defaulted detached
  actor state: aggregation collecting distributing defaulted
  partner state:
OUT
tx_mark
sleep 2.5
check "ovstool txget --all $T/pcap | ovstool lacp-decode | cut -d' ' -f1 | sort -u" <<'OUT'
p3
p4
OUT
check "bondshow bond0" <<'OUT'
---- bond0 ----
bond_mode: active-backup
updelay: 0 ms
downdelay: 0 ms
lacp_status: configured
lacp_fallback_ab: false
active-backup primary: <none>
member p1: disabled
  may_enable: false
member p2: disabled
  may_enable: false
OUT
step "fallback-ab: without a partner the bond still forwards through one member"
wait_check 10 "bondshow bond1 | grep -v 'active member'" <<'OUT'
---- bond1 ----
bond_mode: balance-slb
updelay: 0 ms
downdelay: 0 ms
lacp_status: configured
lacp_fallback_ab: true
active-backup primary: <none>
member p3: enabled
  may_enable: true
member p4: enabled
  may_enable: true
OUT
check "bondshow bond1 | grep -c 'active member'" <<'OUT'
1
OUT
check "ovs-appctl lacp/show bond1 | grep -E '^member'" <<'OUT'
member: p3: defaulted attached
member: p4: defaulted attached
OUT
tx_mark
F=$(pkt src=50:54:00:00:00:05 fill=1)
inject p5 $F
wait_until 5 "ovstool txget $T/pcap | grep -qE '^p(3|4) '"
sleep 0.3
check "ovstool txget $T/pcap | grep -E '^p(3|4) ' | sed -E 's/^p(3|4) /bond1 /'" <<OUT
bond1 $F
OUT
step "an active partner appears on bond0: the passive bond answers and negotiates"
ST=activity,timeout,aggregation,synchronized,collecting,distributing
sw_pdu() {
    ovstool lacpdu src=02:00:00:00:00:$1 actor_sys=02:00:00:00:00:99 actor_prio=100 \
        actor_key=42 actor_port=$1 actor_port_prio=200 actor_state=$ST \
        partner_sys=aa:55:aa:55:00:00 partner_prio=65534 partner_key=9 partner_port=$2 \
        partner_port_prio=65535 partner_state=aggregation,synchronized,collecting,distributing
}
P1=$(sw_pdu 21 1); P2=$(sw_pdu 22 2)
bg "while :; do ovs-appctl netdev-dummy/receive p1 $P1 >/dev/null; ovs-appctl netdev-dummy/receive p2 $P2 >/dev/null; sleep 0.4; done"
wait_check 10 "ovs-appctl lacp/show bond0" <<'OUT'
---- bond0 ----
  status: passive negotiated
  sys_id: aa:55:aa:55:00:00
  sys_priority: 65534
  aggregation key: 9
  lacp_time: slow

member: p1: current attached
  port_id: 1
  port_priority: 65535
  may_enable: true

  actor sys_id: aa:55:aa:55:00:00
  actor sys_priority: 65534
  actor port_id: 1
  actor port_priority: 65535
  actor key: 9
  actor state: aggregation synchronized collecting distributing

  partner sys_id: 02:00:00:00:00:99
  partner sys_priority: 100
  partner port_id: 21
  partner port_priority: 200
  partner key: 42
  partner state: activity timeout aggregation synchronized collecting distributing

member: p2: current attached
  port_id: 2
  port_priority: 65535
  may_enable: true

  actor sys_id: aa:55:aa:55:00:00
  actor sys_priority: 65534
  actor port_id: 2
  actor port_priority: 65535
  actor key: 9
  actor state: aggregation synchronized collecting distributing

  partner sys_id: 02:00:00:00:00:99
  partner sys_priority: 100
  partner port_id: 22
  partner port_priority: 200
  partner key: 42
  partner state: activity timeout aggregation synchronized collecting distributing
OUT
wait_check 5 "bondshow bond0 | grep -E '^(lacp_status|member)'" <<'OUT'
lacp_status: negotiated
member p1: enabled
member p2: enabled
OUT
step "our PDUs now echo the partner; slow timeout bit clear in our actor state"
tx_mark
wait_until 8 "test \$(ovstool txget --all $T/pcap | ovstool lacp-decode | grep -E '^p(1|2) ' | cut -d' ' -f1 | sort -u | wc -l) = 2"
check "ovstool txget --all $T/pcap | ovstool lacp-decode | grep -E '^p(1|2) ' | sort -u" <<'OUT'
p1 dst=01:80:c2:00:00:02 version=1 actor sys=aa:55:aa:55:00:00 prio=65534 key=9 port=1 port_prio=65535 state=aggregation,synchronized,collecting,distributing | partner sys=02:00:00:00:00:99 prio=100 key=42 port=21 port_prio=200 state=activity,timeout,aggregation,synchronized,collecting,distributing
p2 dst=01:80:c2:00:00:02 version=1 actor sys=aa:55:aa:55:00:00 prio=65534 key=9 port=2 port_prio=65535 state=aggregation,synchronized,collecting,distributing | partner sys=02:00:00:00:00:99 prio=100 key=42 port=22 port_prio=200 state=activity,timeout,aggregation,synchronized,collecting,distributing
OUT
