/**
 * The agent registry: one entry per hypervisor service (the OVN-style
 * "OVN Controller agent"), with its host, availability zone and bridge
 * mappings. Hypervisors named in the configuration are registered at
 * start-up; the agent daemon registers itself through `registerAgent`.
 * Availability zones are the zones the agents report.
 */
import { createHash } from 'node:crypto';
import { forbidden, notFound } from '../errors.js';
import type { Agent, Context } from './types.js';
import type { Draft } from '../state/draft.js';
import type { Body } from './common.js';

export const OVN_CONTROLLER_AGENT = 'OVN Controller agent';

export interface AgentRegistration {
  readonly host: string;
  readonly availabilityZone: string;
  readonly bridgeMappings: ReadonlyMap<string, string>;
  readonly agentType?: string;
  readonly binary?: string;
}

/** A stable id per (host, type), so re-registering updates the same agent. */
export function agentId(host: string, type: string): string {
  const h = createHash('sha256').update(`weft-agent:${type}:${host}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

export function registerAgent(d: Draft, reg: AgentRegistration): Agent {
  const type = reg.agentType ?? OVN_CONTROLLER_AGENT;
  const id = agentId(reg.host, type);
  const old = d.agent(id);
  const bridgeMappings = Object.fromEntries(reg.bridgeMappings);
  const a: Agent = {
    id, agent_type: type, binary: reg.binary ?? 'weft-agent', host: reg.host, availability_zone: reg.availabilityZone,
    admin_state_up: old?.admin_state_up ?? true, description: old?.description ?? '', topic: 'n/a',
    configurations: { 'bridge-mappings': Object.entries(bridgeMappings).map(([p, b]) => `${p}:${b}`).join(','), chassis_name: reg.host },
    created_at: old?.created_at ?? d.now, started_at: old?.started_at ?? d.now, heartbeat_timestamp: d.now,
  };
  const same = old && JSON.stringify({ ...old, heartbeat_timestamp: '', started_at: '' }) === JSON.stringify({ ...a, heartbeat_timestamp: '', started_at: '' });
  if (!same) d.agents.set(id, a);
  return a;
}

export function updateAgent(d: Draft, ctx: Context, id: string, body: Body): Agent {
  if (!ctx.isAdmin) throw forbidden('update_agent');
  const a = d.agent(id);
  if (!a) throw notFound('agent', id);
  const next = { ...a, ...(body.admin_state_up !== undefined ? { admin_state_up: body.admin_state_up as boolean } : {}), ...(body.description !== undefined ? { description: body.description as string } : {}) };
  d.agents.set(id, next);
  return next;
}

export function deleteAgent(d: Draft, ctx: Context, id: string): void {
  if (!ctx.isAdmin) throw forbidden('delete_agent');
  if (!d.agent(id)) throw notFound('agent', id);
  d.agents.set(id, null);
}

/** The physical-network -> bridge mappings a host's agent reports. */
export function bridgeMappingsOf(a: Agent): Map<string, string> {
  const m = new Map<string, string>();
  const text = a.configurations['bridge-mappings'];
  if (typeof text === 'string') for (const e of text.split(',').filter(Boolean)) { const [p, b] = e.split(':'); if (p && b) m.set(p, b); }
  return m;
}
