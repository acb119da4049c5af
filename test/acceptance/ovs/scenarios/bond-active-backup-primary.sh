# desc: active-backup bond edge cases: primary naming no member, bond/set-active-member (and its errors), primary joining later, primary removed, deleting the active member
ovs_start
add_br br0
add_bond br0 bond0 p1 p2 p3 -- bond_mode=active-backup other_config:bond-primary=p9
add_port br0 p5
active() { ovs-appctl bond/show bond0 | awk '/^member /{m=$2; sub(":","",m)} /^  active member$/{print m}'; }
wait_check 10 "bondshow bond0 | grep -vE '^(---- |updelay|downdelay|lacp)|active member'" <<'OUT'
bond_mode: active-backup
active-backup primary: p9 (no such member)
member p1: enabled
  may_enable: true
member p2: enabled
  may_enable: true
member p3: enabled
  may_enable: true
OUT
check "bondshow bond0 | grep -c '^  active member'" <<'OUT'
1
OUT
step "bond/set-active-member picks the member; traffic follows it"
CUR=$(active)
check "ovs-appctl bond/set-active-member bond0 $CUR" <<'OUT'
no change
OUT
# NEW becomes active; X and Y are the two others
case $CUR in p1) NEW=p2 X=p1 Y=p3 ;; p2) NEW=p1 X=p2 Y=p3 ;; *) NEW=p2 X=p1 Y=p3 ;; esac
check "ovs-appctl bond/set-active-member bond0 $NEW" <<'OUT'
done
OUT
check "active" <<OUT
$NEW
OUT
tx_mark
F=$(pkt src=50:54:00:00:00:05 fill=1)
inject p5 $F
tx_expect <<TXP
$NEW $F
br0 $F
TXP
check "trace br0 in_port=p5,dl_src=50:54:00:00:00:05,dl_dst=ff:ff:ff:ff:ff:ff" <<OUT
br0 untagged
$NEW untagged
OUT
F=$(pkt src=50:54:00:00:00:22 dst=50:54:00:00:00:05 fill=2)
inject $NEW $F
inject $X $(pkt src=50:54:00:00:00:11 dst=50:54:00:00:00:05 fill=3)
inject $Y $(pkt src=50:54:00:00:00:33 fill=4)
tx_expect <<TXP
p5 $F
TXP
step "errors"
check -rc 2 "ovs-appctl bond/set-active-member bond0 p7 2>&1" <<'OUT'
no such member
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check -rc 2 "ovs-appctl bond/set-active-member nosuch p1 2>&1" <<'OUT'
no such bond
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check -rc 2 "ovs-appctl bond/set-active-member p5 p5 2>&1" <<'OUT'
no such bond
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check -rc 2 "ovs-appctl bond/show p5 2>&1" <<'OUT'
no such bond
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check "ovs-appctl netdev-dummy/set-admin-state $Y down" <<'OUT'
OK
OUT
wait_check 10 "bondshow bond0 | grep -A1 '^member $Y'" <<OUT
member $Y: disabled
  may_enable: false
OUT
check -rc 2 "ovs-appctl bond/set-active-member bond0 $Y 2>&1" <<'OUT'
cannot make disabled member active
ovs-appctl: ovs-vswitchd: server returned an error
OUT
check "active" <<OUT
$NEW
OUT
step "the configured primary joins the bond later: it becomes the active member"
check "ovs-vsctl add-bond-iface bond0 p9 -- set interface p9 type=dummy ofport_request=9 options:tx_pcap=$T/pcap/p9.pcap"
wait_check 10 "bondshow bond0 | grep -E '^active-backup primary|^member|active member'" <<OUT
active-backup primary: p9
member p1: enabled
member p2: enabled
member p3: disabled
member p9: enabled
  active member
OUT
tx_mark
F=$(pkt src=50:54:00:00:00:05 fill=5)
inject p5 $F
tx_expect <<TXP
p9 $F
br0 $F
TXP
step "a primary that is down does not take over until it comes up"
check "ovs-vsctl set port bond0 other_config:bond-primary=$Y"
wait_check 10 "bondshow bond0 | grep -E '^active-backup primary|^member|active member'" <<OUT
active-backup primary: p3
member p1: enabled
member p2: enabled
member p3: disabled
member p9: enabled
  active member
OUT
check "ovs-appctl netdev-dummy/set-admin-state $Y up" <<'OUT'
OK
OUT
wait_check 10 "bondshow bond0 | grep -E '^member|active member'" <<OUT
member p1: enabled
member p2: enabled
member p3: enabled
  active member
member p9: enabled
OUT
step "removing the primary setting keeps the current active member"
check "ovs-vsctl remove port bond0 other_config bond-primary"
wait_check 10 "bondshow bond0 | grep -E '^active-backup primary|^member|active member'" <<OUT
active-backup primary: <none>
member p1: enabled
member p2: enabled
member p3: enabled
  active member
member p9: enabled
OUT
step "deleting the active member: another one takes over"
check "ovs-vsctl del-bond-iface bond0 $Y"
wait_check 10 "bondshow bond0 | grep -vE 'active member' | grep -E '^member'" <<OUT
member p1: enabled
member p2: enabled
member p9: enabled
OUT
check "bondshow bond0 | grep -c '^  active member'" <<'OUT'
1
OUT
tx_mark
F=$(pkt src=50:54:00:00:00:05 fill=6)
inject p5 $F
wait_until 5 "ovstool txget $T/pcap | grep -q '^p[0-9] '"
sleep 0.3
check "ovstool txget $T/pcap | cut -d' ' -f1 | sed 's/^p[0-9]$/member/'" <<OUT
br0
member
OUT
check "ovstool txget $T/pcap | grep -v '^br0' | cut -d' ' -f1" <<OUT
$(active)
OUT
