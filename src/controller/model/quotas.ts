/**
 * Quotas per project, Neutron's quota extension: defaults from the
 * configuration ([quotas] quota_<resource>), overrides kept in NB_Global,
 * -1 for unlimited. Only an admin changes them; a project reads its own.
 */
import { badRequest, forbidden } from '../errors.js';
import { QUOTA_RESOURCES, type Context, type Quota, type QuotaResource } from './types.js';
import type { Draft } from '../state/draft.js';
import { toInt } from './convert.js';
import { isObject } from './convert.js';

export function canReadQuota(ctx: Context, project: string): boolean {
  return ctx.isAdmin || ctx.projectId === project;
}

export function setQuota(d: Draft, ctx: Context, project: string, body: unknown): Quota {
  if (!ctx.isAdmin) throw forbidden('update_quota');
  if (!isObject(body) || !isObject(body.quota)) throw badRequest('Unable to find \'quota\' in request body');
  const q = body.quota;
  const unknown = Object.keys(q).filter((k) => !(QUOTA_RESOURCES as readonly string[]).includes(k));
  if (unknown.length) throw badRequest(`Unrecognized attribute(s) '${unknown.join(', ')}'`);
  const next: Quota = { ...d.quotaOverrides(project) };
  for (const [k, v] of Object.entries(q)) {
    const n = toInt(-1, 2 ** 31 - 1)(v, k);
    if (n === d.cfg.quotaDefaults[k as QuotaResource]) delete next[k as QuotaResource];
    else next[k as QuotaResource] = n;
  }
  d.quotas.set(project, next);
  return effectiveQuota(d, project);
}

export function resetQuota(d: Draft, ctx: Context, project: string): void {
  if (!ctx.isAdmin) throw forbidden('delete_quota');
  d.quotas.set(project, null);
}

export function effectiveQuota(d: Pick<Draft, 'limit'>, project: string): Record<QuotaResource, number> {
  const out = {} as Record<QuotaResource, number>;
  for (const r of QUOTA_RESOURCES) out[r] = d.limit(project, r);
  return out;
}
