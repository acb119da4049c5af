/**
 * The seven core collections wired to their model functions, visibility
 * rules and renderers.
 */
import type { FastifyInstance } from 'fastify';
import { NETWORK, SUBNET, PORT, SECURITY_GROUP, SECURITY_GROUP_RULE, ROUTER, FLOATINGIP } from '../model/attrs.js';
import { canSeeNetwork, owns } from '../model/common.js';
import { createNetwork, deleteNetwork, updateNetwork } from '../model/networks.js';
import { createSubnet, deleteSubnet, subnetVisible, updateSubnet } from '../model/subnets.js';
import { createPort, deletePort, portVisible, updatePort } from '../model/ports.js';
import {
  createRule, createSecurityGroup, deleteRule, deleteSecurityGroup, ensureDefaultSecurityGroup, hasDefaultSecurityGroup,
  updateSecurityGroup,
} from '../model/secgroups.js';
import { createRouter, deleteRouter, updateRouter } from '../model/routers.js';
import { createFloatingIp, deleteFloatingIp, updateFloatingIp } from '../model/floatingips.js';
import {
  renderFloatingIp, renderNetwork, renderPort, renderRouter, renderRule, renderSecurityGroup, renderSubnet,
} from './render.js';
import { registerCrud } from './crud.js';
import { values, type Query } from './query.js';
import type { Collection } from '../state/collection.js';
import type { Services } from './services.js';
import type { Context } from '../model/types.js';

async function ensureDefaultSg(s: Services, ctx: Context): Promise<void> {
  if (hasDefaultSecurityGroup(s.view, ctx.projectId)) return;
  await s.writer.write((d) => { if (!hasDefaultSecurityGroup(d, ctx.projectId)) ensureDefaultSecurityGroup(d, ctx.projectId); });
}

/**
 * The resources that can match a query, from the index that yields the
 * fewest: a filter with several values is a union of lookups; filters on
 * different attributes all hold, so any one of them bounds the result.
 * Null when no indexed filter is present (the whole collection).
 */
function narrowest<T extends { id: string }>(c: Collection<T>, filters: readonly (readonly [string, readonly string[]])[]): T[] | null {
  let best: T[] | null = null;
  for (const [index, keys] of filters) {
    if (!keys.length) continue;
    const hits = new Map<string, T>();
    for (const k of keys) for (const o of c.lookup(index, k)) hits.set(o.id, o);
    if (!best || hits.size < best.length) best = [...hits.values()];
  }
  return best;
}

/** The addresses a `fixed_ips=ip_address=…` query requires (one of them suffices to narrow; the filter checks all). */
function fixedIpAddresses(q: Query): string[] {
  const conds = values(q, 'fixed_ips').filter((f) => !f.includes('=') || f.startsWith('ip_address='));
  return conds.length ? [conds[0]!.replace(/^ip_address=/, '')] : [];
}

export function registerResources(app: FastifyInstance, s: Services): void {
  registerCrud(app, s, {
    def: NETWORK, collection: (v) => v.networks, visible: (_v, ctx, n) => canSeeNetwork(ctx, n), render: renderNetwork,
    create: createNetwork, update: updateNetwork, remove: deleteNetwork,
  });
  registerCrud(app, s, {
    def: SUBNET, collection: (v) => v.subnets, visible: (v, ctx, o) => subnetVisible(v, ctx, o), render: renderSubnet,
    create: createSubnet, update: updateSubnet, remove: deleteSubnet,
    candidates: (v, q) => { const n = values(q, 'network_id'); return n.length === 1 ? v.subnets.lookup('network', n[0]!) : null; },
  });
  registerCrud(app, s, {
    def: PORT, collection: (v) => v.ports, visible: (v, ctx, o) => portVisible(v, ctx, o), render: renderPort,
    create: createPort, update: updatePort, remove: deletePort,
    candidates: (v, q) => narrowest(v.ports, [
      ['network', values(q, 'network_id')], ['device', values(q, 'device_id')], ['name', values(q, 'name')],
      ['macaddr', values(q, 'mac_address').map((m) => m.toLowerCase())], ['addr', fixedIpAddresses(q)],
    ]),
  });
  registerCrud(app, s, {
    def: SECURITY_GROUP, collection: (v) => v.securityGroups, visible: (_v, ctx, o) => owns(ctx, o), render: renderSecurityGroup,
    create: createSecurityGroup, update: updateSecurityGroup, remove: deleteSecurityGroup, beforeRead: ensureDefaultSg,
  });
  registerCrud(app, s, {
    def: SECURITY_GROUP_RULE, collection: (v) => v.rules, visible: (_v, ctx, o) => owns(ctx, o), render: renderRule,
    create: createRule, remove: deleteRule, beforeRead: ensureDefaultSg,
    candidates: (v, q) => { const g = values(q, 'security_group_id'); return g.length === 1 ? v.rules.lookup('sg', g[0]!) : null; },
  });
  registerCrud(app, s, {
    def: ROUTER, collection: (v) => v.routers, visible: (_v, ctx, o) => owns(ctx, o), render: renderRouter,
    create: createRouter, update: updateRouter, remove: deleteRouter,
  });
  registerCrud(app, s, {
    def: FLOATINGIP, collection: (v) => v.floatingips, visible: (_v, ctx, o) => owns(ctx, o), render: renderFloatingIp,
    create: createFloatingIp, update: updateFloatingIp, remove: deleteFloatingIp,
  });
}
