/**
 * Security groups and rules.
 *
 * Every project has a group named `default`, made on first use (its first
 * network, port, or look at its groups) with Neutron's default rules:
 * egress anywhere over IPv4 and IPv6, and ingress from members of the same
 * group. Every new group gets the two egress rules. A port without an
 * explicit list joins its project's default group.
 *
 * Rules are validated as Neutron's security-groups db mixin does: port
 * ranges need a protocol that has ports (or are ICMP type/code), a remote
 * prefix must match the ethertype, only one of remote prefix / remote
 * group, no duplicates. Deleting a group also deletes the rules of other
 * groups that name it as remote group (Neutron's foreign-key cascade).
 */
import { randomUUID } from 'node:crypto';
import { badRequest, conflict } from '../errors.js';
import type { Context, SecurityGroup, SecurityGroupRule } from './types.js';
import type { Draft } from '../state/draft.js';
import { type Body, checkQuota, newStandard, owned, owns, pick, revise, visible } from './common.js';
import { parseCidr } from './ip.js';
import { protocolNumber } from '../nb/secgroup.js';

export const DEFAULT_SG = 'default';

function baseRule(d: Draft, sg: SecurityGroup, r: Partial<SecurityGroupRule>): SecurityGroupRule {
  return {
    id: randomUUID(), project_id: sg.project_id, description: '', tags: [], revision_number: 0,
    created_at: d.now, updated_at: d.now, security_group_id: sg.id, direction: 'egress', ethertype: 'IPv4',
    protocol: null, port_range_min: null, port_range_max: null, remote_ip_prefix: null, remote_group_id: null,
    ...r,
  };
}

function addEgressRules(d: Draft, sg: SecurityGroup): void {
  for (const ethertype of ['IPv4', 'IPv6'] as const) d.rules.put(baseRule(d, sg, { direction: 'egress', ethertype }));
}

/** The project's default group, created (with its rules) if it does not exist yet. */
export function ensureDefaultSecurityGroup(d: Draft, project: string): SecurityGroup {
  const have = d.securityGroups.lookup('name', `${project}|${DEFAULT_SG}`);
  if (have.length) return have.sort((a, b) => a.created_at.localeCompare(b.created_at) || a.id.localeCompare(b.id))[0]!;
  const sg: SecurityGroup = {
    id: randomUUID(), project_id: project, description: 'Default security group', tags: [], revision_number: 0,
    created_at: d.now, updated_at: d.now, name: DEFAULT_SG, stateful: true,
  };
  d.securityGroups.put(sg);
  addEgressRules(d, sg);
  for (const ethertype of ['IPv4', 'IPv6'] as const) d.rules.put(baseRule(d, sg, { direction: 'ingress', ethertype, remote_group_id: sg.id }));
  return sg;
}

export function hasDefaultSecurityGroup(d: { readonly securityGroups: { count(index: string, key: string): number } }, project: string): boolean {
  return d.securityGroups.count('name', `${project}|${DEFAULT_SG}`) > 0;
}

export function createSecurityGroup(d: Draft, ctx: Context, body: Body): SecurityGroup {
  const std = newStandard(d, ctx, body);
  const name = (body.name as string | undefined) ?? '';
  if (name === DEFAULT_SG && !ctx.isAdmin && hasDefaultSecurityGroup(d, std.project_id)) {
    throw conflict('SecurityGroupDefaultAlreadyExists', 'Default security group already exists.');
  }
  ensureDefaultSecurityGroup(d, std.project_id);
  checkQuota(d, std.project_id, 'security_group');
  const sg: SecurityGroup = { ...std, name, stateful: (body.stateful as boolean | undefined) ?? true };
  d.securityGroups.put(sg);
  addEgressRules(d, sg);
  return sg;
}

export function updateSecurityGroup(d: Draft, ctx: Context, id: string, body: Body): SecurityGroup {
  const sg = owned(d.securityGroups, 'security_group', id, ctx);
  if (sg.name === DEFAULT_SG && 'name' in body && body.name !== DEFAULT_SG) {
    throw conflict('SecurityGroupCannotUpdateDefault', 'Updating default security group not allowed.');
  }
  const next = revise(d, sg, pick<SecurityGroup>(body, ['name', 'description', 'stateful']));
  if (next === sg) return sg;
  d.securityGroups.put(next);
  if (next.stateful !== sg.stateful) for (const r of d.rules.lookup('sg', id)) d.dirtyRules.add(r.id);
  return next;
}

export function deleteSecurityGroup(d: Draft, ctx: Context, id: string): void {
  const sg = owned(d.securityGroups, 'security_group', id, ctx, (x) => owns(ctx, x), 'delete_security_group');
  if (sg.name === DEFAULT_SG && !ctx.isAdmin) throw conflict('SecurityGroupCannotRemoveDefault', 'Removing default security group not allowed.');
  if (d.ports.count('sg', id) > 0) throw conflict('SecurityGroupInUse', `Security Group ${id} in use.`);
  for (const r of d.rules.lookup('sg', id)) d.rules.delete(r.id);
  for (const r of d.rules.lookup('remote', id)) d.rules.delete(r.id);
  d.securityGroups.delete(id);
}

const PORT_PROTOCOLS = new Set([6, 17, 33, 132, 136]);

function checkRule(r: SecurityGroupRule): void {
  const n = r.protocol === null ? null : protocolNumber(r.protocol);
  const { port_range_min: lo, port_range_max: hi } = r;
  if ((lo !== null || hi !== null) && n === null) throw badRequest('Must also specify protocol if port range is given.', 'SecurityGroupProtocolRequiredWithPorts');
  if (n !== null && PORT_PROTOCOLS.has(n)) {
    if (lo !== null && hi !== null && lo > hi) throw badRequest('For TCP/UDP protocols, port_range_min must be <= port_range_max', 'SecurityGroupInvalidPortRange');
    if ((lo === 0 || hi === 0)) throw badRequest('Invalid value for port 0', 'SecurityGroupInvalidPortValue');
  } else if (n === 1 || n === 58) {
    if (lo !== null && lo > 255) throw badRequest(`Invalid value for ICMP type: ${lo}`, 'SecurityGroupInvalidIcmpValue');
    if (hi !== null && hi > 255) throw badRequest(`Invalid value for ICMP code: ${hi}`, 'SecurityGroupInvalidIcmpValue');
    if (hi !== null && lo === null) throw badRequest(`ICMP code (port-range-max) ${hi} is provided but ICMP type (port-range-min) is missing.`, 'SecurityGroupMissingIcmpType');
    if (n === 58 && r.ethertype === 'IPv4') throw badRequest(`Security group rule for ethertype '${r.ethertype}' not supported. Allowed values are 'IPv6'.`, 'SecurityGroupRuleInvalidEtherType');
  } else if (lo !== null || hi !== null) {
    throw badRequest(`Security group rule protocol ${r.protocol} not supported with ports.`, 'SecurityGroupInvalidProtocolForPort');
  }
  if (r.remote_ip_prefix && r.remote_group_id) throw badRequest('Only remote_ip_prefix or remote_group_id may be provided.', 'SecurityGroupRemoteGroupAndRemoteIpPrefix');
  if (r.remote_ip_prefix) {
    const c = parseCidr(r.remote_ip_prefix, false)!;
    if (`IPv${c.version}` !== r.ethertype) throw badRequest(`Conflicting value ethertype ${r.ethertype} for CIDR ${r.remote_ip_prefix}`, 'SecurityGroupConflictingEthertype');
  }
}

function sameRule(a: SecurityGroupRule, b: SecurityGroupRule): boolean {
  const norm = (p: string | null): number | null => (p === null ? null : protocolNumber(p));
  const anyPrefix = (p: string | null): string | null => (p && /\/0$/.test(p) ? null : p);
  return a.direction === b.direction && a.ethertype === b.ethertype && norm(a.protocol) === norm(b.protocol)
    && a.port_range_min === b.port_range_min && a.port_range_max === b.port_range_max
    && anyPrefix(a.remote_ip_prefix) === anyPrefix(b.remote_ip_prefix) && a.remote_group_id === b.remote_group_id;
}

export function createRule(d: Draft, ctx: Context, body: Body): SecurityGroupRule {
  const sg = owned(d.securityGroups, 'security_group', body.security_group_id as string, ctx, (x) => owns(ctx, x), 'create_security_group_rule');
  const std = newStandard(d, ctx, body, sg.project_id);
  checkQuota(d, sg.project_id, 'security_group_rule');
  const remoteGroup = (body.remote_group_id as string | null | undefined) ?? null;
  if (remoteGroup) visible(d.securityGroups, 'security_group', remoteGroup, ctx);
  let lo = (body.port_range_min as number | null | undefined) ?? null;
  let hi = (body.port_range_max as number | null | undefined) ?? null;
  const protocol = (body.protocol as string | null | undefined) ?? null;
  // Neutron fills the missing end of a TCP/UDP range from the other.
  if (protocol !== null && PORT_PROTOCOLS.has(protocolNumber(protocol))) {
    if (lo !== null && hi === null) hi = lo;
    if (hi !== null && lo === null) lo = hi;
  }
  const r: SecurityGroupRule = {
    ...std,
    security_group_id: sg.id,
    direction: body.direction as 'ingress' | 'egress',
    ethertype: (body.ethertype as 'IPv4' | 'IPv6' | undefined) ?? 'IPv4',
    protocol,
    port_range_min: lo,
    port_range_max: hi,
    remote_ip_prefix: (body.remote_ip_prefix as string | null | undefined) ?? null,
    remote_group_id: remoteGroup,
  };
  checkRule(r);
  const dup = d.rules.lookup('sg', sg.id).find((x) => sameRule(x, r));
  if (dup) throw conflict('SecurityGroupRuleExists', `Security group rule already exists. Rule id is ${dup.id}.`);
  d.rules.put(r);
  return r;
}

export function deleteRule(d: Draft, ctx: Context, id: string): void {
  owned(d.rules, 'security_group_rule', id, ctx, (x) => owns(ctx, x), 'delete_security_group_rule');
  d.rules.delete(id);
}

