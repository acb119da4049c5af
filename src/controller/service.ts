/**
 * The controller as one object: a northbound store (embedded or remote),
 * the decoded view over it, the write path, authentication and the HTTP
 * API, started and stopped together.
 *
 * Start-up order matters: the store first (the database must be open and,
 * when embedded, served to ovn-nbctl), then the view (it loads from the
 * store), then the base rows every write relies on, then the configured
 * hypervisors' agents, and only then the HTTP listener, so no request ever
 * sees a half-initialized controller.
 */
import type { FastifyInstance } from 'fastify';
import type { ControllerConfig } from './config.js';
import type { NbStore } from './nb/store.js';
import { EmbeddedStore } from './nb/embedded.js';
import { RemoteStore } from './nb/remote.js';
import { View } from './state/view.js';
import { Writer } from './state/writer.js';
import { Auth } from './auth.js';
import { buildApp } from './api/app.js';
import { registerAgent, type AgentRegistration } from './model/agents.js';
import type { Agent } from './model/types.js';

export interface ControllerOptions {
  readonly config: ControllerConfig;
  /** Embedded store in this directory (DIR/ovnnb.db)… */
  readonly dir?: string;
  /** …or a remote OVSDB server: `unix:PATH` or `tcp:IP:PORT`. */
  readonly nb?: string;
  /** Remotes the embedded database is served on (default `punix:DIR/ovnnb_db.sock`). */
  readonly nbListen?: readonly string[];
  /** `ADDR:PORT` for the API; port 0 picks a free one. Null: no listener (tests use `app.inject`). */
  readonly listen?: string | null;
  readonly logFile?: string | null;
  readonly clock?: () => Date;
}

export function parseListen(s: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(s);
  if (!m) throw new Error(`--listen: '${s}' is not ADDR:PORT`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port: Number(m[3]) };
}

export class Controller {
  private constructor(
    readonly store: NbStore,
    readonly view: View,
    readonly writer: Writer,
    readonly auth: Auth,
    readonly app: FastifyInstance,
    readonly config: ControllerConfig,
  ) {}

  /** Where the API listens ("http://127.0.0.1:9696"), or null. */
  url: string | null = null;

  static async start(opts: ControllerOptions): Promise<Controller> {
    if (!!opts.dir === !!opts.nb) throw new Error('exactly one of --dir=DIR or --nb=REMOTE is needed');
    const store: NbStore = opts.dir
      ? await EmbeddedStore.open({ dir: opts.dir, ...(opts.nbListen ? { listen: opts.nbListen } : {}) })
      : await RemoteStore.open(opts.nb!);
    const view = new View(store);
    const writer = new Writer(view, store, opts.config, opts.clock);
    const auth = new Auth(opts.config);
    const app = buildApp({ view, writer, auth, cfg: opts.config }, { logFile: opts.logFile ?? null });
    const c = new Controller(store, view, writer, auth, app, opts.config);
    try {
      await writer.ensureBase();
      for (const h of opts.config.hypervisors) {
        await c.registerAgent({ host: h.host, availabilityZone: h.availabilityZone, bridgeMappings: h.bridgeMappings });
      }
      if (opts.listen) {
        const { host, port } = parseListen(opts.listen);
        await app.listen({ host, port });
        const addr = app.server.address();
        const p = typeof addr === 'object' && addr ? addr.port : port;
        c.url = `http://${host.includes(':') ? `[${host}]` : host}:${p}`;
      } else {
        await app.ready();
      }
    } catch (e) {
      await c.close();
      throw e;
    }
    return c;
  }

  /** Registers (or refreshes) a hypervisor's agent; the agent daemon calls this. */
  registerAgent(reg: AgentRegistration): Promise<Agent> {
    return this.writer.write((d) => registerAgent(d, reg));
  }

  async close(): Promise<void> {
    await this.app.close();
    this.view.close();
    await this.store.close();
  }
}
