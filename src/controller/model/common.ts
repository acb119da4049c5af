/**
 * What every resource shares: ownership and visibility (Neutron's default
 * policy, reduced to its rules for networks, subnets, ports, security
 * groups, routers and floating IPs), the standard attributes of a new
 * resource, revision bumps, quota checks and MAC generation.
 *
 * Visibility decides between 404 and 403: a resource the caller cannot
 * see does not exist for it (404, as Neutron answers, so projects cannot
 * probe each other's ids); one it can see but not change is 403.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { badRequest, forbidden, notFound, overQuota } from '../errors.js';
import type { Context, Network, QuotaResource, Standard } from './types.js';
import type { Draft } from '../state/draft.js';
import type { DraftCollection } from '../state/collection.js';

export type Body = Readonly<Record<string, unknown>>;

export function owns(ctx: Context, o: { project_id: string }): boolean {
  return ctx.isAdmin || o.project_id === ctx.projectId;
}

/** Networks: owner, admin, or anyone when shared or external. */
export function canSeeNetwork(ctx: Context, n: Network): boolean {
  return owns(ctx, n) || n.shared || n['router:external'];
}

/** Looks up `id` in `c` for a caller that must be able to see it (`see`), else 404. */
export function visible<T extends { id: string; project_id: string }>(
  c: DraftCollection<T>, kind: string, id: string, ctx: Context, see: (o: T) => boolean = (o) => owns(ctx, o),
): T {
  const o = c.get(id);
  if (!o || !see(o)) throw notFound(kind, id);
  return o;
}

/** Like `visible`, and the caller must also own it (403 if it only sees it). */
export function owned<T extends { id: string; project_id: string }>(
  c: DraftCollection<T>, kind: string, id: string, ctx: Context, see: (o: T) => boolean = (o) => owns(ctx, o), action = `update_${kind}`,
): T {
  const o = visible(c, kind, id, ctx, see);
  if (!owns(ctx, o)) throw forbidden(action);
  return o;
}

/** The project a create acts for: the caller's, or (admin only) the one in the body. */
export function projectOf(ctx: Context, body: Body): string {
  const p = body.project_id as string | undefined, t = body.tenant_id as string | undefined;
  if (p !== undefined && t !== undefined && p !== t) throw badRequest("'project_id' and 'tenant_id' do not match");
  const want = p ?? t;
  if (want === undefined || want === ctx.projectId) return ctx.projectId;
  if (!ctx.isAdmin) {
    throw badRequest("Specifying 'project_id' or 'tenant_id' other than the authenticated project in request requires admin privileges");
  }
  return want;
}

export function newStandard(d: Draft, ctx: Context, body: Body, project = projectOf(ctx, body)): Standard {
  return {
    id: randomUUID(),
    project_id: project,
    description: (body.description as string | undefined) ?? '',
    tags: [],
    revision_number: 0,
    created_at: d.now,
    updated_at: d.now,
  };
}

/** `o` with `changes` applied; the revision and updated_at move only if something changed. */
export function revise<T extends Standard>(d: Draft, o: T, changes: Partial<T>): T {
  const next = { ...o, ...changes };
  const same = Object.keys(changes).every((k) => JSON.stringify((o as Record<string, unknown>)[k]) === JSON.stringify((next as Record<string, unknown>)[k]));
  if (same) return o;
  return { ...next, revision_number: o.revision_number + 1, updated_at: d.now };
}

/** Copies the attributes present in `body` (already converted) that are listed in `keys`. */
export function pick<T>(body: Body, keys: readonly (keyof T & string)[]): Partial<T> {
  const out: Record<string, unknown> = {};
  for (const k of keys) if (k in body) out[k] = body[k];
  return out as Partial<T>;
}

const QUOTA_COLLECTION: Record<QuotaResource, (d: Draft) => { count(index: string, key: string): number }> = {
  network: (d) => d.networks, subnet: (d) => d.subnets, port: (d) => d.ports, router: (d) => d.routers,
  floatingip: (d) => d.floatingips, security_group: (d) => d.securityGroups, security_group_rule: (d) => d.rules,
};

export function used(d: Draft, project: string, r: QuotaResource): number {
  return QUOTA_COLLECTION[r](d).count('project', project);
}

/** Refuses a create that would take `project` past its limit (409 OverQuota); -1 means unlimited. */
export function checkQuota(d: Draft, project: string, r: QuotaResource): void {
  const limit = d.limit(project, r);
  if (limit >= 0 && used(d, project, r) >= limit) throw overQuota(r);
}

/** A MAC in OpenStack's base_mac fa:16:3e:00:00:00 that no port on the network uses. */
export function generateMac(d: Draft, networkId: string): string {
  for (let i = 0; i < 64; i++) {
    const b = randomBytes(3);
    const mac = `fa:16:3e:${[...b].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
    if (d.ports.count('mac', `${networkId}|${mac}`) === 0) return mac;
  }
  throw badRequest('Unable to generate a unique mac address', 'MacAddressGenerationFailure');
}

/** A MAC for a DHCP server or other controller-owned endpoint, never checked against ports. */
export function randomMac(): string {
  return `fa:16:3e:${[...randomBytes(3)].map((x) => x.toString(16).padStart(2, '0')).join(':')}`;
}

/** Availability-zone hints must name zones some agent reports. */
export function checkAzHints(d: Draft, hints: readonly string[]): void {
  const zones = new Set(d.allAgents().map((a) => a.availability_zone));
  for (const h of hints) if (!zones.has(h)) throw notFound('availability_zone', h);
}
