# desc: MAC table limits and aging under simulated time: mac-table-size eviction from the port holding the most entries (its least recently used), mac-aging-time with time/warp, refresh by traffic, static entries
ovs_start
add_br br0 -- set bridge br0 other_config:mac-table-size=10 other_config:mac-aging-time=30
add_ports br0 p1 p2 p3
check "ovs-appctl time/stop"
mac() { printf '50:54:00:00:%02x:%02x' $1 $2; }
step "fill the table: 6 MACs on p1, 4 on p2"
for i in 1 2 3 4 5 6; do inject p1 $(pkt src=$(mac 1 $i) fill=$i); done
for i in 1 2 3 4; do inject p2 $(pkt src=$(mac 2 $i) fill=$i); done
wait_until 5 "test \$(ovs-appctl fdb/show br0 | tail -n +2 | wc -l) = 10"
check "ovs-appctl fdb/show br0 | sort -k3" <<'OUT'
    1     0  50:54:00:00:01:01    0
    1     0  50:54:00:00:01:02    0
    1     0  50:54:00:00:01:03    0
    1     0  50:54:00:00:01:04    0
    1     0  50:54:00:00:01:05    0
    1     0  50:54:00:00:01:06    0
    2     0  50:54:00:00:02:01    0
    2     0  50:54:00:00:02:02    0
    2     0  50:54:00:00:02:03    0
    2     0  50:54:00:00:02:04    0
 port  VLAN  MAC                Age
OUT
step "an 11th MAC evicts p1's oldest entry"
inject p3 $(pkt src=$(mac 3 1) fill=10)
wait_until 5 "ovs-appctl fdb/show br0 | grep -q '$(mac 3 1)'"
check "fdb br0" <<'OUT'
 port  VLAN  MAC                Age
    1     0  50:54:00:00:01:02    ?
    1     0  50:54:00:00:01:03    ?
    1     0  50:54:00:00:01:04    ?
    1     0  50:54:00:00:01:05    ?
    1     0  50:54:00:00:01:06    ?
    2     0  50:54:00:00:02:01    ?
    2     0  50:54:00:00:02:02    ?
    2     0  50:54:00:00:02:03    ?
    2     0  50:54:00:00:02:04    ?
    3     0  50:54:00:00:03:01    ?
OUT
step "ages advance with time/warp"
check "ovs-appctl time/warp 12000" <<'OUT'
warped
OUT
inject p2 $(pkt src=$(mac 2 1) fill=11)
wait_check 5 "ovs-appctl fdb/show br0 | grep -E '$(mac 2 1)|$(mac 2 2)'" <<'OUT'
    2     0  50:54:00:00:02:02   12
    2     0  50:54:00:00:02:01    0
OUT
step "after the aging time, entries not refreshed are gone"
check "ovs-appctl time/warp 20000 1000" <<'OUT'
warped
OUT
check "fdb br0" <<'OUT'
 port  VLAN  MAC                Age
    2     0  50:54:00:00:02:01    ?
OUT
check "ovs-appctl time/warp 12000 1000" <<'OUT'
warped
OUT
check "fdb br0" <<'OUT'
 port  VLAN  MAC                Age
OUT
step "static entries never age"
check "ovs-appctl fdb/add br0 p3 0 $(mac 9 9)"
check "ovs-appctl time/warp 100000 10000" <<'OUT'
warped
OUT
check "ovs-appctl fdb/show br0" <<'OUT'
 port  VLAN  MAC                Age
    3     0  50:54:00:00:09:09  static
OUT
step "a size below the minimum (10) is raised to it"
check "ovs-vsctl set bridge br0 other_config:mac-table-size=3"
for i in 1 2 3 4 5 6 7 8 9 10 11 12; do inject p1 $(pkt src=$(mac 4 $i) fill=$i); done
wait_until 5 "ovs-appctl fdb/show br0 | grep -q '$(mac 4 12)'"
sleep 0.3
check "ovs-appctl fdb/show br0 | tail -n +2 | wc -l" <<'OUT'
10
OUT
