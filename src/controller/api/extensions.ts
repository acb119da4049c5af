/**
 * The API extensions the controller implements, with Neutron's exact
 * names: `openstack` matches some by name (`availability zone list
 * --network` looks for "Availability Zone"), and clients only send the
 * attributes of extensions listed here.
 */

export interface Extension {
  readonly alias: string;
  readonly name: string;
  readonly description: string;
  readonly updated: string;
  readonly links: readonly unknown[];
}

const UPDATED = '2024-01-01T00:00:00-00:00';

const list: [string, string, string][] = [
  ['agent', 'agent', 'The agent management extension.'],
  ['allowed-address-pairs', 'Allowed Address Pairs', 'Provides allowed address pairs'],
  ['availability_zone', 'Availability Zone', 'The availability zone extension.'],
  ['network_availability_zone', 'Network Availability Zone', 'Availability zone support for network.'],
  ['router_availability_zone', 'Router Availability Zone', 'Availability zone support for router.'],
  ['binding', 'Port Binding', 'Expose port bindings of a virtual port to external application'],
  ['external-net', 'Neutron external network', 'Adds external network attribute to network resource.'],
  ['router', 'Neutron L3 Router', 'Router abstraction for basic L3 forwarding between L2 Neutron networks and access to external networks via a NAT gateway.'],
  ['ext-gw-mode', 'Neutron L3 Configurable external gateway mode', 'Extension of the router abstraction for specifying whether SNAT should occur on the external gateway'],
  ['extraroute', 'Neutron Extra Route', 'Extra routes configuration for L3 router'],
  ['extraroute-atomic', 'Atomically add/remove extra routes', 'Edit extra routes of a router on server side by atomically adding/removing extra routes'],
  ['l3-ha', 'HA Router extension', 'Adds HA capability to routers.'],
  ['dvr', 'Distributed Virtual Router', 'Enables configuration of Distributed Virtual Routers.'],
  ['net-mtu', 'Network MTU', 'Provides MTU attribute for a network resource.'],
  ['net-mtu-writable', 'Network MTU (writable)', 'Provides a writable MTU attribute for a network resource.'],
  ['port-security', 'Port Security', 'Provides port security'],
  ['project-id', 'project_id field enabled', 'Extension that indicates that project_id field is enabled.'],
  ['provider', 'Provider Network', 'Expose mapping of virtual networks to physical networks'],
  ['quotas', 'Quota management support', 'Expose functions for quotas management per project'],
  ['quota_details', 'Quota details management support', 'Expose functions for quotas usage statistics per project'],
  ['security-group', 'security-group', 'The security groups extension.'],
  ['stateful-security-group', 'Stateful security group', 'Indicates if the security group is stateful or not'],
  ['standard-attr-description', 'standard-attr-description', 'Extension to add descriptions to standard attributes'],
  ['standard-attr-revisions', 'Resource revision numbers', 'This extension will display the revision number of neutron resources.'],
  ['standard-attr-tag', 'Tag support for resources with standard attribute: subnet, trunk, network_segment_range, router, network, policy, subnetpool, port, security_group, floatingip', 'Enables to set tag on resources with standard attribute.'],
  ['standard-attr-timestamp', 'Resource timestamps', 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.'],
  ['revision-if-match', 'If-Match constraints based on revision_number', "Extension indicating that If-Match based on revision_number is supported."],
  ['sorting', 'Sorting support', 'Extension that indicates that sorting is enabled.'],
  ['pagination', 'Pagination support', 'Extension that indicates that pagination is enabled.'],
  ['filter-validation', 'Filter parameters validation', 'Provides validation on filter parameters.'],
  ['fip-port-details', 'Floating IP Port Details Extension', 'Add port_details attribute to Floating IP resource'],
  ['ip-substring-filtering', 'IP address substring filtering', 'Provides IP address substring filtering when listing ports'],
  ['empty-string-filtering', 'Empty String Filtering Extension', 'Allow filtering by attributes with empty string value'],
];

export const EXTENSIONS: readonly Extension[] = list.map(([alias, name, description]) => ({ alias, name, description, updated: UPDATED, links: [] }));
