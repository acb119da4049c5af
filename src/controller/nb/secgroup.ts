/**
 * security group <-> Port_Group + ACLs, as ML2/OVN maps them:
 *   - a group is the Port_Group `pg_<id with "_" for "-">` whose `ports`
 *     are the LSPs of its member ports, marked `neutron:security_group_id`;
 *   - each rule is an ACL of that group at priority 1002, `allow-related`
 *     (stateful groups) or `allow-stateless`, `to-lport` for ingress and
 *     `from-lport` for egress, marked `neutron:security_group_rule_id`; a
 *     remote group becomes the port group's own address set
 *     (`$pg_<id>_ip4`), which OVN maintains from the members' addresses;
 *   - every port with port security is also in `neutron_pg_drop`, whose two
 *     ACLs at priority 1001 drop all IP traffic the group rules do not allow.
 * The group's and rules' Neutron attributes sit in the rows' external_ids.
 */
import { PROTOCOL_NAMES } from '../model/attrs.js';
import type { SecurityGroup, SecurityGroupRule } from '../model/types.js';
import { ExtIds, bstr, decodeStandard, encodeStandard, UUID_NAME_RE } from './extids.js';
import { omap, smap } from './txn.js';
import type { NbRow } from './store.js';

export const DROP_PG = 'neutron_pg_drop';
export const ACL_PRIORITY_ALLOW = 1002;
export const ACL_PRIORITY_DROP = 1001;

export const pgName = (sgId: string): string => `pg_${sgId.replace(/-/g, '_')}`;

export function decodeSecurityGroup(row: NbRow): SecurityGroup | null {
  const x = new ExtIds(smap(row, 'external_ids'));
  const id = x.str('neutron:security_group_id');
  if (!UUID_NAME_RE.test(id)) return null;
  return { ...decodeStandard(x, id), name: x.str('neutron:security_group_name'), stateful: x.bool('neutron:stateful', true) };
}

export function encodeSecurityGroup(sg: SecurityGroup): Record<string, unknown> {
  return {
    name: pgName(sg.id),
    external_ids: omap({
      'neutron:security_group_id': sg.id,
      'neutron:security_group_name': sg.name,
      'neutron:stateful': bstr(sg.stateful),
      ...encodeStandard(sg),
    }),
  };
}

export function decodeRule(row: NbRow): SecurityGroupRule | null {
  const x = new ExtIds(smap(row, 'external_ids'));
  const id = x.str('neutron:security_group_rule_id');
  if (!UUID_NAME_RE.test(id)) return null;
  return {
    ...decodeStandard(x, id),
    security_group_id: x.str('neutron:security_group_id'),
    direction: x.str('neutron:direction') === 'egress' ? 'egress' : 'ingress',
    ethertype: x.str('neutron:ethertype') === 'IPv6' ? 'IPv6' : 'IPv4',
    protocol: x.optStr('neutron:protocol'),
    port_range_min: x.optInt('neutron:port_range_min'),
    port_range_max: x.optInt('neutron:port_range_max'),
    remote_ip_prefix: x.optStr('neutron:remote_ip_prefix'),
    remote_group_id: x.optStr('neutron:remote_group_id'),
  };
}

/** The protocol number of a rule's protocol (a name or a number in text). */
export function protocolNumber(p: string): number {
  return /^\d+$/.test(p) ? Number(p) : PROTOCOL_NAMES[p] ?? -1;
}

/** The OVN match of a rule (ML2/OVN's acl.py, in OVN's logical-flow expression language). */
export function ruleMatch(r: SecurityGroupRule): string {
  const ip = r.ethertype === 'IPv6' ? 'ip6' : 'ip4';
  const ingress = r.direction === 'ingress';
  const parts = [`${ingress ? 'outport' : 'inport'} == @${pgName(r.security_group_id)}`, ip];
  const dir = ingress ? 'src' : 'dst';
  if (r.remote_ip_prefix && !/\/0$/.test(r.remote_ip_prefix)) parts.push(`${ip}.${dir} == ${r.remote_ip_prefix}`);
  if (r.remote_group_id) parts.push(`${ip}.${dir} == $${pgName(r.remote_group_id)}_${ip}`);
  if (r.protocol !== null) {
    const n = protocolNumber(r.protocol);
    const l4 = n === 6 ? 'tcp' : n === 17 ? 'udp' : n === 132 ? 'sctp' : null;
    if (l4) {
      parts.push(l4);
      const lo = r.port_range_min, hi = r.port_range_max;
      if (lo !== null && hi !== null && lo === hi) parts.push(`${l4}.dst == ${lo}`);
      else {
        if (lo !== null) parts.push(`${l4}.dst >= ${lo}`);
        if (hi !== null) parts.push(`${l4}.dst <= ${hi}`);
      }
    } else if (n === 1 || n === 58) {
      const icmp = r.ethertype === 'IPv6' ? 'icmp6' : 'icmp4';
      parts.push(icmp);
      if (r.port_range_min !== null) parts.push(`${icmp}.type == ${r.port_range_min}`);
      if (r.port_range_max !== null) parts.push(`${icmp}.code == ${r.port_range_max}`);
    } else if (n > 0) {
      parts.push(`ip.proto == ${n}`);
    }
  }
  return parts.join(' && ');
}

export function encodeRule(r: SecurityGroupRule, stateful: boolean): Record<string, unknown> {
  return {
    priority: ACL_PRIORITY_ALLOW,
    direction: r.direction === 'ingress' ? 'to-lport' : 'from-lport',
    match: ruleMatch(r),
    action: stateful ? 'allow-related' : 'allow-stateless',
    log: false,
    external_ids: omap({
      'neutron:security_group_rule_id': r.id,
      'neutron:security_group_id': r.security_group_id,
      'neutron:direction': r.direction,
      'neutron:ethertype': r.ethertype,
      ...(r.protocol !== null ? { 'neutron:protocol': r.protocol } : {}),
      ...(r.port_range_min !== null ? { 'neutron:port_range_min': String(r.port_range_min) } : {}),
      ...(r.port_range_max !== null ? { 'neutron:port_range_max': String(r.port_range_max) } : {}),
      ...(r.remote_ip_prefix !== null ? { 'neutron:remote_ip_prefix': r.remote_ip_prefix } : {}),
      ...(r.remote_group_id !== null ? { 'neutron:remote_group_id': r.remote_group_id } : {}),
      ...encodeStandard(r),
    }),
  };
}

/** The two ACLs of neutron_pg_drop. */
export function dropAcls(): Record<string, unknown>[] {
  return [
    { priority: ACL_PRIORITY_DROP, direction: 'from-lport', match: `inport == @${DROP_PG} && ip`, action: 'drop', log: false, external_ids: omap({}) },
    { priority: ACL_PRIORITY_DROP, direction: 'to-lport', match: `outport == @${DROP_PG} && ip`, action: 'drop', log: false, external_ids: omap({}) },
  ];
}
