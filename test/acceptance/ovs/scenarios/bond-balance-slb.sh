# desc: balance-slb bond: each source MAC hashed onto exactly one member (sticky, matching trace), broadcasts accepted on the active member only, no reflection into the bond, member down/up moves flows
ovs_start
add_br br0
add_bond br0 bond0 p1 p2 -- bond_mode=balance-slb other_config:bond-rebalance-interval=0
add_ports br0 p3 p4
wait_check 10 "bondshow bond0 | grep -vE 'active member'" <<'OUT'
---- bond0 ----
bond_mode: balance-slb
updelay: 0 ms
downdelay: 0 ms
lacp_status: off
lacp_fallback_ab: false
active-backup primary: <none>
member p1: enabled
  may_enable: true
member p2: enabled
  may_enable: true
OUT
check "bondshow bond0 | grep -c '^  active member'" <<'OUT'
1
OUT
check "ovs-appctl bond/list | tail -n +2 | cut -f1,2" <<'OUT'
bond0	balance-slb
OUT
# the member bond/show calls active (it takes the bond's broadcasts)
active() { ovs-appctl bond/show bond0 | awk '/^member /{m=$2; sub(":","",m)} /^  active member$/{print m}'; }
ACT=$(active); [ -n "$ACT" ] || fail "no active member"
if [ "$ACT" = p1 ]; then OTH=p2; else OTH=p1; fi

step "broadcasts from 8 source MACs: each leaves through exactly one member, never both"
tx_mark
for i in 1 2 3 4 5 6 7 8; do inject p3 $(pkt src=50:54:00:00:01:0$i fill=$i); done
wait_until 5 "test \$(ovstool txget $T/pcap | grep -cE '^p(1|2) ') -ge 8"
sleep 0.3
check "ovstool txget $T/pcap | cut -d' ' -f1 | sed -E 's/^p(1|2)$/bond/' | sort | uniq -c | sed 's/^ *//'" <<'OUT'
8 bond
8 br0
8 p4
OUT
ovstool txget $T/pcap | grep -E '^p(1|2) ' > $T/first-round
step "the member chosen for a MAC is the one ofproto/trace names, and it is sticky"
for i in 1 2 3 4 5 6 7 8; do
    F=$(pkt src=50:54:00:00:01:0$i fill=$i)
    M=$(grep " $F\$" $T/first-round | cut -d' ' -f1)
    check "trace br0 in_port=p3,dl_src=50:54:00:00:01:0$i,dl_dst=ff:ff:ff:ff:ff:ff | grep -E '^p(1|2) '" <<OUT
$M untagged
OUT
done
tx_mark
for i in 1 2 3 4 5 6 7 8; do inject p3 $(pkt src=50:54:00:00:01:0$i fill=$i); done
wait_until 5 "test \$(ovstool txget $T/pcap | grep -cE '^p(1|2) ') -ge 8"
sleep 0.3
check "ovstool txget $T/pcap | grep -E '^p(1|2) '" < $T/first-round

step "a broadcast arriving on the active member is flooded, never back into the bond"
tx_mark
F=$(pkt src=50:54:00:00:00:b1 fill=20)
inject $ACT $F
tx_expect <<TXP
p3 $F
p4 $F
br0 $F
TXP
step "a broadcast arriving on the other member is dropped"
inject $OTH $(pkt src=50:54:00:00:00:b2 fill=21)
tx_expect <<TXP
TXP
step "unicast arriving on either member is forwarded to the learned port"
F=$(pkt src=50:54:00:00:00:b3 dst=50:54:00:00:01:01 fill=22)
inject $OTH $F
G=$(pkt src=50:54:00:00:00:b4 dst=50:54:00:00:01:02 fill=23)
inject $ACT $G
tx_expect <<TXP
p3 $F
p3 $G
TXP
# (a bond's MACs show under the number of one of its members)
check "fdb br0 | grep -E 'b[1-4] ' | sed -E 's/^    [12] /bond0/'" <<'OUT'
bond0    0  50:54:00:00:00:b1    ?
bond0    0  50:54:00:00:00:b3    ?
bond0    0  50:54:00:00:00:b4    ?
OUT

step "a frame arriving on the bond from a MAC learned on p3 is a reflection: dropped"
tx_mark
inject $ACT $(pkt src=50:54:00:00:01:01 fill=30)
inject $OTH $(pkt src=50:54:00:00:01:02 dst=50:54:00:00:00:b3 fill=31)
tx_expect <<TXP
TXP
check "fdb br0 | grep -E '01:0[12] '" <<'OUT'
    3     0  50:54:00:00:01:01    ?
    3     0  50:54:00:00:01:02    ?
OUT

step "p1 down: every source MAC now leaves through p2"
check "ovs-appctl netdev-dummy/set-admin-state p1 down" <<'OUT'
OK
OUT
wait_check 10 "bondshow bond0 | grep -E '^member|active member'" <<'OUT'
member p1: disabled
member p2: enabled
  active member
OUT
tx_mark
for i in 1 2 3 4 5 6 7 8; do inject p3 $(pkt src=50:54:00:00:01:0$i fill=$i); done
wait_until 5 "test \$(ovstool txget $T/pcap | grep -cE '^p(1|2) ') -ge 8"
sleep 0.3
check "ovstool txget $T/pcap | cut -d' ' -f1 | sort | uniq -c | sed 's/^ *//'" <<'OUT'
8 br0
8 p2
8 p4
OUT
check "trace br0 in_port=p3,dl_src=50:54:00:00:01:05,dl_dst=ff:ff:ff:ff:ff:ff" <<'OUT'
br0 untagged
p2 untagged
p4 untagged
OUT
step "broadcasts arriving on the disabled member are dropped, on the new active member accepted"
tx_mark
F=$(pkt src=50:54:00:00:00:c1 fill=40)
inject p1 $(pkt src=50:54:00:00:00:c2 fill=41)
inject p2 $F
tx_expect <<TXP
p3 $F
p4 $F
br0 $F
TXP
step "p1 up again: each source MAC still leaves exactly once through the bond"
check "ovs-appctl netdev-dummy/set-admin-state p1 up" <<'OUT'
OK
OUT
wait_check 10 "bondshow bond0 | grep -E '^member'" <<'OUT'
member p1: enabled
member p2: enabled
OUT
tx_mark
for i in 1 2 3 4 5 6 7 8; do inject p3 $(pkt src=50:54:00:00:01:0$i fill=$i); done
wait_until 5 "test \$(ovstool txget $T/pcap | grep -cE '^p(1|2) ') -ge 8"
sleep 0.3
check "ovstool txget $T/pcap | cut -d' ' -f1 | sed -E 's/^p(1|2)$/bond/' | sort | uniq -c | sed 's/^ *//'" <<'OUT'
8 bond
8 br0
8 p4
OUT
step "known unicast to a MAC behind the bond goes through one member only"
tx_mark
F=$(pkt src=50:54:00:00:01:03 dst=50:54:00:00:00:c1 fill=50)
inject p3 $F
wait_until 5 "ovstool txget $T/pcap | grep -qE '^p(1|2) '"
sleep 0.3
check "ovstool txget $T/pcap | sed -E 's/^p(1|2) /bond /'" <<OUT
bond $F
OUT
