/**
 * The write path: request -> draft -> transaction -> commit, with
 * optimistic concurrency.
 *
 *   1. Writes in this process run one at a time (a promise chain), each
 *      computed from the current view; the chain is released as soon as the
 *      commit is in (not when it is durable), so disk syncs overlap.
 *   2. The model function changes a fresh Draft; throwing refuses the
 *      request with nothing written.
 *   3. The draft is encoded into one transaction guarded by the NB_Global
 *      generation (nb/global.ts). If another writer (a second controller on
 *      the same database) committed in between, the guard fails, the view
 *      catches up, and the request is recomputed from scratch, a few times
 *      at most.
 *   4. The caller's reply waits for durability.
 * Because the model function may run more than once, it must only read and
 * change the draft.
 */
import type { ControllerConfig } from '../config.js';
import { Draft } from './draft.js';
import type { View } from './view.js';
import type { NbStore } from '../nb/store.js';
import { encodeDraft } from '../nb/encode.js';
import { ApiError, conflict } from '../errors.js';
import { TxnBuilder } from '../nb/txn.js';
import { DROP_PG, dropAcls } from '../nb/secgroup.js';
import { GENERATION_KEY, generationWait, globalMutate } from '../nb/global.js';

const MAX_ATTEMPTS = 8;

interface Attempt<T> { result: T; durable: Promise<void> }

function firstError(results: readonly unknown[]): { index: number; error: string; details: string } | null {
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as { error?: unknown; details?: unknown } | null;
    if (r && typeof r === 'object' && typeof r.error === 'string') return { index: i, error: r.error, details: String(r.details ?? '') };
  }
  return null;
}

export class Writer {
  private tail: Promise<unknown> = Promise.resolve();
  /** Transactions recomputed because another writer committed first (for tests and diagnostics). */
  retries = 0;

  constructor(
    readonly view: View,
    readonly store: NbStore,
    readonly cfg: ControllerConfig,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Runs `fn` against a draft and commits what it changed; resolves with its result once durable. */
  async write<T>(fn: (d: Draft) => T): Promise<T> {
    const run = this.tail.then(() => this.attempt(fn));
    this.tail = run.then(() => undefined, () => undefined);
    const { result, durable } = await run;
    await durable;
    return result;
  }

  private async attempt<T>(fn: (d: Draft) => T): Promise<Attempt<T>> {
    for (let i = 1; ; i++) {
      const d = new Draft(this.view, this.cfg, this.clock());
      const result = fn(d);
      if (!d.hasChanges()) return { result, durable: this.store.settled() };
      const seq = this.view.seq;
      const reply = await this.store.transact(encodeDraft(d));
      const err = firstError(reply.results);
      if (!err) return { result, durable: reply.durable };
      if (err.index === 0 && err.error === 'timed out' && i < MAX_ATTEMPTS) {
        // Another writer got in first: wait until we see its commit, then recompute.
        this.retries++;
        if (this.view.seq === seq) await this.store.nextChange(250);
        continue;
      }
      if (err.index === 0) throw conflict('Conflict', 'The request conflicted with concurrent changes; retry it.');
      throw new ApiError(409, 'Conflict', `The northbound database refused the change: ${err.error}${err.details ? ` (${err.details})` : ''}`);
    }
  }

  /**
   * Creates what every write relies on, if missing: the NB_Global row (as
   * `ovn-nbctl init` would) carrying the generation, and the
   * neutron_pg_drop port group with its two drop ACLs.
   */
  async ensureBase(): Promise<void> {
    for (let i = 0; i < MAX_ATTEMPTS; i++) {
      if (!this.view.global.uuid) {
        await this.store.transact([{ op: 'insert', table: 'NB_Global', row: { external_ids: ['map', [[GENERATION_KEY, '0']]] } }]);
        continue;
      }
      if (!this.view.global.generation || !this.hasGeneration()) {
        await this.store.transact([{ op: 'mutate', table: 'NB_Global', where: [], mutations: [['external_ids', 'insert', ['map', [[GENERATION_KEY, '0']]]]] }]);
        continue;
      }
      if (!this.view.dropPg) {
        const b = new TxnBuilder();
        b.prepend(generationWait(this.view.global.uuid, this.view.global.generation));
        b.prepend(globalMutate(this.view.global.uuid, this.view.global.generation, { quotas: new Map(), agents: new Map() }));
        const acls = dropAcls().map((a) => ['named-uuid', (b.insert('ACL', a) as { named: string }).named]);
        b.insert('Port_Group', { name: DROP_PG, acls: ['set', acls], external_ids: ['map', []] });
        await this.store.transact(b.build());
        continue;
      }
      return;
    }
    throw new Error('could not initialize the northbound database (NB_Global, neutron_pg_drop)');
  }

  private hasGeneration(): boolean {
    const row = this.store.table('NB_Global').get(this.view.global.uuid!);
    const d = row?.columns.external_ids;
    return !!d && d.keys.includes(GENERATION_KEY);
  }
}
