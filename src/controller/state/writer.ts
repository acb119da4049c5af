/**
 * The write path: request -> draft -> transaction -> commit, with
 * optimistic concurrency and group commit.
 *
 *   1. Writes in this process run one batch at a time. A batch is every
 *      request that arrived while the previous batch was committing (up to
 *      MAX_BATCH): they are applied one after another to one Draft, each
 *      seeing the changes of those before it, exactly as if they had run
 *      one by one, and committed as one transaction. The northbound
 *      database pays for a commit in proportion to the sets it changes (a
 *      switch's 10,000 ports, the default security group's port group), so
 *      sixteen port creates in one commit cost little more than one.
 *   2. Each request's model function changes the shared draft behind a
 *      savepoint; throwing refuses that request and rolls the draft back to
 *      the savepoint, so a refused request leaves nothing and the others of
 *      its batch are unaffected.
 *   3. The draft is encoded into one transaction guarded by the NB_Global
 *      generation (nb/global.ts). If another writer (a second controller on
 *      the same database) committed in between, the guard fails, the view
 *      catches up, and the batch is recomputed from scratch, a few times at
 *      most. If the database refuses the batch for any other reason, its
 *      requests are retried one by one, so only the culprit fails.
 *   4. The batch is released as soon as the commit is in (not when it is
 *      durable), so disk syncs overlap with the next batch; each reply
 *      waits for durability.
 * Because a model function may run more than once, it must only read and
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
/** Requests committed together at most (bounds a transaction's size and a batch's latency). */
const MAX_BATCH = 64;

type Outcome = { ok: true; result: unknown } | { ok: false; error: unknown };

interface Job {
  readonly fn: (d: Draft) => unknown;
  settle(outcome: Outcome, durable: Promise<void>): void;
}

function firstError(results: readonly unknown[]): { index: number; error: string; details: string } | null {
  for (let i = 0; i < results.length; i++) {
    const r = results[i] as { error?: unknown; details?: unknown } | null;
    if (r && typeof r === 'object' && typeof r.error === 'string') return { index: i, error: r.error, details: String(r.details ?? '') };
  }
  return null;
}

export class Writer {
  private readonly queue: Job[] = [];
  private draining = false;
  /** Transactions recomputed because another writer committed first (for tests and diagnostics). */
  retries = 0;
  /** Commits made, and requests they carried (for diagnostics: the mean batch size). */
  readonly stats = { commits: 0, requests: 0 };

  constructor(
    readonly view: View,
    readonly store: NbStore,
    readonly cfg: ControllerConfig,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  /** Runs `fn` against a draft and commits what it changed; resolves with its result once durable. */
  async write<T>(fn: (d: Draft) => T): Promise<T> {
    const { outcome, durable } = await new Promise<{ outcome: Outcome; durable: Promise<void> }>((resolve) => {
      this.queue.push({ fn, settle: (outcome, durable) => resolve({ outcome, durable }) });
      if (!this.draining) {
        this.draining = true;
        // Let every request already read from the network join the first batch.
        setImmediate(() => void this.drain());
      }
    });
    if (!outcome.ok) throw outcome.error;
    await durable;
    return outcome.result as T;
  }

  private async drain(): Promise<void> {
    try {
      while (this.queue.length) await this.commit(this.queue.splice(0, MAX_BATCH));
    } finally {
      this.draining = false;
    }
  }

  /** Commits `jobs` together; settles every one of them, whatever happens. */
  private async commit(jobs: readonly Job[]): Promise<void> {
    try {
      for (let i = 1; ; i++) {
        const d = new Draft(this.view, this.cfg, this.clock());
        const outcomes = jobs.map((job): Outcome => {
          const sp = d.savepoint();
          try {
            return { ok: true, result: job.fn(d) };
          } catch (error) {
            sp.rollback();
            return { ok: false, error };
          }
        });
        const settleAll = (durable: Promise<void>): void => jobs.forEach((job, k) => job.settle(outcomes[k]!, durable));
        if (!d.hasChanges()) { settleAll(this.store.settled()); return; }
        const seq = this.view.seq;
        const reply = await this.store.transact(encodeDraft(d));
        const err = firstError(reply.results);
        if (!err) {
          this.stats.commits++;
          this.stats.requests += outcomes.filter((o) => o.ok).length;
          settleAll(reply.durable);
          return;
        }
        if (err.index === 0 && err.error === 'timed out' && i < MAX_ATTEMPTS) {
          // Another writer got in first: wait until we see its commit, then recompute.
          this.retries++;
          if (this.view.seq === seq) await this.store.nextChange(250);
          continue;
        }
        if (jobs.length > 1) {
          for (const job of jobs) await this.commit([job]);
          return;
        }
        const error = err.index === 0
          ? conflict('Conflict', 'The request conflicted with concurrent changes; retry it.')
          : new ApiError(409, 'Conflict', `The northbound database refused the change: ${err.error}${err.details ? ` (${err.details})` : ''}`);
        jobs[0]!.settle({ ok: false, error }, Promise.resolve());
        return;
      }
    } catch (error) {
      // The store could not be reached (or the draft could not be encoded): every request fails alike.
      for (const job of jobs) job.settle({ ok: false, error }, Promise.resolve());
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
