/**
 * The OpenAPI 3.0 description of the controller's API, served at
 * `GET /openapi.json`. It is generated from the same attribute maps that
 * validate requests (model/attrs.ts), so it cannot drift from what the
 * server accepts: writable attributes, required ones on create, read-only
 * ones, filters and the error body.
 */
import { RESOURCES, type Attr, type ResourceDef, isFilterable } from './model/attrs.js';

type Json = Record<string, unknown>;

function schemaOf(a: Attr): Json {
  const base: Json = a.type === 'list' ? { type: 'array', items: {} } : a.type === 'object' ? { type: 'object' } : { type: a.type };
  if (!a.post && !a.put) base.readOnly = true;
  if (a.adminOnly) base.description = 'Settable by admin only.';
  if (a.doc) base.description = a.doc;
  return base;
}

function resourceSchemas(def: ResourceDef): Record<string, Json> {
  const props = Object.fromEntries(Object.entries(def.attrs).map(([k, a]) => [k, schemaOf(a)]));
  const create = Object.fromEntries(Object.entries(def.attrs).filter(([, a]) => a.post).map(([k, a]) => [k, schemaOf(a)]));
  const update = Object.fromEntries(Object.entries(def.attrs).filter(([, a]) => a.put).map(([k, a]) => [k, schemaOf(a)]));
  const required = Object.entries(def.attrs).filter(([, a]) => a.required).map(([k]) => k);
  return {
    [def.name]: { type: 'object', properties: props },
    [`${def.name}_create`]: { type: 'object', properties: create, ...(required.length ? { required } : {}), additionalProperties: false },
    [`${def.name}_update`]: { type: 'object', properties: update, additionalProperties: false },
  };
}

const ERROR = { $ref: '#/components/responses/NeutronError' };
const ref = (n: string): Json => ({ $ref: `#/components/schemas/${n}` });
const body = (key: string, schema: Json): Json => ({ content: { 'application/json': { schema: { type: 'object', properties: { [key]: schema }, required: [key] } } } });

function paths(def: ResourceDef): Record<string, Json> {
  const filters = Object.entries(def.attrs).filter(([, a]) => isFilterable(a)).map(([k]) => ({ name: k, in: 'query', required: false, schema: { type: 'string' } }));
  const common = ['fields', 'sort_key', 'sort_dir', 'limit', 'marker', 'page_reverse', 'tags', 'tags-any', 'not-tags', 'not-tags-any']
    .map((k) => ({ name: k, in: 'query', required: false, schema: { type: 'string' } }));
  const readOnly = !Object.values(def.attrs).some((a) => a.post);
  const coll: Json = {
    get: { summary: `List ${def.plural}`, parameters: [...filters, ...common], responses: { 200: body(def.plural, { type: 'array', items: ref(def.name) }), 400: ERROR, 401: ERROR } },
  };
  if (!readOnly) coll.post = { summary: `Create a ${def.name} (or many, with "${def.plural}": [...])`, requestBody: body(def.name, ref(`${def.name}_create`)), responses: { 201: body(def.name, ref(def.name)), 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR } };
  const item: Json = {
    parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'string', format: 'uuid' } }],
    get: { summary: `Show a ${def.name}`, responses: { 200: body(def.name, ref(def.name)), 404: ERROR } },
  };
  if (Object.values(def.attrs).some((a) => a.put)) item.put = { summary: `Update a ${def.name} (partial)`, requestBody: body(def.name, ref(`${def.name}_update`)), responses: { 200: body(def.name, ref(def.name)), 400: ERROR, 403: ERROR, 404: ERROR, 409: ERROR, 412: ERROR } };
  if (!readOnly || def.name === 'agent') item.delete = { summary: `Delete a ${def.name}`, responses: { 204: { description: 'Deleted' }, 404: ERROR, 409: ERROR } };
  const out: Record<string, Json> = { [`/v2.0/${def.path}`]: coll };
  if (def.name !== 'availability_zone') out[`/v2.0/${def.path}/{id}`] = item;
  return out;
}

export function openApiDocument(): Json {
  const p: Record<string, Json> = {};
  const schemas: Record<string, Json> = {};
  for (const def of RESOURCES) { Object.assign(p, paths(def)); Object.assign(schemas, resourceSchemas(def)); }
  const iface = { content: { 'application/json': { schema: { type: 'object', properties: { subnet_id: { type: 'string' }, port_id: { type: 'string' } } } } } };
  p['/v2.0/routers/{id}/add_router_interface'] = { put: { summary: 'Attach a subnet or port to a router', requestBody: iface, responses: { 200: { description: 'Interface info' }, 400: ERROR, 404: ERROR, 409: ERROR } } };
  p['/v2.0/routers/{id}/remove_router_interface'] = { put: { summary: 'Detach a subnet or port from a router', requestBody: iface, responses: { 200: { description: 'Interface info' }, 404: ERROR, 409: ERROR } } };
  p['/v2.0/routers/{id}/add_extraroutes'] = { put: { summary: 'Add extra routes', responses: { 200: { description: 'The router' }, 400: ERROR } } };
  p['/v2.0/routers/{id}/remove_extraroutes'] = { put: { summary: 'Remove extra routes', responses: { 200: { description: 'The router' }, 400: ERROR } } };
  p['/v2.0/{collection}/{id}/tags'] = { get: { summary: 'List tags' }, put: { summary: 'Replace tags' }, delete: { summary: 'Remove all tags' } };
  p['/v2.0/{collection}/{id}/tags/{tag}'] = { get: { summary: 'Check a tag' }, put: { summary: 'Add a tag' }, delete: { summary: 'Remove a tag' } };
  p['/v2.0/quotas'] = { get: { summary: 'List projects with non-default quotas' } };
  p['/v2.0/quotas/{project_id}'] = { get: { summary: 'Show quotas' }, put: { summary: 'Update quotas (admin)' }, delete: { summary: 'Reset quotas (admin)' } };
  p['/v2.0/quotas/{project_id}/default'] = { get: { summary: 'Default quotas' } };
  p['/v2.0/quotas/{project_id}/details'] = { get: { summary: 'Quota usage' } };
  p['/v2.0/extensions'] = { get: { summary: 'List API extensions' } };
  p['/v3/auth/tokens'] = { post: { summary: 'Issue a token (Keystone v3 password method); the token is in X-Subject-Token' } };
  p['/v3/projects'] = { get: { summary: 'List projects' } };
  return {
    openapi: '3.0.3',
    info: { title: 'Weft controller: OpenStack Networking (Neutron) v2.0 API', version: '2.0' },
    paths: p,
    components: {
      schemas: {
        ...schemas,
        NeutronError: { type: 'object', properties: { NeutronError: { type: 'object', properties: { type: { type: 'string' }, message: { type: 'string' }, detail: { type: 'string' } } } } },
      },
      responses: { NeutronError: { description: 'Neutron error', content: { 'application/json': { schema: ref('NeutronError') } } } },
      securitySchemes: { token: { type: 'apiKey', in: 'header', name: 'X-Auth-Token' } },
    },
    security: [{ token: [] }],
  };
}
