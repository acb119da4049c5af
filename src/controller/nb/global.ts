/**
 * The controller's state in NB_Global.external_ids: per-project quota
 * overrides (`neutron:quota:<project>` = JSON), the agent registry
 * (`neutron:agent:<id>` = JSON; hypervisors register here, see
 * api/agents.ts) and the write generation (`neutron:generation`).
 *
 * The generation is the controller's optimistic-concurrency guard: every
 * write transaction starts with a `wait` (timeout 0) that NB_Global still
 * holds the generation the write was computed from, and bumps it. Two
 * controllers computing from the same snapshot cannot both commit; the
 * loser sees "timed out" on its first operation, refreshes and retries
 * (state/writer.ts). Within one process writes are serialized anyway.
 */
import type { Agent, Quota } from '../model/types.js';
import { smap } from './txn.js';
import type { NbRow } from './store.js';

export const GENERATION_KEY = 'neutron:generation';
const QUOTA_PREFIX = 'neutron:quota:';
const AGENT_PREFIX = 'neutron:agent:';

export interface GlobalState {
  readonly uuid: string | null;
  readonly generation: string;
  readonly quotas: ReadonlyMap<string, Quota>;
  readonly agents: ReadonlyMap<string, Agent>;
}

export const EMPTY_GLOBAL: GlobalState = { uuid: null, generation: '0', quotas: new Map(), agents: new Map() };

export function decodeGlobal(row: NbRow | undefined): GlobalState {
  if (!row) return EMPTY_GLOBAL;
  const ids = smap(row, 'external_ids');
  const quotas = new Map<string, Quota>();
  const agents = new Map<string, Agent>();
  for (const [k, v] of ids) {
    try {
      if (k.startsWith(QUOTA_PREFIX)) quotas.set(k.slice(QUOTA_PREFIX.length), JSON.parse(v) as Quota);
      else if (k.startsWith(AGENT_PREFIX)) agents.set(k.slice(AGENT_PREFIX.length), JSON.parse(v) as Agent);
    } catch { /* a mangled entry is ignored, not fatal */ }
  }
  return { uuid: row.uuid, generation: ids.get(GENERATION_KEY) ?? '0', quotas, agents };
}

/** The guard: NB_Global must still hold `generation`. */
export function generationWait(uuid: string, generation: string): unknown {
  return {
    op: 'wait', table: 'NB_Global', timeout: 0, until: '==', columns: ['_uuid'],
    where: [['external_ids', 'includes', ['map', [[GENERATION_KEY, generation]]]]],
    rows: [{ _uuid: ['uuid', uuid] }],
  };
}

export interface GlobalChanges {
  readonly quotas: ReadonlyMap<string, Quota | null>;
  readonly agents: ReadonlyMap<string, Agent | null>;
}

/** Bumps the generation and applies quota/agent changes, in one mutate of NB_Global. */
export function globalMutate(uuid: string, generation: string, ch: GlobalChanges): unknown {
  const del: string[] = [GENERATION_KEY];
  const ins: [string, string][] = [[GENERATION_KEY, String(BigInt(/^\d+$/.test(generation) ? generation : '0') + 1n)]];
  for (const [p, q] of ch.quotas) {
    del.push(QUOTA_PREFIX + p);
    if (q && Object.keys(q).length) ins.push([QUOTA_PREFIX + p, JSON.stringify(q)]);
  }
  for (const [id, a] of ch.agents) {
    del.push(AGENT_PREFIX + id);
    if (a) ins.push([AGENT_PREFIX + id, JSON.stringify(a)]);
  }
  return {
    op: 'mutate', table: 'NB_Global', where: [['_uuid', '==', ['uuid', uuid]]],
    mutations: [['external_ids', 'delete', ['set', del]], ['external_ids', 'insert', ['map', ins]]],
  };
}
