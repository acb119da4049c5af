/**
 * MAC learning table (the "fdb"). Maps (VLAN, MAC) to the bundle (OVS
 * "port") on which the MAC was last seen as a source.
 *
 * - Multicast sources are never learned.
 * - Dynamic entries age out after `agingMs` without traffic; static entries
 *   (`fdb/add`) never age, and learning never moves them.
 * - When the table is full, a new entry evicts the least recently used
 *   entry of the bundle that holds the most entries, so one port flooding
 *   random source MACs cannot push everyone else out (OVS's fair eviction).
 * - `revision` increases whenever a change could alter a forwarding
 *   decision (new entry, move, removal). The datapath's megaflow cache
 *   compares it to decide when cached decisions must be revalidated;
 *   refreshing an entry's age does not change it.
 *
 * Every method takes `now` (milliseconds on the injected clock); nothing
 * here reads the wall clock.
 */
export type BundleId = number;
export type MacKey = number;   // 48-bit MAC as an integer (exact in a double)

export interface FdbEntry {
  readonly vlan: number;
  readonly mac: MacKey;
  bundle: BundleId;
  lastSeen: number;
  readonly isStatic: boolean;
}

export interface FdbStats {
  learned: number;
  expired: number;
  evicted: number;
  moved: number;
  staticAdded: number;
  staticDeleted: number;
}

export const DEFAULT_AGING_S = 300;
export const DEFAULT_MAX_ENTRIES = 8192;
export const MIN_MAX_ENTRIES = 10;

export function isMulticastMac(mac: MacKey): boolean {
  // The I/G bit is the least significant bit of the first octet.
  return Math.floor(mac / 2 ** 40) % 2 === 1;
}

export class Fdb {
  /** vlan -> mac -> entry. */
  private readonly byVlan = new Map<number, Map<MacKey, FdbEntry>>();
  private readonly perBundle = new Map<BundleId, number>();
  private count = 0;
  revision = 0;
  /**
   * Called whenever `revision` moves, with the MAC concerned (or null when
   * everything changed), so the datapath can invalidate the cached
   * decisions that depended on it.
   */
  onChange: ((mac: MacKey | null) => void) | null = null;
  readonly stats: FdbStats = { learned: 0, expired: 0, evicted: 0, moved: 0, staticAdded: 0, staticDeleted: 0 };

  constructor(public agingMs = DEFAULT_AGING_S * 1000, public maxEntries = DEFAULT_MAX_ENTRIES) {}

  get size(): number {
    return this.count;
  }

  get staticCount(): number {
    let n = 0;
    for (const e of this.entries()) if (e.isStatic) n++;
    return n;
  }

  setLimits(agingMs: number, maxEntries: number, now: number): void {
    this.agingMs = agingMs;
    this.maxEntries = Math.max(MIN_MAX_ENTRIES, maxEntries);
    while (this.count > this.maxEntries && this.evictOne()) { /* shrink */ }
    this.expire(now);
  }

  lookup(vlan: number, mac: MacKey, now: number): FdbEntry | undefined {
    const e = this.byVlan.get(vlan)?.get(mac);
    if (!e) return undefined;
    if (!e.isStatic && now - e.lastSeen >= this.agingMs) return undefined;   // expired, not yet swept
    return e;
  }

  /**
   * Records that `mac` was seen as a source on `bundle` in `vlan`. Returns
   * true if the table changed in a way that may alter forwarding.
   */
  learn(vlan: number, mac: MacKey, bundle: BundleId, now: number): boolean {
    if (isMulticastMac(mac)) return false;
    const table = this.byVlan.get(vlan);
    const e = table?.get(mac);
    if (e) {
      if (e.isStatic) return false;
      const expired = now - e.lastSeen >= this.agingMs;
      // Refreshing is a timestamp update only: eviction and fdb/show order by lastSeen.
      e.lastSeen = now;
      if (e.bundle === bundle && !expired) return false;
      if (e.bundle !== bundle) {
        this.bump(e.bundle, -1);
        this.bump(bundle, +1);
        e.bundle = bundle;
        this.stats.moved++;
      }
      this.changed(mac);
      return true;
    }
    this.insert({ vlan, mac, bundle, lastSeen: now, isStatic: false });
    this.stats.learned++;
    return true;
  }

  /** Adds or replaces a static entry (`fdb/add`). */
  addStatic(vlan: number, mac: MacKey, bundle: BundleId): void {
    this.remove(vlan, mac);
    this.insert({ vlan, mac, bundle, lastSeen: 0, isStatic: true });
    this.stats.staticAdded++;
  }

  /** Removes an entry (`fdb/del`); returns whether one was there. */
  remove(vlan: number, mac: MacKey): boolean {
    const table = this.byVlan.get(vlan);
    const e = table?.get(mac);
    if (!e) return false;
    table!.delete(mac);
    if (table!.size === 0) this.byVlan.delete(vlan);
    this.bump(e.bundle, -1);
    this.count--;
    if (e.isStatic) this.stats.staticDeleted++;
    this.changed(mac);
    return true;
  }

  /** Forgets every MAC learned on a bundle (the port was deleted or reconfigured). */
  flushBundle(bundle: BundleId): void {
    for (const e of [...this.entries()]) if (e.bundle === bundle) this.remove(e.vlan, e.mac);
  }

  /** Forgets every entry, static ones included (`fdb/flush`). */
  flush(): void {
    this.byVlan.clear();
    this.perBundle.clear();
    this.count = 0;
    this.changed(null);
  }

  /** Drops entries idle for the aging time. */
  expire(now: number): void {
    for (const e of [...this.entries()]) {
      if (!e.isStatic && now - e.lastSeen >= this.agingMs) {
        this.remove(e.vlan, e.mac);
        this.stats.expired++;
      }
    }
  }

  *entries(): Generator<FdbEntry> {
    for (const table of this.byVlan.values()) yield* table.values();
  }

  private insert(e: FdbEntry): void {
    if (this.count >= this.maxEntries) this.evictOne();
    let table = this.byVlan.get(e.vlan);
    if (!table) { table = new Map(); this.byVlan.set(e.vlan, table); }
    table.set(e.mac, e);
    this.bump(e.bundle, +1);
    this.count++;
    this.changed(e.mac);
  }

  /** Evicts the least recently used dynamic entry of the bundle with the most entries. */
  private evictOne(): boolean {
    let victimBundle: BundleId | undefined, most = 0;
    for (const [b, n] of this.perBundle) if (n > most) { most = n; victimBundle = b; }
    let oldest: FdbEntry | undefined;
    for (const e of this.entries()) {
      if (e.isStatic || e.bundle !== victimBundle) continue;
      if (!oldest || e.lastSeen < oldest.lastSeen) oldest = e;
    }
    if (!oldest) {
      for (const e of this.entries()) if (!e.isStatic && (!oldest || e.lastSeen < oldest.lastSeen)) oldest = e;
    }
    if (!oldest) return false;
    this.remove(oldest.vlan, oldest.mac);
    this.stats.evicted++;
    return true;
  }

  private changed(mac: MacKey | null): void {
    this.revision++;
    this.onChange?.(mac);
  }

  private bump(bundle: BundleId, by: number): void {
    const n = (this.perBundle.get(bundle) ?? 0) + by;
    if (n > 0) this.perBundle.set(bundle, n); else this.perBundle.delete(bundle);
  }
}
