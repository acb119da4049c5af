/**
 * A draft: the committed state plus the changes one API request makes.
 *
 * Model functions (model/*.ts) read and change a draft, never the
 * northbound database; they throw an ApiError to refuse, and then the whole
 * draft is dropped, which is why a failed request changes nothing. When
 * they succeed, nb/encode.ts turns the draft's changes into one OVSDB
 * transaction.
 *
 * Besides changed resources, a draft records which resources need their
 * rows rewritten although they did not change themselves ("dirty"): ports
 * whose subnet stopped serving DHCP, routers whose interfaces or floating
 * IPs changed, rules whose group became stateless.
 */
import type {
  Agent, FloatingIp, Network, Port, Quota, QuotaResource, Router, SecurityGroup, SecurityGroupRule, Subnet,
} from '../model/types.js';
import type { ControllerConfig } from '../config.js';
import { DraftCollection } from './collection.js';
import type { View } from './view.js';

export class Draft {
  readonly networks: DraftCollection<Network>;
  readonly subnets: DraftCollection<Subnet>;
  readonly ports: DraftCollection<Port>;
  readonly securityGroups: DraftCollection<SecurityGroup>;
  readonly rules: DraftCollection<SecurityGroupRule>;
  readonly routers: DraftCollection<Router>;
  readonly floatingips: DraftCollection<FloatingIp>;
  readonly quotas = new Map<string, Quota | null>();
  readonly agents = new Map<string, Agent | null>();
  readonly dirtyPorts = new Set<string>();
  readonly dirtySubnets = new Set<string>();
  readonly dirtyRouters = new Set<string>();
  readonly dirtyRules = new Set<string>();
  /** Neutron timestamp for everything this request creates or updates. */
  readonly now: string;

  constructor(readonly view: View, readonly cfg: ControllerConfig, now: Date) {
    this.networks = new DraftCollection(view.networks);
    this.subnets = new DraftCollection(view.subnets);
    this.ports = new DraftCollection(view.ports);
    this.securityGroups = new DraftCollection(view.securityGroups);
    this.rules = new DraftCollection(view.rules);
    this.routers = new DraftCollection(view.routers);
    this.floatingips = new DraftCollection(view.floatingips);
    this.now = now.toISOString().replace(/\.\d{3}Z$/, 'Z');
  }

  /**
   * Marks the draft's state so that `rollback()` of the returned handle
   * undoes every change made after it: several requests share one draft
   * when the writer commits them together, and a refused one must leave
   * the others' changes and nothing of its own.
   */
  savepoint(): { rollback(): void } {
    const colls = this.collections().map((c) => ({ c, sp: c.savepoint() }));
    const quotas = new Map(this.quotas), agents = new Map(this.agents);
    const dirty = [this.dirtyPorts, this.dirtySubnets, this.dirtyRouters, this.dirtyRules].map((s) => ({ s, sp: new Set(s) }));
    return {
      rollback: () => {
        for (const { c, sp } of colls) c.restore(sp);
        for (const [m, sp] of [[this.quotas, quotas], [this.agents, agents]] as const) {
          m.clear();
          for (const [k, v] of sp) (m as Map<string, unknown>).set(k, v);
        }
        for (const { s, sp } of dirty) { s.clear(); for (const x of sp) s.add(x); }
      },
    };
  }

  private collections(): DraftCollection<{ readonly id: string }>[] {
    return [this.networks, this.subnets, this.ports, this.securityGroups, this.rules, this.routers, this.floatingips] as unknown as DraftCollection<{ readonly id: string }>[];
  }

  hasChanges(): boolean {
    return [this.networks, this.subnets, this.ports, this.securityGroups, this.rules, this.routers, this.floatingips]
      .some((c) => c.changes.size > 0) || this.quotas.size > 0 || this.agents.size > 0
      || this.dirtyPorts.size + this.dirtySubnets.size + this.dirtyRouters.size + this.dirtyRules.size > 0;
  }

  /** A project's quota overrides as of this draft. */
  quotaOverrides(project: string): Quota {
    if (this.quotas.has(project)) return this.quotas.get(project) ?? {};
    return this.view.global.quotas.get(project) ?? {};
  }

  limit(project: string, r: QuotaResource): number {
    return this.quotaOverrides(project)[r] ?? this.cfg.quotaDefaults[r];
  }

  agent(id: string): Agent | undefined {
    if (this.agents.has(id)) return this.agents.get(id) ?? undefined;
    return this.view.global.agents.get(id);
  }

  allAgents(): Agent[] {
    const m = new Map(this.view.global.agents);
    for (const [id, a] of this.agents) { if (a) m.set(id, a); else m.delete(id); }
    return [...m.values()];
  }

  /** Every router that the resources changed in this draft touch. */
  markRouter(id: string | null | undefined): void {
    if (id) this.dirtyRouters.add(id);
  }
}
