# desc: tunnel neighbour and route tables: tnl/neigh/set/show/flush, learning from ARP, ovs/route/add/show/del, tnl/arp aliases, errors
ovs_start
add_br br-phy aa:55:aa:55:00:01
add_port br-phy eth1
add_br br-two aa:55:aa:55:00:02
add_port br-two eth2
check "ovs-appctl netdev-dummy/ip4addr br-phy 192.0.2.10/24" <<'OUT'
OK
OUT
check "ovs-appctl netdev-dummy/ip4addr br-two 198.51.100.1/24" <<'OUT'
OK
OUT
step "neighbour table"
check "ovs-appctl tnl/neigh/show" <<'OUT'
IP                                            MAC                 Bridge
==========================================================================
OUT
check "ovs-appctl tnl/neigh/set br-phy 192.0.2.20 02:00:00:00:00:20" <<'OUT'
OK
OUT
check "ovs-appctl tnl/neigh/set br-two 198.51.100.7 02:00:00:00:00:07" <<'OUT'
OK
OUT
check "ovs-appctl tnl/neigh/set br-phy 192.0.2.21 02:00:00:00:00:21" <<'OUT'
OK
OUT
# (row order is free)
check "ovs-appctl tnl/neigh/show | tail -n +3 | sort" <<'OUT'
192.0.2.20                                    02:00:00:00:00:20   br-phy
192.0.2.21                                    02:00:00:00:00:21   br-phy
198.51.100.7                                  02:00:00:00:00:07   br-two
OUT
step "a new MAC for a known IP replaces the old one"
check "ovs-appctl tnl/neigh/set br-phy 192.0.2.20 02:00:00:00:00:2a" <<'OUT'
OK
OUT
check "ovs-appctl tnl/neigh/show | grep 192.0.2.20" <<'OUT'
192.0.2.20                                    02:00:00:00:00:2a   br-phy
OUT
step "errors"
# (the bridge name is not checked: it is only a label)
check "ovs-appctl tnl/neigh/set nosuch 192.0.2.50 02:00:00:00:00:50 2>&1" <<'OUT'
OK
OUT
check "ovs-appctl tnl/neigh/show | grep 192.0.2.50" <<'OUT'
192.0.2.50                                    02:00:00:00:00:50   nosuch
OUT
check -rc 2 "ovs-appctl tnl/neigh/set br-phy 192.0.2.300 02:00:00:00:00:20 2>&1" <<'OUT'
bad IP address
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check -rc 2 "ovs-appctl tnl/neigh/set br-phy 192.0.2.20 02:00:00:00:00 2>&1" <<'OUT'
bad MAC address
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check -rc 2 "ovs-appctl tnl/neigh/set br-phy 192.0.2.20 2>&1" <<'OUT'
"tnl/neigh/set" command requires at least 3 arguments
ovs-appctl: ovs-vswitchd: server returned an error
OUT
step "without any tunnel port, ARP replies are not snooped"
REP=$(ovstool arp op=2 src=02:00:00:00:00:30 dst=aa:55:aa:55:00:01 spa=192.0.2.30 tha=aa:55:aa:55:00:01 tpa=192.0.2.10)
inject eth1 $REP
sleep 0.5
check -rc 1 "ovs-appctl tnl/neigh/show | grep 192.0.2.30"
step "with a tunnel port: ARP replies to the local address, and gratuitous ARPs, are learned"
add_br br-int aa:55:aa:55:00:03
check "ovs-vsctl add-port br-int vx1 -- set interface vx1 type=vxlan options:remote_ip=192.0.2.20 options:key=5 ofport_request=1"
inject eth1 $REP
wait_until 5 "ovs-appctl tnl/neigh/show | grep -q '^192.0.2.30 '"
check "ovs-appctl tnl/neigh/show | grep 192.0.2.30" <<'OUT'
192.0.2.30                                    02:00:00:00:00:30   br-phy
OUT
# a reply for an address that is not ours teaches nothing
inject eth1 $(ovstool arp op=2 src=02:00:00:00:00:32 dst=aa:55:aa:55:00:01 spa=192.0.2.32 tha=aa:55:aa:55:00:01 tpa=192.0.2.99)
# gratuitous ARP (sender = target address, broadcast)
inject eth1 $(ovstool arp op=1 src=02:00:00:00:00:31 spa=192.0.2.31 tpa=192.0.2.31)
wait_until 5 "ovs-appctl tnl/neigh/show | grep -q '^192.0.2.31 '"
check "ovs-appctl tnl/neigh/show | grep -E '192.0.2.3[12]'" <<'OUT'
192.0.2.31                                    02:00:00:00:00:31   br-phy
OUT
# ARP replies on a bridge whose address is another one are not ours either
inject eth2 $(ovstool arp op=2 src=02:00:00:00:00:33 dst=aa:55:aa:55:00:02 spa=192.0.2.33 tha=aa:55:aa:55:00:02 tpa=192.0.2.10)
REP2=$(ovstool arp op=2 src=02:00:00:00:00:08 dst=aa:55:aa:55:00:02 spa=198.51.100.8 tha=aa:55:aa:55:00:02 tpa=198.51.100.1)
inject eth2 $REP2
wait_until 5 "ovs-appctl tnl/neigh/show | grep -q '^198.51.100.8 '"
check "ovs-appctl tnl/neigh/show | grep -E '192.0.2.33|198.51.100.8'" <<'OUT'
198.51.100.8                                  02:00:00:00:00:08   br-two
OUT
step "tnl/neigh/flush empties the table"
check "ovs-appctl tnl/neigh/flush" <<'OUT'
OK
OUT
check "ovs-appctl tnl/neigh/show" <<'OUT'
IP                                            MAC                 Bridge
==========================================================================
OUT
step "tnl/arp/* are the older names of the same commands"
check "ovs-appctl tnl/arp/set br-phy 192.0.2.40 02:00:00:00:00:40" <<'OUT'
OK
OUT
check "ovs-appctl tnl/arp/show | tail -n +3" <<'OUT'
192.0.2.40                                    02:00:00:00:00:40   br-phy
OUT
check "ovs-appctl tnl/arp/flush" <<'OUT'
OK
OUT
step "routes"
check "ovs-appctl ovs/route/show" <<'OUT'
Route Table:
OUT
check "ovs-appctl ovs/route/add 203.0.113.0/24 br-phy 192.0.2.1" <<'OUT'
OK
OUT
# without a gateway the destination must be on the bridge's own subnet
check -rc 2 "ovs-appctl ovs/route/add 10.0.0.0/8 br-two 2>&1" <<'OUT'
Error while inserting route.
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check "ovs-appctl ovs/route/add 10.0.0.0/8 br-two 198.51.100.254" <<'OUT'
OK
OUT
check "ovs-appctl ovs/route/add 198.51.100.128/25 br-two" <<'OUT'
OK
OUT
# (row order is free)
check "ovs-appctl ovs/route/show | sort" <<'OUT'
Route Table:
User: 10.0.0.0/8 dev br-two GW 198.51.100.254 SRC 198.51.100.1
User: 198.51.100.128/25 dev br-two SRC 198.51.100.1
User: 203.0.113.0/24 dev br-phy GW 192.0.2.1 SRC 192.0.2.10
OUT
check "ovs-appctl ovs/route/lookup 203.0.113.9" <<'OUT'
src 192.0.2.10
gateway 192.0.2.1
dev br-phy
OUT
check "ovs-appctl ovs/route/lookup 10.1.2.3" <<'OUT'
src 198.51.100.1
gateway 198.51.100.254
dev br-two
OUT
# the bridge's own subnet is not a route until added
check -rc 2 "ovs-appctl ovs/route/lookup 192.0.2.99 2>&1" <<'OUT'
Not found
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check "ovs-appctl ovs/route/add 192.0.2.0/24 br-phy" <<'OUT'
OK
OUT
check "ovs-appctl ovs/route/lookup 192.0.2.99" <<'OUT'
src 192.0.2.10
gateway ::
dev br-phy
OUT
step "the longest prefix wins"
check "ovs-appctl ovs/route/lookup 198.51.100.200" <<'OUT'
src 198.51.100.1
gateway ::
dev br-two
OUT
check -rc 2 "ovs-appctl ovs/route/lookup 198.51.100.20 2>&1" <<'OUT'
Not found
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check -rc 2 "ovs-appctl ovs/route/lookup 8.8.8.8 2>&1" <<'OUT'
Not found
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check -rc 2 "ovs-appctl ovs/route/add 10.0.0.0/33 br-two 2>&1" <<'OUT'
Invalid parameters
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check -rc 2 "ovs-appctl ovs/route/add 10.0.0.0/8 nosuch 2>&1" <<'OUT'
Error while inserting route.
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check "ovs-appctl ovs/route/del 10.0.0.0/8" <<'OUT'
OK
OUT
check -rc 2 "ovs-appctl ovs/route/del 10.0.0.0/8 2>&1" <<'OUT'
Not found
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check "ovs-appctl ovs/route/show | sort" <<'OUT'
Route Table:
User: 192.0.2.0/24 dev br-phy SRC 192.0.2.10
User: 198.51.100.128/25 dev br-two SRC 198.51.100.1
User: 203.0.113.0/24 dev br-phy GW 192.0.2.1 SRC 192.0.2.10
OUT
step "neighbour aging (tnl/neigh/aging) under simulated time"
check "ovs-appctl tnl/neigh/aging" <<'OUT'
900
OUT
check -rc 2 "ovs-appctl tnl/neigh/aging 0 2>&1" <<'OUT'
bad aging value
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check -rc 2 "ovs-appctl tnl/neigh/aging 3601 2>&1" <<'OUT'
bad aging value
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check "ovs-appctl time/stop"
check "ovs-appctl tnl/neigh/set br-phy 192.0.2.60 02:00:00:00:00:60" <<'OUT'
OK
OUT
check "ovs-appctl tnl/neigh/aging 60" <<'OUT'
OK
OUT
check "ovs-appctl tnl/neigh/set br-phy 192.0.2.61 02:00:00:00:00:61" <<'OUT'
OK
OUT
check "ovs-appctl time/warp 30000" <<'OUT'
warped
OUT
check "ovs-appctl tnl/neigh/set br-phy 192.0.2.61 02:00:00:00:00:61" <<'OUT'
OK
OUT
check "ovs-appctl time/warp 40000 1000" <<'OUT'
warped
OUT
check "ovs-appctl tnl/neigh/show | tail -n +3" <<'OUT'
192.0.2.61                                    02:00:00:00:00:61   br-phy
OUT
check "ovs-appctl time/warp 30000 1000" <<'OUT'
warped
OUT
check "ovs-appctl tnl/neigh/show | tail -n +3" <<'OUT'
OUT
