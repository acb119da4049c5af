/**
 * Scripts that test/system/ovsdb-ovn-nbctl.test.ts runs through the real
 * `ovn-nbctl` (as `$N`, with `--db=$DB`) and `ovsdb-client` (`$C`) against
 * both the real ovsdb-server and Weft's, each on a fresh OVN_Northbound
 * database. ovn-nbctl learns the schema from the `_Server` database and
 * relies on monitor_cond_since, conditional monitoring and server-side
 * garbage collection of non-root rows (Logical_Switch_Port, ACL, NAT…), so
 * these scripts exercise those paths of the server.
 */
import type { StepSpec } from './golden.js';
import type { ParityScenario } from './ovsdb-parity.js';

const lines = (sh: string): StepSpec => ({ sh, sort: 'lines' });
const records = (sh: string): StepSpec => ({ sh, sort: 'records' });
const tree = (sh: string): StepSpec => ({ sh, sort: 'tree' });
/** A step where Weft's server is known to differ (see the reason); reported as todo. */
const known = (step: StepSpec, todo: string): StepSpec => ({ ...(typeof step === 'string' ? { sh: step } : step), todo });

const BUG = {
  indexOrder: 'ovsdb-server names the two rows of a unique-index clash in an order found by comparing their columns in its ' +
    'column order, where Address_Set puts the random _version right after the equal name: which row is "First" varies ' +
    'from run to run on either server (the Port_Group step after it, decided by ports, checks the text deterministically)',
};

export const OVN_NB_SCENARIOS: ParityScenario[] = [
  {
    name: 'nbctl-switches-ports',
    steps: [
      '$N init', '$N show', '$N ls-list', '$N ls-add sw0', '$N ls-add sw1', '$N ls-add sw0', '$N --may-exist ls-add sw0',
      '$N ls-list | sed "s/^[0-9a-f-]* //" | sort', '$N --bare --columns=name list logical_switch | sort',
      '$N lsp-add sw0 sw0-p1', '$N lsp-add sw0 sw0-p2', '$N lsp-add sw1 sw1-p1', '$N lsp-add sw0 sw0-p1', '$N --may-exist lsp-add sw0 sw0-p1',
      '$N lsp-add nosw p9', '$N lsp-add sw1 sw0-p1',
      lines('$N lsp-list sw0 | sed "s/^[0-9a-f-]* //"'), '$N lsp-list sw1 | sed "s/^[0-9a-f-]* //"',
      '$N lsp-set-addresses sw0-p1 "00:00:00:00:00:01 10.0.0.11" "00:00:00:00:00:11 10.0.0.111"', '$N lsp-get-addresses sw0-p1',
      '$N lsp-set-addresses sw0-p2 dynamic', '$N lsp-get-addresses sw0-p2', '$N lsp-set-addresses sw0-p2 bogus',
      '$N lsp-set-port-security sw0-p1 "00:00:00:00:00:01 10.0.0.11"', '$N lsp-get-port-security sw0-p1',
      '$N lsp-set-type sw1-p1 router', '$N lsp-get-type sw1-p1', '$N lsp-set-type sw1-p1 nosuchtype', '$N lsp-get-type sw0-p1',
      '$N lsp-set-options sw1-p1 router-port=lrp0', '$N lsp-get-options sw1-p1', '$N lsp-set-enabled sw0-p2 disabled',
      '$N lsp-get-enabled sw0-p2', '$N lsp-get-enabled sw0-p1', '$N lsp-get-up sw0-p1', '$N lsp-get-ls sw0-p2',
      '$N lsp-set-dhcpv4-options sw0-p1', '$N lsp-get-dhcpv4-options sw0-p1', '$N lsp-get-tag sw0-p1',
      '$N lsp-add sw0 sw0-parent', '$N lsp-add sw0 sw0-child sw0-parent 7', '$N lsp-get-parent sw0-child', '$N lsp-get-tag sw0-child',
      '$N lsp-add sw0 sw0-bad sw0-parent 4096',
      tree('$N show'), '$N lsp-del sw0-p2', '$N lsp-del sw0-p2', '$N --if-exists lsp-del sw0-p2', lines('$N lsp-list sw0 | sed "s/^[0-9a-f-]* //"'),
      "$N --bare --columns=name list logical_switch_port | grep -v '^$' | sort",
      '$N ls-del sw1', '$N ls-del sw1', '$N --if-exists ls-del sw1', "$N --bare --columns=name list logical_switch_port | grep -v '^$' | sort",
      '$N ls-del sw0', '$N list logical_switch_port', '$N show',
    ],
  },
  {
    name: 'nbctl-acls',
    steps: [
      '$N ls-add sw0', '$N pg-add pg0', '$N acl-list sw0',
      "$N acl-add sw0 from-lport 1000 'ip4 && tcp.dst == 22' drop",
      "$N acl-add sw0 to-lport 1001 'ip4.src == 10.0.0.0/24' allow-related",
      "$N --log --name=web --severity=info acl-add sw0 to-lport 900 'tcp.dst == 80' allow",
      "$N acl-add sw0 from-lport 1000 'ip4 && tcp.dst == 22' drop", "$N --may-exist acl-add sw0 from-lport 1000 'ip4 && tcp.dst == 22' drop",
      "$N acl-add sw0 sideways 1000 'ip4' drop", "$N acl-add sw0 to-lport 99999 'ip4' drop", "$N acl-add sw0 to-lport 100 'ip4' frobnicate",
      '$N acl-list sw0', "$N --type=port-group acl-add pg0 to-lport 100 'outport == @pg0 && ip4' allow", '$N acl-list pg0',
      "$N --label=1234 acl-add sw0 from-lport 500 'udp' allow", '$N acl-list sw0',
      records('$N --columns=action,direction,match,priority,log,name,severity,label list acl'),
      "$N acl-del sw0 to-lport 1001 'ip4.src == 10.0.0.0/24'", '$N acl-list sw0', '$N acl-del sw0 to-lport 1001',
      '$N acl-del sw0 from-lport', '$N acl-list sw0', '$N acl-del sw0', '$N acl-list sw0',
      "$N --bare --columns=match list acl | grep -v '^$'", '$N acl-del pg0', "$N --bare --columns=match list acl | grep -v '^$'",
    ],
  },
  {
    name: 'nbctl-routers',
    steps: [
      '$N lr-add lr0', '$N lr-add lr1', '$N lr-add lr0', '$N --may-exist lr-add lr0', lines('$N lr-list | sed "s/^[0-9a-f-]* //"'),
      '$N lrp-add lr0 lrp0 00:00:00:00:ff:01 192.168.0.1/24', '$N lrp-add lr0 lrp1 00:00:00:00:ff:02 10.0.0.1/24 2001:db8::1/64',
      '$N lrp-add lr0 lrp0 00:00:00:00:ff:01 192.168.0.1/24', '$N --may-exist lrp-add lr0 lrp0 00:00:00:00:ff:01 192.168.0.1/24',
      '$N --may-exist lrp-add lr0 lrp0 00:00:00:00:ff:09 192.168.0.1/24', '$N lrp-add lr0 lrpx notamac 1.1.1.1/24',
      lines('$N lrp-list lr0 | sed "s/^[0-9a-f-]* //"'), '$N lrp-get-enabled lrp0', '$N lrp-set-enabled lrp0 disabled', '$N lrp-get-enabled lrp0',
      '$N lrp-set-gateway-chassis lrp0 chassis1 20', '$N lrp-get-gateway-chassis lrp0', '$N lrp-del-gateway-chassis lrp0 chassis1',
      '$N lr-route-list lr0', '$N lr-route-add lr0 0.0.0.0/0 192.168.0.254', '$N lr-route-add lr0 10.1.0.0/16 10.0.0.254 lrp1',
      '$N lr-route-add lr0 10.1.0.0/16 10.0.0.254', '$N --may-exist lr-route-add lr0 10.1.0.0/16 10.0.0.253',
      '$N --policy=src-ip lr-route-add lr0 10.2.0.0/16 10.0.0.250', '$N --ecmp lr-route-add lr0 10.3.0.0/16 10.0.0.1',
      '$N --ecmp lr-route-add lr0 10.3.0.0/16 10.0.0.2', '$N lr-route-add lr0 2001:db8:1::/64 2001:db8::2',
      '$N lr-route-add lr0 bogus 1.1.1.1', '$N lr-route-list lr0', '$N lr-route-del lr0 10.1.0.0/16', '$N lr-route-del lr0 10.9.0.0/16',
      '$N --if-exists lr-route-del lr0 10.9.0.0/16', '$N lr-route-list lr0',
      '$N lr-nat-list lr0', '$N lr-nat-add lr0 snat 172.16.0.1 10.0.0.0/24', '$N lr-nat-add lr0 dnat 172.16.0.2 10.0.0.2',
      '$N lr-nat-add lr0 dnat_and_snat 172.16.0.3 10.0.0.3', '$N lr-nat-add lr0 dnat_and_snat 172.16.0.4 10.0.0.4 sw0-p1 00:00:00:00:00:04',
      '$N lr-nat-add lr0 snat 172.16.0.1 10.0.0.0/24', '$N lr-nat-add lr0 bogus 1.1.1.1 2.2.2.2', '$N lr-nat-list lr0',
      '$N lr-nat-del lr0 dnat 172.16.0.2', '$N lr-nat-del lr0 snat', '$N lr-nat-list lr0', '$N lr-nat-del lr0', '$N lr-nat-list lr0',
      '$N lr-policy-add lr0 100 "ip4.src == 10.0.0.5" drop', '$N lr-policy-list lr0',
      '$N lb-add lb0 30.0.0.1:80 10.0.0.2:8080,10.0.0.3:8080 tcp', '$N lr-lb-add lr0 lb0', '$N lr-lb-list lr0 | sed "s/^[0-9a-f-]* *//"',
      '$N ls-add sw0', '$N ls-lb-add sw0 lb0', '$N lb-list | sed "s/^[0-9a-f-]* *//"',
      tree('$N show'), '$N lrp-del lrp1', '$N lrp-del lrp1', lines('$N lrp-list lr0 | sed "s/^[0-9a-f-]* //"'),
      '$N lr-del lr1', '$N lr-del lr1', '$N --if-exists lr-del lr1', '$N lr-del lr0', '$N lr-list',
      "$N --bare --columns=name list logical_router_port | grep -v '^$'", '$N list nat', '$N list logical_router_static_route',
    ],
  },
  {
    name: 'nbctl-dhcp-and-db-commands',
    steps: [
      '$N ls-add sw0 -- lsp-add sw0 p1 -- lsp-add sw0 p2',
      '$N dhcp-options-create 10.0.0.0/24', '$N dhcp-options-create 10.0.0.0/24 k=v', '$N dhcp-options-create bogus',
      lines('$N dhcp-options-list | wc -l'),
      'U=$($N --bare --columns=_uuid find dhcp_options cidr=10.0.0.0/24 external_ids={}); $N dhcp-options-set-options $U lease_time=3600 router=10.0.0.1 server_id=10.0.0.1 server_mac=c0:ff:ee:00:00:01; $N dhcp-options-get-options $U',
      'U=$($N --bare --columns=_uuid find dhcp_options external_ids={}); $N lsp-set-dhcpv4-options p1 $U && $N lsp-get-dhcpv4-options p1',
      '$N dhcp-options-create 2001:db8::/64', 'U=$($N --bare --columns=_uuid find dhcp_options cidr="2001\\:db8\\:\\:/64"); $N dhcp-options-set-options $U server_id=00:00:00:00:10:02; $N lsp-set-dhcpv6-options p2 $U; $N lsp-get-dhcpv6-options p2',
      records('$N --columns=cidr,options,external_ids list dhcp_options'),
      'U=$($N --bare --columns=_uuid find dhcp_options external_ids={k=v}); $N dhcp-options-del $U; $N dhcp-options-list | wc -l',
      '$N dhcp-options-del 00000000-0000-0000-0000-000000000001',
      '$N list logical_switch sw0', '$N find logical_switch_port name=p1', '$N get logical_switch_port p1 name addresses',
      '$N set logical_switch_port p1 addresses="00:00:00:00:00:01 10.0.0.5" external_ids:owner=test', '$N get logical_switch_port p1 addresses external_ids',
      '$N set logical_switch sw0 other_config:subnet=10.0.0.0/24', '$N get logical_switch sw0 other_config:subnet',
      '$N add logical_switch_port p1 addresses "\\"00:00:00:00:00:02 10.0.0.6\\""', '$N get logical_switch_port p1 addresses',
      '$N remove logical_switch_port p1 addresses "\\"00:00:00:00:00:02 10.0.0.6\\""', '$N clear logical_switch_port p1 external_ids',
      '$N get logical_switch_port p1 addresses external_ids', '$N set logical_switch nosw name=x', '$N get logical_switch sw0 nocol',
      '$N --columns=name,addresses,port_security,type find logical_switch_port type=""',
      '$N create address_set name=as1 addresses=10.0.0.1,10.0.0.2', '$N list address_set', '$N get address_set as1 addresses',
      known('$N create address_set name=as1', BUG.indexOrder), '$N pg-add pg1 p1', '$N create port_group name=pg1', '$N destroy address_set as1', '$N list address_set',
      '$N set nb_global . options:mac_prefix=0a:00:00', '$N get nb_global . options',
      '$N wait-until logical_switch sw0 name=sw0', '$N --timeout=1 wait-until logical_switch sw0 name=other; echo "exit $?"',
      '$C list-dbs $DB', '$C get-schema-version $DB OVN_Northbound', '$C get-schema-cksum $DB OVN_Northbound',
      '$C transact $DB \'["OVN_Northbound",{"op":"select","table":"Logical_Switch","where":[],"columns":["name"]}]\'',
      // A required enum column left out defaults to "" (not its first enum value), which the enum then refuses.
      '$C transact $DB \'["OVN_Northbound",{"op":"insert","table":"ACL","uuid-name":"a","row":{"priority":1,"match":"x"}},{"op":"mutate","table":"Logical_Switch","where":[],"mutations":[["acls","insert",["named-uuid","a"]]]}]\'',
      '$C transact $DB \'["OVN_Northbound",{"op":"insert","table":"NAT","uuid-name":"n","row":{"external_ip":"1.1.1.1","logical_ip":"2.2.2.2"}},{"op":"insert","table":"Logical_Router","row":{"name":"lrx","nat":["named-uuid","n"]}}]\'',
      lines("timeout -s INT 1 $C monitor $DB OVN_Northbound Logical_Switch_Port name; echo \"exit $?\""),
    ],
  },
];
