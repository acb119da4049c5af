# desc: VXLAN with several VTEPs and VNIs: flow-based tunnel port (remote_ip=flow, key=flow) driven by OpenFlow set_field tun_dst / set_tunnel, tun_id matches on decap, fixed ports alongside, neighbours learned from received tunnel packets
ovs_start
add_br br-phy aa:55:aa:55:00:01
add_port br-phy eth1
check "ovs-appctl netdev-dummy/ip4addr br-phy 192.0.2.10/24" <<'OUT'
OK
OUT
check "ovs-appctl ovs/route/add 192.0.2.0/24 br-phy" <<'OUT'
OK
OUT
check "ovs-appctl tnl/neigh/set br-phy 192.0.2.20 02:00:00:00:00:20" <<'OUT'
OK
OUT
check "ovs-appctl tnl/neigh/set br-phy 192.0.2.30 02:00:00:00:00:30" <<'OUT'
OK
OUT
add_br br-int aa:55:aa:55:00:02 -- set bridge br-int fail-mode=secure
add_ports br-int vm1 vm2 vm3
check "ovs-vsctl add-port br-int vxf -- set interface vxf type=vxlan options:remote_ip=flow options:key=flow ofport_request=10"
check "ovs-appctl dpif/show | grep -E ' vxf' | sed -E 's#/[0-9]+:#/N:#'" <<'OUT'
    vxf 10/N: (vxlan: key=flow, remote_ip=flow)
OUT
check "ovs-ofctl add-flow br-int 'priority=10,in_port=vm1,actions=set_field:192.0.2.20->tun_dst,set_tunnel:100,output:10'"
check "ovs-ofctl add-flow br-int 'priority=10,in_port=vm2,actions=set_tunnel:200,set_field:192.0.2.30->tun_dst,output:10'"
check "ovs-ofctl add-flow br-int 'priority=10,in_port=vm3,actions=set_field:192.0.2.20->tun_dst,set_tunnel:300,output:10,set_field:192.0.2.30->tun_dst,output:10'"
check "ovs-ofctl add-flow br-int 'priority=10,in_port=10,tun_id=100,actions=output:vm1'"
check "ovs-ofctl add-flow br-int 'priority=10,in_port=10,tun_id=200,actions=output:vm2'"
check "ovs-ofctl add-flow br-int 'priority=5,in_port=10,actions=output:vm3'"
# (the order of flows of equal priority is free)
check "ovs-ofctl --no-stats dump-flows br-int | grep -v '_FLOW reply' | sort" <<'OUT'
 priority=10,in_port=1 actions=load:0xc0000214->NXM_NX_TUN_IPV4_DST[],set_tunnel:0x64,output:10
 priority=10,in_port=2 actions=set_tunnel:0xc8,load:0xc000021e->NXM_NX_TUN_IPV4_DST[],output:10
 priority=10,in_port=3 actions=load:0xc0000214->NXM_NX_TUN_IPV4_DST[],set_tunnel:0x12c,output:10,load:0xc000021e->NXM_NX_TUN_IPV4_DST[],output:10
 priority=10,tun_id=0x64,in_port=10 actions=output:1
 priority=10,tun_id=0xc8,in_port=10 actions=output:2
 priority=5,in_port=10 actions=output:3
OUT
tx_mark
step "each VM's traffic goes to its VTEP with its VNI"
F1=$(pkt src=50:54:00:00:00:01 fill=1)
inject vm1 $F1
F2=$(pkt src=50:54:00:00:00:02 fill=2)
inject vm2 $F2
wait_until 5 "test \$(ovstool txget $T/pcap | grep -c '^eth1 ') -ge 2"
sleep 0.3
check "ovstool txget $T/pcap | ovstool vxlan-decode | sort" <<OUT
eth1 eth_dst=02:00:00:00:00:20 eth_src=aa:55:aa:55:00:01 ip_src=192.0.2.10 ip_dst=192.0.2.20 proto=17 ttl=64 df=1 ip_len_ok=1 ip_csum_ok=1 udp_dst=4789 udp_len_ok=1 vxlan_flags=0x08000000 vni=100 inner=ffffffffffff50540000000188b50102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e
eth1 eth_dst=02:00:00:00:00:30 eth_src=aa:55:aa:55:00:01 ip_src=192.0.2.10 ip_dst=192.0.2.30 proto=17 ttl=64 df=1 ip_len_ok=1 ip_csum_ok=1 udp_dst=4789 udp_len_ok=1 vxlan_flags=0x08000000 vni=200 inner=ffffffffffff50540000000288b502030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f
OUT
tx_mark
step "one frame sent to two VTEPs with one VNI"
F3=$(pkt src=50:54:00:00:00:03 fill=3)
inject vm3 $F3
wait_until 5 "test \$(ovstool txget $T/pcap | grep -c '^eth1 ') -ge 2"
sleep 0.3
check "ovstool txget $T/pcap | ovstool vxlan-decode | sort" <<OUT
eth1 eth_dst=02:00:00:00:00:20 eth_src=aa:55:aa:55:00:01 ip_src=192.0.2.10 ip_dst=192.0.2.20 proto=17 ttl=64 df=1 ip_len_ok=1 ip_csum_ok=1 udp_dst=4789 udp_len_ok=1 vxlan_flags=0x08000000 vni=300 inner=ffffffffffff50540000000388b5030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30
eth1 eth_dst=02:00:00:00:00:30 eth_src=aa:55:aa:55:00:01 ip_src=192.0.2.10 ip_dst=192.0.2.30 proto=17 ttl=64 df=1 ip_len_ok=1 ip_csum_ok=1 udp_dst=4789 udp_len_ok=1 vxlan_flags=0x08000000 vni=300 inner=ffffffffffff50540000000388b5030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f30
OUT
tx_mark
step "decapsulation: the VNI selects the flow, any VTEP is accepted by the flow port"
IN=$(pkt src=50:54:00:00:00:a1 dst=50:54:00:00:00:01 fill=4)
inject eth1 $(ovstool vxlan dst=aa:55:aa:55:00:01 src=02:00:00:00:00:20 ip_src=192.0.2.20 ip_dst=192.0.2.10 vni=100 inner=$IN)
IN2=$(pkt src=50:54:00:00:00:a2 fill=5)
inject eth1 $(ovstool vxlan dst=aa:55:aa:55:00:01 src=02:00:00:00:00:30 ip_src=192.0.2.30 ip_dst=192.0.2.10 vni=200 inner=$IN2)
IN3=$(pkt src=50:54:00:00:00:a3 fill=6)
inject eth1 $(ovstool vxlan dst=aa:55:aa:55:00:01 src=02:00:00:00:00:40 ip_src=192.0.2.40 ip_dst=192.0.2.10 vni=777 inner=$IN3)
tx_expect <<TXP
vm1 $IN
vm2 $IN2
vm3 $IN3
TXP
step "the VTEP that sent a tunnel packet is now a known neighbour"
check "ovs-appctl tnl/neigh/show | grep 192.0.2.40" <<'OUT'
192.0.2.40                                    02:00:00:00:00:40   br-phy
OUT
wait_check 10 "ovs-ofctl dump-flows br-int | grep -v '_FLOW reply' | sed -E 's/.* n_packets=([0-9]+),.* (priority=[0-9]+,[^ ]*) .*/\2 \1/' | sort" <<'OUT'
priority=10,in_port=1 1
priority=10,in_port=2 1
priority=10,in_port=3 1
priority=10,tun_id=0x64,in_port=10 1
priority=10,tun_id=0xc8,in_port=10 1
priority=5,in_port=10 1
OUT
step "a VTEP behind a gateway: the outer destination MAC is the gateway's"
check "ovs-appctl ovs/route/add 203.0.113.0/24 br-phy 192.0.2.1" <<'OUT'
OK
OUT
check "ovs-ofctl add-flow br-int 'priority=20,in_port=vm1,dl_src=50:54:00:00:00:77,actions=set_field:203.0.113.5->tun_dst,set_tunnel:500,output:10'"
# The gateway is unresolved: the switch asks for the gateway, not for the VTEP behind it.
tx_mark
inject vm1 $(pkt src=50:54:00:00:00:77 fill=6)
REQ=$(ovstool arp op=1 src=aa:55:aa:55:00:01 spa=192.0.2.10 tpa=192.0.2.1)
wait_until 5 "ovstool txget $T/pcap | grep -q '^eth1 $REQ'"
check "ovs-appctl tnl/neigh/set br-phy 192.0.2.1 02:00:00:00:00:01" <<'OUT'
OK
OUT
tx_mark
F=$(pkt src=50:54:00:00:00:77 fill=7)
inject vm1 $F
wait_until 5 "ovstool txget $T/pcap | grep -q '^eth1 '"
sleep 0.3
check "ovstool txget $T/pcap | ovstool vxlan-decode" <<OUT
eth1 eth_dst=02:00:00:00:00:01 eth_src=aa:55:aa:55:00:01 ip_src=192.0.2.10 ip_dst=203.0.113.5 proto=17 ttl=64 df=1 ip_len_ok=1 ip_csum_ok=1 udp_dst=4789 udp_len_ok=1 vxlan_flags=0x08000000 vni=500 inner=ffffffffffff50540000007788b50708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334
OUT
