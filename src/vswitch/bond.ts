/**
 * Bonds: one port over several interfaces, with the behaviour and appctl
 * output of Open vSwitch's ofproto/bond.c (the measure: partners, scripts
 * and operators see its choices).
 *
 * Members. A member *may be enabled* when its carrier is up and LACP (if
 * any) allows it; it *is enabled* once that has held for `updelay` (or,
 * going down, stopped holding for `downdelay`); a pending change shows in
 * `bond/show` as "updelay/downdelay expires in N ms". Enabled members form
 * a list in the order they were enabled: SLB hash buckets are handed out
 * round-robin from it.
 *
 * Active member (every mode has one; active-backup sends only through it):
 * the primary (active-backup, or lacp-fallback-ab) when enabled, else the
 * member that was active before (by MAC) if still enabled, else the first
 * enabled member; when none is enabled, the member whose updelay ends
 * first is enabled at once rather than leaving the bond dark.
 *
 * Transmit: active-backup — the active member. balance-slb — the frame's
 * source MAC and egress VID hash to one of 256 buckets; a bucket without a
 * usable member takes the next enabled member (round-robin) the first
 * time a frame needs it, and keeps it until that member is disabled or
 * rebalancing moves it. balance-tcp — needs LACP negotiated; an L3/L4 hash
 * of the flow picks the bucket, and every bucket is assigned up front (OVS
 * hands buckets to random members for the datapath's recirculation; we
 * spread them deterministically). With LACP configured but not negotiated
 * nothing is sent, unless lacp-fallback-ab makes the bond active-backup.
 *
 * Receive (admissibility): with LACP negotiated, frames on enabled (or
 * about to be enabled) members only; LACP configured and not negotiated:
 * nothing, unless falling back; balance-tcp without LACP: nothing.
 * Otherwise multicast is accepted on the active member only (unless
 * all-members-active), active-backup accepts nothing on backups, and
 * balance-slb drops a frame whose source MAC is learned on another port
 * (our own flood, reflected by the upstream switch).
 *
 * Learning packets: when the active member changes or a member is
 * disabled on an active-backup or balance-slb bond without LACP, the bond
 * asks for one gratuitous RARP per MAC learned elsewhere, sent on the
 * member that MAC now hashes to, so the upstream switch relearns where
 * those hosts are.
 *
 * Rebalancing (balance-slb/tcp with bond-rebalance-interval > 0): bytes
 * sent per bucket are counted (the datapath credits each bucket's counters
 * per packet); every interval, buckets move from the most to the least
 * loaded member while that narrows the gap by at least 10%, then every
 * bucket's count halves (a moving average).
 *
 * Time is integer milliseconds passed in by the caller; nothing reads a
 * clock. Bonds are listed by `bond/show` and `bond/list` in OVS's hash
 * table order of their names (`Bond.all()`).
 */
import type { RuleCounters } from './megaflow.js';
import type { Lacp } from './lacp.js';
import { isMulticastMac } from './fdb.js';
import { HashOrder, hashString, hashMac, hash5Tuple, hashInt, type FiveTuple } from './bond-hash.js';

export type BondMode = 'active-backup' | 'balance-slb' | 'balance-tcp';
export type LacpStatus = 'off' | 'configured' | 'negotiated';
export const BOND_BUCKETS = 256;
const BOND_MASK = BOND_BUCKETS - 1;

export interface BondSettings {
  name: string;
  mode: BondMode;
  updelayMs: number;
  downdelayMs: number;
  /** 0 disables rebalancing. */
  rebalanceMs: number;
  basis: number;
  lacpFallbackAb: boolean;
  /** Used only in active-backup mode or with lacp-fallback-ab. */
  primary: string | null;
  allMembersActive: boolean;
}

/** What a member's device tells the bond: carrier and MAC. */
export interface BondLink { readonly linkUp: boolean; readonly mac: number }

interface Member {
  readonly name: string;
  ofport: number;
  link: BondLink;
  enabled: boolean;
  mayEnable: boolean;
  isPrimary: boolean;
  /** When a pending enable/disable takes effect; Infinity when none is pending. */
  delayExpires: number;
  /** Rebalancing scratch: load and buckets, descending by load. */
  txBytes: number;
  entries: Entry[];
}

interface Entry {
  readonly index: number;
  member: Member | null;
  /** Load as rebalancing sees it (halved every run). */
  txBytes: number;
  /** Credited by the datapath for every packet sent through this bucket. */
  readonly counters: RuleCounters;
  /** counters.n_bytes already folded into txBytes. */
  seen: number;
}

/** A bond's choice of member for one frame. */
export interface BondChoice {
  readonly ofport: number;
  readonly counters?: RuleCounters;
  readonly fields?: readonly string[];
}

export type Verdict = 'accept' | 'drop' | 'drop-if-moved';

export interface LearningPacket { readonly ofport: number; readonly frame: Buffer }

const L4_FIELDS = ['dl_type', 'nw_src', 'nw_dst', 'nw_proto', 'tp_src', 'tp_dst'] as const;
const L4_FIELDS_V6 = ['dl_type', 'ipv6_src', 'ipv6_dst', 'nw_proto', 'tp_src', 'tp_dst'] as const;

let nextRecircId = 1;

export class Bond {
  private static readonly registry = new HashOrder<Bond>();
  /** Every live bond, in the order `bond/show` and `bond/list` print them. */
  static all(): Bond[] {
    return [...Bond.registry];
  }

  private readonly members = new Map<string, Member>();
  private enabledList: Member[] = [];
  private active: Member | null = null;
  private activeMac = 0;
  private s: BondSettings;
  private lacpState: LacpStatus = 'off';
  private revalidate = false;
  private pendingRevalidate = false;
  private hash: Entry[] | null = null;
  private nextRebalance = 0;
  private sendLearning = false;
  private recircId = 0;
  /** The port's LACP, when it runs LACP (the caller keeps it; the bond is told its status on every run). */
  lacp: Lacp | null = null;

  /** `owner` identifies the bridge, so several switches in one process list only their own bonds. */
  constructor(settings: BondSettings, now: number, readonly owner: unknown = null) {
    this.s = { ...settings, name: '' };
    this.reconfigure(settings, now);
    Bond.registry.insert(this, hashString(settings.name));
  }

  destroy(): void {
    Bond.registry.remove(this);
  }

  get name(): string {
    return this.s.name;
  }

  get settings(): Readonly<BondSettings> {
    return this.s;
  }

  /** Applies new settings; true when cached forwarding decisions must be revalidated. */
  reconfigure(s: BondSettings, now: number): boolean {
    const o = this.s;
    let revalidate = o.lacpFallbackAb !== s.lacpFallbackAb || o.rebalanceMs !== s.rebalanceMs || o.mode !== s.mode
      || o.basis !== s.basis || o.primary !== s.primary || this.pendingRevalidate;
    if (!o.name) revalidate = true;
    this.pendingRevalidate = false;
    this.s = { ...s, allMembersActive: s.mode === 'balance-slb' && s.allMembersActive };
    if (s.mode !== 'active-backup') { if (!this.recircId) this.recircId = nextRecircId++; }
    else this.recircId = 0;
    if (s.mode === 'active-backup' || !this.hash || revalidate) this.resetEntries(now);
    return revalidate;
  }

  /** Adds a member (enabled at once if its carrier is up) or refreshes it. */
  registerMember(name: string, ofport: number, link: BondLink): void {
    let m = this.members.get(name);
    if (!m) {
      m = { name, ofport, link, enabled: false, mayEnable: false, isPrimary: false, delayExpires: Infinity, txBytes: 0, entries: [] };
      this.members.set(name, m);
      this.pendingRevalidate = true;
      this.enableMember(m, link.linkUp);
    }
    m.ofport = ofport;
    m.link = link;
    m.isPrimary = this.s.primary === name;
  }

  unregisterMember(name: string): void {
    const m = this.members.get(name);
    if (!m) return;
    this.pendingRevalidate = true;
    this.enableMember(m, false);
    for (const e of this.hash ?? []) if (e.member === m) e.member = null;
    this.members.delete(name);
    if (this.active === m) {
      this.chooseActive();
      this.sendLearning = true;
    }
  }

  memberNames(): string[] {
    return [...this.members.keys()].sort();
  }

  hasMember(name: string): boolean {
    return this.members.has(name);
  }

  setMayEnable(name: string, may: boolean): void {
    const m = this.members.get(name);
    if (m) m.mayEnable = may;
  }

  /** Periodic work: link states (with delays), the active member. True when decisions must be revalidated. */
  run(now: number, lacp: LacpStatus): boolean {
    if (this.lacpState !== lacp) {
      this.lacpState = lacp;
      this.pendingRevalidate = true;
      if (this.fallingBackToAb() || !this.hash) this.resetEntries(now);
    }
    let primary: Member | null = null;
    for (const m of this.ordered()) {
      this.linkStatusUpdate(m, now);
      if (this.s.mode === 'active-backup' && m.isPrimary && m.enabled) primary = m;
    }
    if (!this.active || !this.active.enabled || (primary && this.active !== primary)) this.chooseActive();
    if (this.mayRecirc()) this.populateBuckets();
    const r = this.pendingRevalidate || this.revalidate;
    this.pendingRevalidate = false;
    this.revalidate = false;
    return r;
  }

  /** Earliest time `run` has a delay to serve. */
  nextWake(): number {
    let t = Infinity;
    for (const m of this.members.values()) t = Math.min(t, m.delayExpires);
    return t;
  }

  lacpStatus(): LacpStatus {
    return this.lacpState;
  }

  /** True once per request for learning packets (see the essay), when they may be sent. */
  takeLearningRequest(): boolean {
    const send = this.sendLearning && this.maySendLearningPackets();
    this.sendLearning = false;
    return send;
  }

  /** A gratuitous RARP from `mac` in `vlan` and the member it leaves on. */
  learningPacket(mac: number, vlan: number): LearningPacket | null {
    const m = this.chooseOutput({}, mac, vlan);
    if (!m) return null;
    const rarp = Buffer.alloc(42);
    rarp.writeUIntBE(0xffffffffffff, 0, 6);
    rarp.writeUIntBE(mac, 6, 6);
    rarp.writeUInt16BE(0x8035, 12);
    rarp.writeUInt16BE(1, 14); rarp.writeUInt16BE(0x0800, 16); rarp[18] = 6; rarp[19] = 4;
    rarp.writeUInt16BE(3, 20);   // RARP request
    rarp.writeUIntBE(mac, 22, 6);
    rarp.writeUIntBE(mac, 32, 6);
    const frame = vlan ? Buffer.concat([rarp.subarray(0, 12), Buffer.from([0x81, 0x00, vlan >> 8, vlan & 0xff]), rarp.subarray(12)]) : rarp;
    return { ofport: m.ofport, frame };
  }

  /** Whether a frame to `dst` received on member `ofport` may enter the bridge. */
  checkAdmissibility(ofport: number, dst: number): Verdict {
    const m = [...this.members.values()].find((x) => x.ofport === ofport);
    if (!m) return 'drop';
    switch (this.lacpState) {
      case 'negotiated': return m.enabled || m.mayEnable ? 'accept' : 'drop';
      case 'configured': if (!this.s.lacpFallbackAb) return 'drop'; break;
      case 'off': if (this.s.mode === 'balance-tcp') return 'drop'; break;
    }
    if (isMulticastMac(dst) && this.active !== m && !this.s.allMembersActive) return 'drop';
    switch (this.s.mode) {
      case 'balance-tcp':
        if (!this.s.lacpFallbackAb) return 'drop';
        return this.active === m ? 'accept' : 'drop';
      case 'active-backup':
        return this.active === m ? 'accept' : 'drop';
      case 'balance-slb':
        return 'drop-if-moved';
    }
  }

  /** The member a frame leaves on; `vid` is the VID it carries on the wire (0 untagged). */
  chooseOutputMember(flow: FiveTuple & { dl_src?: number }, vid: number): BondChoice | null {
    const m = this.chooseOutput(flow, flow.dl_src ?? 0, vid);
    if (!m) return null;
    if (this.s.mode === 'active-backup' || !this.hash || this.lacpState === 'configured') return { ofport: m.ofport };
    const e = this.entryFor(flow, flow.dl_src ?? 0, vid);
    const fields = this.s.mode === 'balance-tcp' ? (flow.dl_type === 0x86dd ? L4_FIELDS_V6 : L4_FIELDS) : undefined;
    return { ofport: m.ofport, counters: e.counters, ...(fields ? { fields } : {}) };
  }

  /** OFPP numbers of the enabled members. */
  enabledOfports(): number[] {
    return this.ordered().filter((m) => m.enabled).map((m) => m.ofport);
  }

  isEnabled(name: string): boolean {
    return this.members.get(name)?.enabled ?? false;
  }

  /** Moves load between members when due (balanced bonds only). True when buckets moved. */
  rebalance(now: number): boolean {
    if (!this.isBalanced() || now < this.nextRebalance) return false;
    this.nextRebalance = now + this.s.rebalanceMs;
    const hash = this.hash!;
    for (const e of hash) this.account(e, true);
    for (const m of this.members.values()) { m.txBytes = 0; m.entries = []; }
    const sorted = [...hash].sort((a, b) => b.txBytes - a.txBytes);
    for (const e of sorted) {
      if (e.member && e.txBytes) { e.member.txBytes += e.txBytes; e.member.entries.push(e); }
    }
    const bals: Member[] = [];
    for (const m of this.ordered()) if (m.enabled) insertBal(bals, m);
    let moved = false;
    while (bals.length > 1) {
      const from = bals[0]!, to = bals[bals.length - 1]!;
      const overload = from.txBytes - to.txBytes;
      if (overload < Math.floor(to.txBytes / 32) || overload < 100000) break;
      const migrate = chooseEntriesToMigrate(from, to.txBytes);
      if (!migrate.length) { bals.shift(); continue; }
      for (const e of migrate) {
        from.txBytes -= e.txBytes;
        to.txBytes += e.txBytes;
        e.member = to;
        from.entries.splice(from.entries.indexOf(e), 1);
        bals.splice(bals.indexOf(from), 1); insertBal(bals, from);
        bals.splice(bals.indexOf(to), 1); insertBal(bals, to);
      }
      moved = true;
      this.revalidate = true;
    }
    for (const e of hash) e.txBytes = Math.floor(e.txBytes / 2);
    return moved;
  }

  // ------------------------------------------------------------ appctl

  /** `bond/migrate`: the reply text, or an error. */
  migrate(hashText: string, name: string): { ok: string } | { error: string } {
    if (this.s.mode !== 'balance-slb') return { error: 'not an SLB bond' };
    if (!/^\d*$/.test(hashText)) return { error: 'bad hash' };
    const m = this.members.get(name);
    if (!m) return { error: 'no such member' };
    if (!m.enabled) return { error: 'cannot migrate to disabled member' };
    const bucket = (parseInt(hashText || '0', 10) | 0) & BOND_MASK;
    this.pendingRevalidate = true;
    if (this.hash) this.hash[bucket]!.member = m;
    return { ok: 'migrated' };
  }

  /** `bond/set-active-member`. */
  setActiveMember(name: string): { ok: string } | { error: string } {
    const m = this.members.get(name);
    if (!m) return { error: 'no such member' };
    if (!m.enabled) return { error: 'cannot make disabled member active' };
    if (this.active === m) return { ok: 'no change' };
    this.pendingRevalidate = true;
    this.active = m;
    this.sendLearning = true;
    this.activeMac = m.link.mac;
    return { ok: 'done' };
  }

  /** `bond/enable-member`, `bond/disable-member`: until the next link change or delay says otherwise. */
  forceEnable(name: string, enable: boolean): boolean {
    const m = this.members.get(name);
    if (!m) return false;
    this.enableMember(m, enable);
    return true;
  }

  /** `bond/show` for this bond. */
  show(now: number, formatMac: (m: number) => string): string {
    const s = this.s;
    const recirc = this.mayRecirc();
    const out = [
      `---- ${s.name} ----`,
      `bond_mode: ${s.mode}`,
      `bond may use recirculation: ${recirc ? 'yes' : 'no'}, Recirc-ID : ${recirc ? this.recircId : -1}`,
      `bond-hash-basis: ${s.basis}`,
      `lb_output action: disabled, bond-id: -1`,
    ];
    if (s.mode === 'balance-slb') out.push(`all members active: ${s.allMembersActive}`);
    out.push(`updelay: ${s.updelayMs} ms`, `downdelay: ${s.downdelayMs} ms`);
    const balanced = this.isBalanced();
    if (balanced) out.push(`next rebalance: ${this.nextRebalance - now} ms`);
    out.push(`lacp_status: ${this.lacpState}`, `lacp_fallback_ab: ${s.lacpFallbackAb}`);
    const foundPrimary = [...this.members.values()].some((m) => m.isPrimary);
    out.push(`active-backup primary: ${s.primary ?? '<none>'}${s.primary !== null && !foundPrimary ? ' (no such member)' : ''}`);
    const byMac = this.memberByMac(this.activeMac);
    out.push(`active member mac: ${formatMac(this.activeMac)}(${byMac ? byMac.name : 'none'})`);
    if (balanced && this.s.mode === 'balance-slb') for (const e of this.hash!) this.account(e, false);
    for (const n of this.memberNames()) {
      const m = this.members.get(n)!;
      out.push('', `member ${n}: ${m.enabled ? 'enabled' : 'disabled'}`);
      if (this.active === m) out.push('  active member');
      if (m.delayExpires !== Infinity) out.push(`  ${m.enabled ? 'downdelay' : 'updelay'} expires in ${m.delayExpires - now} ms`);
      out.push(`  may_enable: ${m.mayEnable}`);
      if (!balanced) continue;
      for (const e of this.hash!) {
        const k = Math.floor(e.txBytes / 1024);
        if (e.member === m && k) out.push(`  hash ${e.index}: ${k} kB load`);
      }
    }
    return out.join('\n') + '\n\n';
  }

  /** A `bond/list` row. */
  listRow(): string {
    return `${this.s.name}\t${this.s.mode}\t${this.recircId}\t${this.memberNames().join(', ')}\n`;
  }

  // ----------------------------------------------------------- internals

  /** Members in a stable order (by name): OVS walks a pointer-keyed hash table here. */
  private ordered(): Member[] {
    return this.memberNames().map((n) => this.members.get(n)!);
  }

  private memberByMac(mac: number): Member | null {
    return this.ordered().find((m) => m.link.mac === mac) ?? null;
  }

  private enableMember(m: Member, enable: boolean): void {
    m.delayExpires = Infinity;
    if (enable === m.enabled) return;
    this.pendingRevalidate = true;
    m.enabled = enable;
    if (enable) this.enabledList.push(m);
    else {
      this.sendLearning = true;
      this.enabledList = this.enabledList.filter((x) => x !== m);
    }
  }

  private linkStatusUpdate(m: Member, now: number): void {
    const up = m.link.linkUp && m.mayEnable;
    if ((up === m.enabled) !== (m.delayExpires === Infinity)) {
      if (up === m.enabled) m.delayExpires = Infinity;
      else m.delayExpires = now + (up ? this.s.updelayMs : this.s.downdelayMs);
    }
    if (now >= m.delayExpires) this.enableMember(m, up);
  }

  private chooseActive(): void {
    const old = this.active;
    this.active = this.chooseMember();
    if (this.active) {
      if (!this.active.enabled) this.enableMember(this.active, true);   // skip the rest of its updelay
      this.sendLearning = true;
      if (this.active !== old) this.activeMac = this.active.link.mac;
    } else if (old) {
      this.activeMac = 0;
    }
  }

  private chooseMember(): Member | null {
    const all = this.ordered();
    const primary = all.find((m) => m.isPrimary && m.enabled);
    if (primary) return primary;
    const last = this.memberByMac(this.activeMac);
    if (last?.enabled) return last;
    const enabled = all.find((m) => m.enabled);
    if (enabled) return enabled;
    let best: Member | null = null;
    for (const m of all) {
      if (m.delayExpires !== Infinity && m.mayEnable && (!best || m.delayExpires < best.delayExpires)) best = m;
    }
    return best;
  }

  /** The next enabled member, round-robin. */
  private nextEnabled(): Member | null {
    const m = this.enabledList.shift();
    if (!m) return null;
    this.enabledList.push(m);
    return m;
  }

  private chooseOutput(flow: FiveTuple, src: number, vid: number): Member | null {
    let mode = this.s.mode;
    if (this.lacpState === 'configured') {
      if (!this.s.lacpFallbackAb) return null;
      mode = 'active-backup';
    }
    if (mode === 'active-backup') return this.active;
    if (mode === 'balance-tcp' && this.lacpState !== 'negotiated') return null;
    if (!this.hash) return null;
    const e = this.entryFor(flow, src, vid);
    if (!e.member || !e.member.enabled) e.member = this.nextEnabled();
    return e.member;
  }

  private entryFor(flow: FiveTuple, src: number, vid: number): Entry {
    const h = this.s.mode === 'balance-tcp'
      // The datapath's own L4 hash of the packet, then the bond's basis (OVS's recirculation hash).
      ? hashInt(hash5Tuple(flow, 0), this.s.basis)
      : hashMac(src, vid, this.s.basis);
    return this.hash![h & BOND_MASK]!;
  }

  private isBalanced(): boolean {
    return this.s.rebalanceMs > 0 && this.s.mode !== 'active-backup' && !(this.s.lacpFallbackAb && this.lacpState === 'configured');
  }

  private fallingBackToAb(): boolean {
    return this.s.lacpFallbackAb && this.s.mode !== 'active-backup' && this.lacpState === 'configured';
  }

  private mayRecirc(): boolean {
    return this.s.mode === 'balance-tcp' && this.recircId !== 0 && !this.fallingBackToAb();
  }

  private maySendLearningPackets(): boolean {
    return ((this.lacpState === 'off' && this.s.mode !== 'balance-tcp') || (this.s.lacpFallbackAb && this.lacpState === 'configured'))
      && this.active !== null;
  }

  /** balance-tcp: every bucket gets a member up front, spread over all members (disabled ones yield to the active). */
  private populateBuckets(): void {
    const all = this.ordered();
    if (!this.hash || all.length === 0) return;
    for (const e of this.hash) {
      if (e.member && e.member.enabled) continue;
      let m: Member | null = all[hashInt(e.index, 0) % all.length]!;
      if (!m.enabled) m = this.active;
      e.member = m;
      this.revalidate = true;
    }
  }

  private resetEntries(now: number): void {
    if (this.s.mode !== 'active-backup' && !this.fallingBackToAb()) {
      if (!this.hash) {
        this.hash = Array.from({ length: BOND_BUCKETS }, (_, index) => ({
          index, member: null, txBytes: 0, counters: { n_packets: 0, n_bytes: 0, used: 0 }, seen: 0,
        }));
      }
      for (const e of this.hash) { e.member = null; e.txBytes = 0; e.seen = e.counters.n_bytes; }
      this.nextRebalance = now + this.s.rebalanceMs;
    } else {
      this.hash = null;
    }
  }

  /**
   * Folds bytes the datapath counted into a bucket's load. balance-slb
   * accounts as traffic flows; balance-tcp only when rebalancing (OVS reads
   * its post-recirculation rules' counters then).
   */
  private account(e: Entry, rebalancing: boolean): void {
    if (this.s.mode === 'balance-tcp' && !rebalancing) return;
    const delta = e.counters.n_bytes - e.seen;
    e.seen = e.counters.n_bytes;
    if (e.member && this.isBalanced()) e.txBytes += delta;
  }
}

/** Inserts `m` into `bals`, kept in descending order of load. */
function insertBal(bals: Member[], m: Member): void {
  const i = bals.findIndex((x) => m.txBytes > x.txBytes);
  if (i < 0) bals.push(m); else bals.splice(i, 0, m);
}

/**
 * Buckets to move from `from` (the most loaded) to a member carrying
 * `toBytes`, heaviest first, approaching the midpoint; nothing unless the
 * move improves the lighter side by at least 10% of the ideal shift.
 */
function chooseEntriesToMigrate(from: Member, toBytes: number): Entry[] {
  if (from.entries.length <= 1) return [];
  const ideal = Math.floor((from.txBytes + toBytes) / 2);
  const idealDelta = ideal - toBytes;
  const threshold = Math.floor(idealDelta / 10);
  const out: Entry[] = [];
  let delta = 0;
  for (const e of from.entries) {
    if (delta + e.txBytes <= idealDelta) { out.push(e); delta += e.txBytes; }
    if (idealDelta - delta < threshold) break;
  }
  if (!out.length) {
    const closest = from.entries[from.entries.length - 1]!;
    delta = closest.txBytes;
    out.push(closest);
  }
  const newLow = Math.min(from.txBytes - delta, toBytes + delta);
  return newLow > toBytes && newLow - toBytes >= threshold ? out : [];
}
