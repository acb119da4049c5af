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
import { values } from './query.js';
import type { Services } from './services.js';
import type { Context } from '../model/types.js';

async function ensureDefaultSg(s: Services, ctx: Context): Promise<void> {
  if (hasDefaultSecurityGroup(s.view, ctx.projectId)) return;
  await s.writer.write((d) => { if (!hasDefaultSecurityGroup(d, ctx.projectId)) ensureDefaultSecurityGroup(d, ctx.projectId); });
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
    candidates: (v, q) => {
      const n = values(q, 'network_id'), dev = values(q, 'device_id');
      if (n.length === 1) return v.ports.lookup('network', n[0]!);
      if (dev.length === 1) return v.ports.lookup('device', dev[0]!);
      return null;
    },
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
