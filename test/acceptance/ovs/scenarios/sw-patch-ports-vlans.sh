# desc: patch ports carrying VLANs: trunk patch between bridges (tags preserved across), access patch mapping VLANs, a chain of three bridges, MAC learning per bridge, deleting the patch
ovs_start
add_br br0
add_br br1
add_br br2
add_port br0 p1 tag=10
add_port br0 p2 tag=20
add_port br1 p3 tag=10
add_port br1 p4 trunks=20
add_port br2 p5
check "ovs-vsctl add-port br0 pa0 -- set interface pa0 type=patch options:peer=pa1 ofport_request=10 \
    -- add-port br1 pa1 -- set interface pa1 type=patch options:peer=pa0 ofport_request=11 \
    -- add-port br1 pb1 tag=10 -- set interface pb1 type=patch options:peer=pb2 ofport_request=12 \
    -- add-port br2 pb2 tag=30 -- set interface pb2 type=patch options:peer=pb1 ofport_request=13"
A=50:54:00:00:00:0a; B=50:54:00:00:00:0b
tx_mark
step "VLAN 10 from br0 crosses the trunk patch tagged, and into br2's VLAN 30 through the access patch"
F=$(pkt src=$A fill=1)
inject p1 $F
tx_expect <<TXP
br0 $(pkt src=$A fill=1 vlan=10)
br1 $(pkt src=$A fill=1 vlan=10)
br2 $(pkt src=$A fill=1 vlan=30)
p3 $F
p5 $(pkt src=$A fill=1 vlan=30)
TXP
check "fdb br1; fdb br2" <<'OUT'
 port  VLAN  MAC                Age
   11    10  50:54:00:00:00:0a    ?
 port  VLAN  MAC                Age
   13    30  50:54:00:00:00:0a    ?
OUT
step "VLAN 20 crosses the trunk only"
F=$(pkt src=$B fill=2)
inject p2 $F
tx_expect <<TXP
br0 $(pkt src=$B fill=2 vlan=20)
br1 $(pkt src=$B fill=2 vlan=20)
p4 $(pkt src=$B fill=2 vlan=20)
TXP
step "replies find their way back across both patches"
F=$(pkt src=50:54:00:00:00:0c dst=$A fill=3 vlan=30)
inject p5 $F
tx_expect <<TXP
p1 $(pkt src=50:54:00:00:00:0c dst=$A fill=3)
TXP
check "trace br2 in_port=p5,dl_src=50:54:00:00:00:0c,dl_dst=$A,dl_vlan=30" <<'OUT'
p1 untagged
OUT
check "trace br1 in_port=p4,dl_src=50:54:00:00:00:0d,dl_dst=ff:ff:ff:ff:ff:ff,dl_vlan=20" <<'OUT'
br0 vlan=20 pcp=0
br1 vlan=20 pcp=0
p2 untagged
OUT
step "deleting one side of a patch: nothing crosses, the other side stays configured"
check "ovs-vsctl del-port br1 pa1"
check "ovs-appctl dpif/show | grep pa0" <<'OUT'
    pa0 10/none: (patch: peer=pa1)
OUT
F=$(pkt src=$A fill=4)
inject p1 $F
tx_expect <<TXP
br0 $(pkt src=$A fill=4 vlan=10)
TXP
