/**
 * Tags (the standard-attr-tag extension): `PUT …/{id}/tags` replaces the
 * set, `PUT …/tags/{tag}` adds one, `DELETE …/tags/{tag}` removes one
 * (404 TagNotFound if absent), `DELETE …/tags` clears. Each change is an
 * update of the resource (revision_number moves), as in Neutron.
 */
import { ApiError, badRequest } from '../errors.js';
import type { Context, Standard } from './types.js';
import type { Draft } from '../state/draft.js';
import type { DraftCollection } from '../state/collection.js';
import { canSeeNetwork, owned, owns, revise } from './common.js';
import { portVisible } from './ports.js';
import { subnetVisible } from './subnets.js';
import { toTag } from './convert.js';

export const MAX_TAGS = 50;

interface Target { c: DraftCollection<Standard>; kind: string; see: (o: Standard) => boolean; after?: (o: Standard) => void }

function target(d: Draft, ctx: Context, path: string): Target {
  const c = <T extends Standard>(x: DraftCollection<T>): DraftCollection<Standard> => x as unknown as DraftCollection<Standard>;
  switch (path) {
    case 'networks': return { c: c(d.networks), kind: 'network', see: (o) => canSeeNetwork(ctx, o as never) };
    case 'subnets': return { c: c(d.subnets), kind: 'subnet', see: (o) => subnetVisible(d, ctx, o as never) };
    case 'ports': return { c: c(d.ports), kind: 'port', see: (o) => portVisible(d, ctx, o as never) };
    case 'security-groups': case 'security_groups': return { c: c(d.securityGroups), kind: 'security_group', see: (o) => owns(ctx, o) };
    case 'routers': return { c: c(d.routers), kind: 'router', see: (o) => owns(ctx, o) };
    case 'floatingips': return {
      c: c(d.floatingips), kind: 'floatingip', see: (o) => owns(ctx, o),
      after: (o) => d.dirtyPorts.add((o as unknown as { floating_port_id: string }).floating_port_id),
    };
    default: throw new ApiError(404, 'HTTPNotFound', 'The resource could not be found.');
  }
}

function set(d: Draft, ctx: Context, path: string, id: string, f: (tags: string[]) => string[]): string[] {
  const t = target(d, ctx, path);
  const o = owned(t.c, t.kind, id, ctx, t.see, `update_${t.kind}:tags`);
  const tags = [...new Set(f([...o.tags]))];
  if (tags.length > MAX_TAGS) throw badRequest(`The number of tags exceeds the limit ${MAX_TAGS}`, 'TagsExceedLimit');
  const next = revise(d, o, { tags });
  if (next !== o) { t.c.put(next); t.after?.(next); }
  return next.tags;
}

export function readTags(d: Draft, ctx: Context, path: string, id: string): string[] {
  const t = target(d, ctx, path);
  const o = t.c.get(id);
  if (!o || !t.see(o)) throw notFoundOf(t.kind, id);
  return o.tags;
}

function notFoundOf(kind: string, id: string): ApiError {
  return new ApiError(404, 'NotFound', `${kind} ${id} could not be found.`);
}

export function replaceTags(d: Draft, ctx: Context, path: string, id: string, body: unknown): string[] {
  if (typeof body !== 'object' || body === null || !Array.isArray((body as { tags?: unknown }).tags)) throw badRequest("Invalid input for tags. Reason: 'tags' must be a list.");
  const tags = ((body as { tags: unknown[] }).tags).map((x) => toTag(x, 'tags'));
  return set(d, ctx, path, id, () => tags);
}

export function addTag(d: Draft, ctx: Context, path: string, id: string, tag: string): void {
  const t = toTag(tag, 'tag');
  set(d, ctx, path, id, (tags) => [...tags, t]);
}

export function removeTag(d: Draft, ctx: Context, path: string, id: string, tag: string): void {
  set(d, ctx, path, id, (tags) => {
    if (!tags.includes(tag)) throw new ApiError(404, 'TagNotFound', `Tag ${tag} could not be found for ${path.replace(/s$/, '')} ${id}.`);
    return tags.filter((x) => x !== tag);
  });
}

export function clearTags(d: Draft, ctx: Context, path: string, id: string): void {
  set(d, ctx, path, id, () => []);
}
