# desc: priority-tagged frames (VID 0, PCP set) in VLAN 0: trunks keep the priority tag, access and native-untagged ports strip it, native ports never carry VLAN 0
ovs_start
add_br br0
add_port br0 p1
add_port br0 p2 trunks=0,5
add_port br0 p3 vlan_mode=native-tagged tag=0
add_port br0 p4 vlan_mode=native-untagged tag=0 trunks=5
add_port br0 p5 tag=0
add_port br0 p6 vlan_mode=native-untagged tag=5
BC="dl_src=50:54:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff"
for p in p1 p2 p3 p4 p5; do
    echo "== $p" >> $T/prio.out
    trace br0 "in_port=$p,$BC,dl_vlan=0,dl_vlan_pcp=3" >> $T/prio.out || fail "trace $p"
done
check "cat $T/prio.out" <<'OUT'
== p1
br0 vlan=0 pcp=3
p2 vlan=0 pcp=3
p3 vlan=0 pcp=3
p5 untagged
== p2
br0 vlan=0 pcp=3
p1 vlan=0 pcp=3
p3 vlan=0 pcp=3
p5 untagged
== p3
br0 vlan=0 pcp=3
p1 vlan=0 pcp=3
p2 vlan=0 pcp=3
p5 untagged
== p4
br0 vlan=0 pcp=3
p1 vlan=0 pcp=3
p2 vlan=0 pcp=3
p3 vlan=0 pcp=3
p5 untagged
== p5
br0 vlan=0 pcp=3
p1 vlan=0 pcp=3
p2 vlan=0 pcp=3
p3 vlan=0 pcp=3
OUT
tx_mark
F=$(pkt src=50:54:00:00:00:01 vlan=0 pcp=3 fill=1)
U=$(pkt src=50:54:00:00:00:01 fill=1)
inject p1 $F
tx_expect <<TXP
br0 $F
p2 $F
p3 $F
p5 $U
TXP
F=$(pkt src=50:54:00:00:00:02 vlan=0 pcp=5 fill=2)
U=$(pkt src=50:54:00:00:00:02 fill=2)
inject p5 $F
tx_expect <<TXP
br0 $F
p1 $F
p2 $F
p3 $F
TXP
