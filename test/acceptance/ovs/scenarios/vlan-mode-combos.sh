# desc: explicit vlan_mode with tag/trunks combinations (access ignores trunks, trunk ignores tag, native without trunks, trunks including VLAN 0), priority-tagged frames on native ports, live VLAN reconfiguration
ovs_start
add_br br0
add_port br0 p1 vlan_mode=access tag=5 trunks=6
add_port br0 p2 vlan_mode=trunk tag=5 trunks=5,6
add_port br0 p3 trunks=0,5
add_port br0 p4 vlan_mode=native-untagged tag=6
add_port br0 p5 tag=5
add_port br0 p6
add_port br0 p7 vlan_mode=native-tagged tag=7 trunks=5
BC="dl_src=50:54:00:00:00:01,dl_dst=ff:ff:ff:ff:ff:ff"
step "ingress on each port, untagged"
for p in p1 p2 p3 p4 p5 p6 p7; do
    echo "== $p" >> $T/untagged.out
    trace br0 "in_port=$p,$BC" >> $T/untagged.out || fail "trace $p"
done
check "cat $T/untagged.out" <<'OUT'
== p1
br0 vlan=5 pcp=0
p2 vlan=5 pcp=0
p3 vlan=5 pcp=0
p4 vlan=5 pcp=0
p5 untagged
p6 vlan=5 pcp=0
p7 vlan=5 pcp=0
== p2
drop
== p3
br0 untagged
p6 untagged
== p4
br0 vlan=6 pcp=0
p2 vlan=6 pcp=0
p6 vlan=6 pcp=0
== p5
br0 vlan=5 pcp=0
p1 untagged
p2 vlan=5 pcp=0
p3 vlan=5 pcp=0
p4 vlan=5 pcp=0
p6 vlan=5 pcp=0
p7 vlan=5 pcp=0
== p6
br0 untagged
p3 untagged
== p7
br0 vlan=7 pcp=0
p4 vlan=7 pcp=0
p6 vlan=7 pcp=0
OUT
step "ingress VLAN 5 and VLAN 6 tagged, pcp 2"
for p in p1 p2 p3 p4 p5 p6 p7; do
    for v in 5 6; do
        echo "== $p vlan $v" >> $T/tagged.out
        trace br0 "in_port=$p,$BC,dl_vlan=$v,dl_vlan_pcp=2" >> $T/tagged.out || fail "trace $p"
    done
done
check "cat $T/tagged.out" <<'OUT'
== p1 vlan 5
drop
== p1 vlan 6
drop
== p2 vlan 5
br0 vlan=5 pcp=2
p1 untagged
p3 vlan=5 pcp=2
p4 vlan=5 pcp=2
p5 untagged
p6 vlan=5 pcp=2
p7 vlan=5 pcp=2
== p2 vlan 6
br0 vlan=6 pcp=2
p4 untagged
p6 vlan=6 pcp=2
== p3 vlan 5
br0 vlan=5 pcp=2
p1 untagged
p2 vlan=5 pcp=2
p4 vlan=5 pcp=2
p5 untagged
p6 vlan=5 pcp=2
p7 vlan=5 pcp=2
== p3 vlan 6
drop
== p4 vlan 5
br0 vlan=5 pcp=2
p1 untagged
p2 vlan=5 pcp=2
p3 vlan=5 pcp=2
p5 untagged
p6 vlan=5 pcp=2
p7 vlan=5 pcp=2
== p4 vlan 6
br0 vlan=6 pcp=2
p2 vlan=6 pcp=2
p6 vlan=6 pcp=2
== p5 vlan 5
drop
== p5 vlan 6
drop
== p6 vlan 5
br0 vlan=5 pcp=2
p1 untagged
p2 vlan=5 pcp=2
p3 vlan=5 pcp=2
p4 vlan=5 pcp=2
p5 untagged
p7 vlan=5 pcp=2
== p6 vlan 6
br0 vlan=6 pcp=2
p2 vlan=6 pcp=2
p4 untagged
== p7 vlan 5
br0 vlan=5 pcp=2
p1 untagged
p2 vlan=5 pcp=2
p3 vlan=5 pcp=2
p4 vlan=5 pcp=2
p5 untagged
p6 vlan=5 pcp=2
== p7 vlan 6
drop
OUT
step "priority-tagged (VID 0, pcp 3) frames on access and native ports"
for p in p1 p4 p7; do
    echo "== $p" >> $T/prio.out
    trace br0 "in_port=$p,$BC,dl_vlan=0,dl_vlan_pcp=3" >> $T/prio.out || fail "trace $p"
done
check "cat $T/prio.out" <<'OUT'
== p1
br0 vlan=5 pcp=3
p2 vlan=5 pcp=3
p3 vlan=5 pcp=3
p4 vlan=5 pcp=3
p5 untagged
p6 vlan=5 pcp=3
p7 vlan=5 pcp=3
== p4
br0 vlan=6 pcp=3
p2 vlan=6 pcp=3
p6 vlan=6 pcp=3
== p7
br0 vlan=7 pcp=3
p4 vlan=7 pcp=3
p6 vlan=7 pcp=3
OUT
step "real frames agree with the traces"
tx_mark
F=$(pkt src=50:54:00:00:00:01 fill=1)
inject p4 $F
tx_expect <<TXP
br0 $(pkt src=50:54:00:00:00:01 fill=1 vlan=6)
p2 $(pkt src=50:54:00:00:00:01 fill=1 vlan=6)
p6 $(pkt src=50:54:00:00:00:01 fill=1 vlan=6)
TXP
F=$(pkt src=50:54:00:00:00:02 vlan=0 pcp=3 fill=2)
inject p4 $F
tx_expect <<TXP
br0 $(pkt src=50:54:00:00:00:02 fill=2 vlan=6 pcp=3)
p2 $(pkt src=50:54:00:00:00:02 fill=2 vlan=6 pcp=3)
p6 $(pkt src=50:54:00:00:00:02 fill=2 vlan=6 pcp=3)
TXP
F=$(pkt src=50:54:00:00:00:03 vlan=5 pcp=2 fill=3)
inject p7 $F
tx_expect <<TXP
br0 $F
p2 $F
p3 $F
p4 $F
p6 $F
p1 $(pkt src=50:54:00:00:00:03 fill=3)
p5 $(pkt src=50:54:00:00:00:03 fill=3)
TXP
step "changing a port's VLAN forgets what it learned and changes where it floods"
check "fdb br0" <<'OUT'
 port  VLAN  MAC                Age
    4     6  50:54:00:00:00:01    ?
    4     6  50:54:00:00:00:02    ?
    7     5  50:54:00:00:00:03    ?
OUT
check "ovs-vsctl set port p4 tag=5"
check "fdb br0" <<'OUT'
 port  VLAN  MAC                Age
    7     5  50:54:00:00:00:03    ?
OUT
check "trace br0 in_port=p4,$BC" <<'OUT'
br0 vlan=5 pcp=0
p1 untagged
p2 vlan=5 pcp=0
p3 vlan=5 pcp=0
p5 untagged
p6 vlan=5 pcp=0
p7 vlan=5 pcp=0
OUT
check "ovs-vsctl set port p1 vlan_mode=trunk"
check "trace br0 in_port=p1,$BC,dl_vlan=6" <<'OUT'
br0 vlan=6 pcp=0
p2 vlan=6 pcp=0
p4 vlan=6 pcp=0
p6 vlan=6 pcp=0
OUT
check "ovs-vsctl clear port p1 trunks"
check "trace br0 in_port=p1,$BC,dl_vlan=9" <<'OUT'
br0 vlan=9 pcp=0
p4 vlan=9 pcp=0
p6 vlan=9 pcp=0
OUT
