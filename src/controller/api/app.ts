/**
 * The HTTP application: Neutron's v2.0 API, the minimal Keystone, and the
 * OpenAPI description, on fastify.
 *
 * Cross-cutting rules, enforced here once:
 *   - every response carries `X-Openstack-Request-Id: req-<uuid>` (the
 *     `neutron` CLI prints it with errors);
 *   - every body is parsed as JSON whatever the Content-Type says (as
 *     Neutron's webob does), and malformed JSON is a 400, not a crash;
 *   - every error is a NeutronError with the right status; framework errors
 *     (body too large, bad URL encoding, an over-long path segment) keep
 *     their 4xx status, even those the router answers before any hook; an
 *     unreachable northbound database is 503. Anything unexpected is logged
 *     and answered 500 with Neutron's generic message: tests treat it as a
 *     bug.
 *   - the identity of the caller is settled before any handler runs
 *     (auth.ts); identity and discovery routes need no token.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { randomUUID } from 'node:crypto';
import { ApiError, badRequest, routeNotFound } from '../errors.js';
import { StoreUnavailableError } from '../nb/store.js';
import type { Services } from './services.js';
import { registerResources } from './resources.js';
import { registerActions } from './actions.js';
import { registerMisc } from './misc.js';
import { registerIdentity } from './identity.js';
import { openApiDocument } from '../openapi.js';

export interface AppOptions {
  /** pino log destination file, or null for no request log. */
  readonly logFile?: string | null;
  readonly logLevel?: string;
}

/** Paths served without credentials even under keystone auth. */
function isPublic(url: string): boolean {
  const path = url.split('?')[0]!;
  return path === '/' || path === '/v3' || path === '/v3/' || path.startsWith('/v3/auth/tokens') || path === '/openapi.json';
}

export function buildApp(s: Services, opts: AppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger: opts.logFile ? { level: opts.logLevel ?? 'info', file: opts.logFile } : false,
    bodyLimit: 1024 * 1024,
    genReqId: () => `req-${randomUUID()}`,
    requestIdHeader: false,
    routerOptions: { maxParamLength: 500, ignoreTrailingSlash: true, ignoreDuplicateSlashes: true },
    // Requests the router itself refuses (a path that is not valid URL encoding, a path segment
    // past maxParamLength) never reach the hooks: answer them here, in the same vocabulary.
    frameworkErrors: (err, req, reply) => {
      const status = typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 400;
      const e = new ApiError(status, status === 414 ? 'HTTPRequestURITooLong' : 'HTTPBadRequest', `Malformed request URL: ${err.message}`);
      void (reply as unknown as FastifyReply).code(status).header('X-Openstack-Request-Id', req.id).type('application/json').send(e.toJSON());
    },
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = String(body);
    if (text.trim() === '') { done(null, undefined); return; }
    try {
      done(null, JSON.parse(text));
    } catch {
      done(badRequest('Malformed request body'), undefined);
    }
  });

  app.addHook('onRequest', async (req, reply) => {
    reply.header('X-Openstack-Request-Id', req.id);
    const ctx = isPublic(req.url)
      ? (() => { try { return s.auth.contextFor(req.headers); } catch { return null; } })()
      : s.auth.contextFor(req.headers);
    (req as FastifyRequest & { ctx: unknown }).ctx = ctx ?? { projectId: '', userId: '', isAdmin: false, roles: [] };
  });

  app.setErrorHandler((err, req, reply) => {
    let e: ApiError;
    if (err instanceof ApiError) e = err;
    else if (err instanceof StoreUnavailableError) e = new ApiError(503, 'ServiceUnavailable', err.message);
    else {
      const status = (err as { statusCode?: number }).statusCode;
      if (typeof status === 'number' && status >= 400 && status < 500) {
        e = new ApiError(status, status === 413 ? 'HTTPRequestEntityTooLarge' : 'HTTPBadRequest', (err as Error).message);
      } else {
        req.log.error({ err }, 'internal error');
        process.stderr.write(`weft controller: internal error on ${req.method} ${req.url}: ${(err as Error).stack ?? String(err)}\n`);
        e = new ApiError(500, 'HTTPInternalServerError', 'Request Failed: internal server error while processing your request.');
      }
    }
    void reply.code(e.status).type('application/json').send(e.toJSON());
  });
  app.setNotFoundHandler((_req, reply) => {
    void reply.code(404).type('application/json').send(routeNotFound().toJSON());
  });

  registerMisc(app, s);
  registerIdentity(app, s);
  registerResources(app, s);
  registerActions(app, s);
  app.get('/openapi.json', async () => openApiDocument());
  return app;
}
