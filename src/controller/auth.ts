/**
 * Who a request acts for.
 *
 * Two strategies, as Neutron's `auth_strategy`:
 *   - `noauth` (default): a single operator. A request acts as admin in the
 *     default project, unless it carries a valid token (then as the
 *     token's user), or `X-Project-Id` (then as that project, admin only if
 *     `X-Roles` says so, like Neutron's noauth middleware with headers).
 *   - `keystone`: every /v2.0 request needs a valid `X-Auth-Token`, else
 *     401. Users and projects come from the configuration file.
 *
 * Tokens come from a minimal Keystone v3 (`POST /v3/auth/tokens` with the
 * password method, the token in `X-Subject-Token`), enough for `openstack`
 * with `--os-auth-url …/v3`. A token is self-contained: user, project,
 * roles and expiry, signed with HMAC-SHA256, so no token table is needed
 * and several controllers sharing `token_secret` accept each other's.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { ControllerConfig, ProjectConfig, UserConfig } from './config.js';
import type { Context } from './model/types.js';
import { ApiError, unauthorized } from './errors.js';
import { isObject } from './model/convert.js';

export interface TokenInfo {
  readonly userId: string;
  readonly userName: string;
  readonly projectId: string;
  readonly roles: readonly string[];
  readonly expiresAt: number;
}

export interface IssuedToken { readonly token: string; readonly info: TokenInfo }

export class Auth {
  private readonly secret: Buffer;

  constructor(readonly cfg: ControllerConfig, private readonly now: () => number = Date.now) {
    this.secret = cfg.tokenSecret ? Buffer.from(cfg.tokenSecret) : randomBytes(32);
  }

  get projects(): readonly ProjectConfig[] {
    return this.cfg.projects;
  }

  project(idOrName: string): ProjectConfig | undefined {
    return this.cfg.projects.find((p) => p.id === idOrName) ?? this.cfg.projects.find((p) => p.name === idOrName);
  }

  /** The identity of a request from its headers (lower-case names). */
  contextFor(headers: Readonly<Record<string, string | string[] | undefined>>): Context {
    const h = (n: string): string | undefined => { const v = headers[n]; return Array.isArray(v) ? v[0] : v; };
    const token = h('x-auth-token');
    const info = token ? this.verify(token) : null;
    if (info) return { projectId: info.projectId, userId: info.userId, isAdmin: info.roles.includes('admin'), roles: info.roles };
    if (this.cfg.authStrategy === 'keystone') throw unauthorized();
    const project = h('x-project-id') ?? h('x-tenant-id');
    if (project) {
      const roles = (h('x-roles') ?? 'member').split(',').map((r) => r.trim()).filter(Boolean);
      return { projectId: project, userId: h('x-user-id') ?? 'noauth', isAdmin: roles.includes('admin'), roles };
    }
    return { projectId: this.cfg.defaultProject.id, userId: 'admin', isAdmin: true, roles: ['admin'] };
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }

  issue(user: UserConfig, project: ProjectConfig): IssuedToken {
    const info: TokenInfo = {
      userId: user.id, userName: user.name, projectId: project.id, roles: user.roles,
      expiresAt: this.now() + this.cfg.tokenExpirationS * 1000,
    };
    const payload = Buffer.from(JSON.stringify(info)).toString('base64url');
    return { token: `${payload}.${this.sign(payload)}`, info };
  }

  verify(token: string): TokenInfo | null {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 4096) return null;
    const payload = token.slice(0, dot), sig = Buffer.from(token.slice(dot + 1));
    const want = Buffer.from(this.sign(payload));
    if (sig.length !== want.length || !timingSafeEqual(sig, want)) return null;
    try {
      const info = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as TokenInfo;
      return info.expiresAt > this.now() ? info : null;
    } catch {
      return null;
    }
  }

  /**
   * `POST /v3/auth/tokens` with the password method, scoped to a project
   * by id or by name (the domain is accepted and ignored: one domain,
   * Default). Unscoped requests get the user's own project.
   */
  authenticate(body: unknown): IssuedToken {
    const auth = isObject(body) && isObject(body.auth) ? body.auth : null;
    const identity = auth && isObject(auth.identity) ? auth.identity : null;
    const pw = identity && isObject(identity.password) && isObject(identity.password.user) ? identity.password.user : null;
    if (!pw) {
      if (identity && isObject(identity.token) && typeof identity.token.id === 'string') return this.rescope(identity.token.id, auth!.scope);
      throw new ApiError(400, 'ValidationError', 'Expecting to find identity.password.user in request body.');
    }
    const user = this.cfg.users.find((u) => u.name === pw.name || u.id === pw.id);
    if (!user || typeof pw.password !== 'string' || pw.password !== user.password) throw unauthorized('The request you have made requires authentication.');
    return this.issue(user, this.scopeProject(user, auth!.scope));
  }

  private rescope(token: string, scope: unknown): IssuedToken {
    const info = this.verify(token);
    if (!info) throw unauthorized();
    const user = this.cfg.users.find((u) => u.id === info.userId);
    if (!user) throw unauthorized();
    return this.issue(user, this.scopeProject(user, scope));
  }

  private scopeProject(user: UserConfig, scope: unknown): ProjectConfig {
    const own = this.project(user.project)!;
    const p = isObject(scope) && isObject(scope.project) ? scope.project : null;
    if (!p) return own;
    const want = typeof p.id === 'string' ? this.project(p.id) : typeof p.name === 'string' ? this.cfg.projects.find((x) => x.name === p.name) : undefined;
    if (!want) throw unauthorized('Could not find project.');
    // Only admins may scope to a project other than their own.
    if (want.id !== own.id && !user.roles.includes('admin')) throw unauthorized('User has no access to project.');
    return want;
  }

  userOf(info: TokenInfo): UserConfig | undefined {
    return this.cfg.users.find((u) => u.id === info.userId);
  }
}
