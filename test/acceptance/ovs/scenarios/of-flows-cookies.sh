# desc: OpenFlow flow table details: priorities and overlapping matches on real frames, cookies (dump filter, cookie-masked delete), mod-flows, --strict delete, counters per flow, OpenFlow 1.3 dump/mod/del, drop-reason traces
ovs_start
add_br br0 -- set bridge br0 fail-mode=secure
add_ports br0 p1 p2 p3 p4
step "a secure bridge starts with no flows and forwards nothing"
check -rc 1 "ovs-ofctl --no-stats dump-flows br0 | grep -v '_FLOW reply'"
check "trace br0 in_port=p1,dl_src=50:54:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff" <<'OUT'
drop
OUT
step "overlapping flows: the highest priority wins"
check "ovs-ofctl add-flow br0 'cookie=0x10,priority=100,in_port=p1,dl_dst=50:54:00:00:00:02,actions=output:p2'"
check "ovs-ofctl add-flow br0 'cookie=0x11,priority=50,in_port=p1,actions=output:p3'"
check "ovs-ofctl add-flow br0 'cookie=0x20,priority=10,actions=output:p4'"
check "ovs-ofctl add-flow br0 'cookie=0x21,priority=200,dl_src=50:54:00:00:00:66,actions=drop'"
check "ovs-ofctl --no-stats dump-flows br0 | grep -v '_FLOW reply'" <<'OUT'
 cookie=0x21, priority=200,dl_src=50:54:00:00:00:66 actions=drop
 cookie=0x10, priority=100,in_port=1,dl_dst=50:54:00:00:00:02 actions=output:2
 cookie=0x11, priority=50,in_port=1 actions=output:3
 cookie=0x20, priority=10 actions=output:4
OUT
check "ovs-ofctl --no-stats dump-flows br0 cookie=0x10/0xf0 | grep -v '_FLOW reply'" <<'OUT'
 cookie=0x10, priority=100,in_port=1,dl_dst=50:54:00:00:00:02 actions=output:2
 cookie=0x11, priority=50,in_port=1 actions=output:3
OUT
tx_mark
A=$(pkt src=50:54:00:00:00:01 dst=50:54:00:00:00:02 fill=1)
B=$(pkt src=50:54:00:00:00:01 dst=50:54:00:00:00:09 fill=2)
C=$(pkt src=50:54:00:00:00:03 dst=50:54:00:00:00:02 fill=3)
D=$(pkt src=50:54:00:00:00:66 dst=50:54:00:00:00:02 fill=4)
inject p1 $A
inject p1 $B
inject p2 $C
inject p1 $D
tx_expect <<TXP
p2 $A
p3 $B
p4 $C
TXP
check "trace br0 in_port=p1,dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02" <<'OUT'
p2 untagged
OUT
check "trace br0 in_port=p3,dl_src=50:54:00:00:00:01,dl_dst=50:54:00:00:00:02" <<'OUT'
p4 untagged
OUT
step "per-flow counters"
wait_check 10 "ovs-ofctl dump-flows br0 | grep -v '_FLOW reply' | sed -E 's/^ cookie=([^,]*),.* n_packets=([0-9]+), n_bytes=([0-9]+),.* (priority=[0-9]+).*/\1 \4 \2 \3/'" <<'OUT'
0x21 priority=200 1 60
0x10 priority=100 1 60
0x11 priority=50 1 60
0x20 priority=10 1 60
OUT
step "mod-flows changes actions, keeps counters; --strict needs the exact match and priority"
check "ovs-ofctl mod-flows br0 'in_port=p1,actions=output:p4'"
check "ovs-ofctl --no-stats dump-flows br0 | grep -v '_FLOW reply'" <<'OUT'
 cookie=0x21, priority=200,dl_src=50:54:00:00:00:66 actions=drop
 priority=100,in_port=1,dl_dst=50:54:00:00:00:02 actions=output:4
 priority=50,in_port=1 actions=output:4
 cookie=0x20, priority=10 actions=output:4
OUT
check "ovs-ofctl --strict mod-flows br0 'priority=50,in_port=p1,actions=output:p3'"
check "ovs-ofctl dump-flows br0 | grep -v '_FLOW reply' | sed -E 's/^ cookie=([^,]*),.* n_packets=([0-9]+), n_bytes=([0-9]+),.* (priority=[0-9]+[^ ]*) (actions=.*)/\1 \4 \2 \5/'" <<'OUT'
0x21 priority=200,dl_src=50:54:00:00:00:66 1 actions=drop
0x0 priority=100,in_port=1,dl_dst=50:54:00:00:00:02 1 actions=output:4
0x0 priority=50,in_port=1 1 actions=output:3
0x20 priority=10 1 actions=output:4
OUT
check "ovs-ofctl --strict del-flows br0 'in_port=p1'"
check "ovs-ofctl --no-stats dump-flows br0 | grep -v '_FLOW reply' | wc -l" <<'OUT'
4
OUT
check "ovs-ofctl --strict del-flows br0 'priority=50,in_port=p1'"
check "ovs-ofctl --no-stats dump-flows br0 | grep -v '_FLOW reply'" <<'OUT'
 cookie=0x21, priority=200,dl_src=50:54:00:00:00:66 actions=drop
 priority=100,in_port=1,dl_dst=50:54:00:00:00:02 actions=output:4
 cookie=0x20, priority=10 actions=output:4
OUT
step "delete by cookie mask"
check "ovs-ofctl del-flows br0 cookie=0x20/0xf0"
check "ovs-ofctl --no-stats dump-flows br0 | grep -v '_FLOW reply'" <<'OUT'
 priority=100,in_port=1,dl_dst=50:54:00:00:00:02 actions=output:4
OUT
step "OpenFlow 1.3: add with cookie, dump, mod, delete"
check "ovs-ofctl -O OpenFlow13 add-flow br0 'cookie=0x5,priority=300,in_port=p3,actions=output:p1,output:p2'"
check "ovs-ofctl -O OpenFlow13 add-flow br0 'priority=30,dl_vlan=7,actions=strip_vlan,output:p1'"
check "ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0 | grep -v '_FLOW reply'" <<'OUT'
 cookie=0x5, priority=300,in_port=3 actions=output:1,output:2
 reset_counts priority=100,in_port=1,dl_dst=50:54:00:00:00:02 actions=output:4
 priority=30,dl_vlan=7 actions=pop_vlan,output:1
OUT
tx_mark
F=$(pkt src=50:54:00:00:00:03 fill=5)
inject p3 $F
G=$(pkt src=50:54:00:00:00:04 fill=6 vlan=7)
inject p4 $G
tx_expect <<TXP
p1 $F
p2 $F
p1 $(pkt src=50:54:00:00:00:04 fill=6)
TXP
check "ovs-ofctl -O OpenFlow13 mod-flows br0 'cookie=0x5/-1,actions=output:p2'"
check "ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0 in_port=p3 | grep -v '_FLOW reply'" <<'OUT'
 cookie=0x5, priority=300,in_port=3 actions=output:2
OUT
check "ovs-ofctl -O OpenFlow13 del-flows br0 dl_vlan=7"
check "ovs-ofctl -O OpenFlow13 --no-stats dump-flows br0 | grep -v '_FLOW reply'" <<'OUT'
 cookie=0x5, priority=300,in_port=3 actions=output:2
 reset_counts priority=100,in_port=1,dl_dst=50:54:00:00:00:02 actions=output:4
OUT
