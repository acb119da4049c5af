/**
 * Test harness for the controller: a controller on a fresh embedded
 * database in a temporary directory, driven through fastify's inject (no
 * sockets), plus a snapshot of the whole northbound database to assert
 * that a refused request changed nothing.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Controller } from '../../src/controller/service.js';
import { configFromIni, parseIni, type ControllerConfig } from '../../src/controller/config.js';

export interface Reply { status: number; body: any; headers: Record<string, unknown> }

export interface Harness {
  readonly ctl: Controller;
  readonly dir: string;
  req(method: string, url: string, body?: unknown, headers?: Record<string, string>): Promise<Reply>;
  /** The whole northbound database as text (every table, every row). */
  snapshot(): string;
  restart(): Promise<Harness>;
  close(keepDir?: boolean): Promise<void>;
}

export function config(ini = ''): ControllerConfig {
  return configFromIni(parseIni(ini));
}

export async function startHarness(opts: { config?: ControllerConfig; dir?: string; nbListen?: string[]; ownsDir?: boolean } = {}): Promise<Harness> {
  const dir = opts.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'weft-ctl-'));
  const ownsDir = opts.ownsDir ?? !opts.dir;
  const cfg = opts.config ?? config();
  const ctl = await Controller.start({ config: cfg, dir, nbListen: opts.nbListen ?? [], listen: null });
  const h: Harness = {
    ctl, dir,
    async req(method, url, body, headers = {}) {
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

/** Headers acting as a (non-admin) project under noauth. */
export const asProject = (p: string): Record<string, string> => ({ 'x-project-id': p, 'x-roles': 'member' });
