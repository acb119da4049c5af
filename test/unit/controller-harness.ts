/**
 * Test harness for the controller: a controller on a fresh embedded
 * database in a temporary directory, driven through fastify's inject (no
 * sockets) or, with `http`, over a real HTTP connection on loopback; plus
 * a snapshot of the whole northbound database and a listing of every
 * resource through the API, to assert that a refused request changed
 * nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { Controller } from '../../src/controller/service.js';
import { configFromIni, parseIni, type ControllerConfig } from '../../src/controller/config.js';

export interface Reply { status: number; body: any; headers: Record<string, unknown> }

export interface Harness {
  readonly ctl: Controller;
  readonly dir: string;
  req(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** The whole northbound database as text (every table, every row). */
  snapshot(): string;
  /** Every resource of every kind as the API lists it (as `headers` sees them; default: the noauth admin). */
  listAll(headers?: Record<string, string>): Promise<string>;
  restart(): Promise<Harness>;
  close(keepDir?: boolean): Promise<void>;
}

export function config(ini = ''): ControllerConfig {
  return configFromIni(parseIni(ini));
}

export const LISTED = ['networks', 'subnets', 'ports', 'security-groups', 'security-group-rules', 'routers', 'floatingips', 'agents', 'quotas'];

export interface HarnessOptions {
  config?: ControllerConfig;
  dir?: string;
  nbListen?: string[];
  ownsDir?: boolean;
  /** Talk HTTP over a loopback socket instead of fastify's inject. */
  http?: boolean;
}

export async function startHarness(opts: HarnessOptions = {}): Promise<Harness> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'weft-ctl-'));
  const ownsDir = opts.ownsDir ?? !opts.dir;
  const cfg = opts.config ?? config();
  const ctl = await Controller.start({ config: cfg, dir, nbListen: opts.nbListen ?? [], listen: opts.http ? '127.0.0.1:0' : null });
  const h: Harness = {
    ctl, dir,
    async req(method, url, body, headers = {}) {
      if (opts.http) return httpReq(ctl.url!, method, url, body, headers);
      const r = await ctl.app.inject({
        method: method as 'GET', url, headers: { 'content-type': 'application/json', ...headers },
        ...(body === undefined ? {} : { payload: typeof body === 'string' ? body : JSON.stringify(body) }),
      });
      let parsed: unknown = undefined;
      try { parsed = r.body ? JSON.parse(r.body) : undefined; } catch { parsed = r.body; }
      return { status: r.statusCode, body: parsed, headers: r.headers as Record<string, unknown> };
    },
    snapshot() {
      const out: Record<string, unknown> = {};
      for (const t of ['NB_Global', 'Logical_Switch', 'Logical_Switch_Port', 'DHCP_Options', 'Port_Group', 'ACL', 'Logical_Router',
        'Logical_Router_Port', 'NAT', 'Logical_Router_Static_Route']) {
        out[t] = [...ctl.store.table(t).values()].map((r) => [r.uuid, r.columns]).sort((a, b) => String(a[0]).localeCompare(String(b[0])));
      }
      return JSON.stringify(out);
    },
    async listAll(headers) {
      const out: Record<string, unknown> = {};
      for (const c of LISTED) {
        const r = await h.req('GET', `/v2.0/${c}`, undefined, headers);
        if (r.status !== 200) throw new Error(`GET /v2.0/${c}: ${r.status} ${JSON.stringify(r.body)}`);
        out[c] = r.body;
      }
      return JSON.stringify(out);
    },
    async restart() {
      await ctl.close();
      return startHarness({ ...opts, dir, config: cfg, ownsDir });
    },
    async close(keepDir = false) {
      await ctl.close();
      if (!keepDir && ownsDir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  return h;
}

async function httpReq(base: string, method: string, url: string, body: unknown, headers: Record<string, string>): Promise<Reply> {
  const r = await fetch(base + url, {
    method, headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  const text = await r.text();
  let parsed: unknown = undefined;
  try { parsed = text ? JSON.parse(text) : undefined; } catch { parsed = text; }
  return { status: r.status, body: parsed, headers: Object.fromEntries(r.headers.entries()) };
}

/** True for Neutron's error body: `{"NeutronError": {type, message, detail}}`. */
export function isNeutronError(r: Reply): boolean {
  const e = r.body?.NeutronError;
  return !!e && typeof e.type === 'string' && typeof e.message === 'string' && typeof e.detail === 'string';
}

/** The `X-Openstack-Request-Id` every response carries. */
export function hasRequestId(r: Reply): boolean {
  return /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(String(r.headers['x-openstack-request-id'] ?? ''));
}

/** Configuration lifting every quota (tests that make many resources). */
export const NO_QUOTAS = '[quotas]\n' + ['network', 'subnet', 'port', 'router', 'floatingip', 'security_group', 'security_group_rule']
  .map((r) => `quota_${r} = -1\n`).join('');

/**
 * Runs a fast-check property, rethrowing a failure with the failing
 * assertion's own message (fast-check keeps it in `cause`, which the test
 * reporter does not print).
 */
export async function checkProperty<Ts extends [unknown, ...unknown[]]>(prop: fc.IAsyncPropertyWithHooks<Ts>, params: fc.Parameters<Ts>): Promise<void> {
  try {
    await fc.assert(prop, params);
  } catch (e) {
    const cause = (e as { cause?: unknown }).cause;
    throw new Error(`${(e as Error).message}\n${cause instanceof Error ? cause.message : String(cause ?? '')}`);
  }
}

/** Headers acting as a (non-admin) project under noauth. */
export const asProject = (p: string): Record<string, string> => ({ 'x-project-id': p, 'x-roles': 'member' });
