/**
 * Bonds: one bundle over several interfaces (after OVS's ofproto/bond.c).
 *
 * A member *may be enabled* when its carrier is up and, with LACP, when
 * LACP allows it; it *is enabled* once that has held for `updelay` (or,
 * going down, stopped holding for `downdelay`).
 *
 * Transmit: active-backup uses the active member only — the primary when it
 * is enabled, else the current active member while it stays enabled, else
 * the first enabled member by name. balance-slb hashes (source MAC, VLAN)
 * into 256 buckets, each owned by an enabled member; buckets of a member
 * that goes down move to the others, and rebalancing is off when
 * `bond-rebalance-interval` is 0 (assignments are sticky).
 *
 * Receive (admissibility, checked by NORMAL): with LACP negotiated, only
 * frames on enabled members; with LACP configured but not negotiated,
 * nothing (unless lacp-fallback-ab); multicast only on the active member;
 * active-backup drops everything from backup members; balance-slb drops a
 * frame whose source MAC is learned on another port, since it is most
 * likely our own flood reflected back by the upstream switch.
 */
import type { Lacp } from './lacp.js';
import type { MacKey } from './fdb.js';
import { isMulticastMac } from './fdb.js';

export type BondMode = 'active-backup' | 'balance-slb' | 'balance-tcp';
export const BOND_BUCKETS = 256;

export interface BondSettings {
  name: string;
  mode: BondMode;
  primary: string | null;
  updelayMs: number;
  downdelayMs: number;
  rebalanceMs: number;
  lacpFallbackAb: boolean;
  basis: number;
}

interface Member {
  readonly name: string;
  ofport: number;
  mac: number;
  carrier: boolean;
  enabled: boolean;
  /** When the pending enable/disable takes effect (updelay/downdelay), or null. */
  pendingSince: number | null;
}

export class Bond {
  private readonly members = new Map<string, Member>();
  active: string | null = null;
  private buckets: (string | null)[] = new Array(BOND_BUCKETS).fill(null);

  constructor(public settings: BondSettings, public lacp: Lacp | null) {}

  get name(): string {
    return this.settings.name;
  }

  configureMember(name: string, ofport: number, mac: number, carrier: boolean): void {
    const m = this.members.get(name);
    if (m) { m.ofport = ofport; m.mac = mac; return; }
    this.members.set(name, { name, ofport, mac, carrier, enabled: false, pendingSince: null });
  }

  removeMember(name: string): void {
    this.members.delete(name);
    this.buckets = this.buckets.map((b) => (b === name ? null : b));
    if (this.active === name) this.active = null;
  }

  memberNames(): string[] {
    return [...this.members.keys()].sort();
  }

  setCarrier(name: string, up: boolean): void {
    const m = this.members.get(name);
    if (m) m.carrier = up;
    this.lacp?.setCarrier(name, up);
  }

  mayEnable(name: string): boolean {
    const m = this.members.get(name);
    if (!m || !m.carrier) return false;
    return this.lacp ? this.lacp.mayEnable(name) : true;
  }

  isEnabled(name: string): boolean {
    return this.members.get(name)?.enabled ?? false;
  }

  lacpStatus(): 'off' | 'configured' | 'negotiated' {
    return this.lacp ? this.lacp.status() : 'off';
  }

  /** Applies may_enable changes (with up/down delays) and re-chooses the active member. Returns true if anything changed. */
  run(now: number): boolean {
    let changed = false;
    for (const m of this.members.values()) {
      const may = this.mayEnable(m.name);
      if (may === m.enabled) { m.pendingSince = null; continue; }
      const delay = may ? this.settings.updelayMs : this.settings.downdelayMs;
      if (m.pendingSince === null) m.pendingSince = now;
      if (now - m.pendingSince >= delay) {
        m.enabled = may;
        m.pendingSince = null;
        changed = true;
      }
    }
    const before = this.active;
    this.chooseActive();
    if (before !== this.active) changed = true;
    if (changed) this.rehomeBuckets();
    return changed;
  }

  private chooseActive(): void {
    const p = this.settings.primary;
    if (p && this.members.get(p)?.enabled) { this.active = p; return; }
    if (this.active && this.members.get(this.active)?.enabled) return;
    this.active = this.memberNames().find((n) => this.members.get(n)!.enabled) ?? null;
  }

  private rehomeBuckets(): void {
    const enabled = this.memberNames().filter((n) => this.members.get(n)!.enabled);
    for (let i = 0; i < BOND_BUCKETS; i++) {
      const owner = this.buckets[i];
      if (owner && this.members.get(owner)?.enabled) continue;
      this.buckets[i] = enabled.length ? enabled[i % enabled.length]! : null;
    }
  }

  /** Forces a member up or down (`bond/enable-member`, `bond/disable-member`); false if no such member. */
  forceEnabled(name: string, enabled: boolean): boolean {
    const m = this.members.get(name);
    if (!m) return false;
    m.enabled = enabled;
    m.pendingSince = null;
    this.chooseActive();
    this.rehomeBuckets();
    return true;
  }

  /** Moves one hash bucket to a member (`bond/migrate`). */
  migrate(bucket: number, name: string): boolean {
    if (!this.members.has(name) || bucket < 0 || bucket >= BOND_BUCKETS) return false;
    this.buckets[bucket] = name;
    return true;
  }

  /** Sets the active member (`bond/set-active-member`); false if no such member. */
  setActive(name: string): boolean {
    if (!this.members.has(name)) return false;
    this.active = name;
    return true;
  }

  static hash(mac: MacKey, vlan: number, basis: number): number {
    // FNV-1a over the MAC bytes and VLAN; any good spread will do (the member choice is not part of the contract).
    let h = (2166136261 ^ basis) >>> 0;
    for (let i = 5; i >= 0; i--) h = Math.imul(h ^ (Math.floor(mac / 2 ** (8 * i)) & 0xff), 16777619) >>> 0;
    h = Math.imul(h ^ (vlan & 0xff), 16777619) >>> 0;
    h = Math.imul(h ^ (vlan >> 8), 16777619) >>> 0;
    return h;
  }

  /** The member a frame from `src` in `vlan` leaves on, as an OpenFlow port, or null if none is usable. */
  selectMember(src: MacKey, vlan: number): number | null {
    if (this.settings.mode === 'active-backup' || (this.lacpStatus() !== 'negotiated' && this.settings.mode === 'balance-tcp')) {
      return this.active ? this.members.get(this.active)!.ofport : null;
    }
    const b = Bond.hash(src, vlan, this.settings.basis) % BOND_BUCKETS;
    let owner = this.buckets[b];
    if (!owner || !this.members.get(owner)?.enabled) {
      this.rehomeBuckets();
      owner = this.buckets[b];
    }
    return owner ? this.members.get(owner)!.ofport : null;
  }

  /** Receive admissibility for a frame on member `ofport`; a drop reason or null. */
  admits(ofport: number, dst: MacKey, srcLearnedElsewhere: boolean): string | null {
    const m = [...this.members.values()].find((x) => x.ofport === ofport);
    if (!m) return 'bond: packet received on unknown member, dropping';
    const status = this.lacpStatus();
    if (status === 'negotiated') {
      return m.enabled || this.mayEnable(m.name) ? null : 'bond: packet received on disabled member, dropping';
    }
    if (status === 'configured' && !this.settings.lacpFallbackAb) return 'bond: LACP negotiation failed, dropping';
    if (isMulticastMac(dst) && this.active !== m.name) return 'bond: multicast received on inactive member, dropping';
    switch (this.settings.mode) {
      case 'balance-tcp':
      case 'active-backup':
        return this.active === m.name ? null : 'bond: packet received on inactive member, dropping';
      case 'balance-slb':
        return srcLearnedElsewhere ? 'bond: source MAC learned on another port (reflected packet?), dropping' : null;
    }
  }

  /** OFPP numbers of the members that may carry traffic. */
  enabledOfports(): number[] {
    return this.memberNames().filter((n) => this.members.get(n)!.enabled).map((n) => this.members.get(n)!.ofport);
  }

  show(formatMac: (m: number) => string): string {
    const s = this.settings;
    const out = [
      `---- ${s.name} ----`,
      `bond_mode: ${s.mode}`,
      `bond may use recirculation: no, Recirc-ID : -1`,
      `bond-hash-basis: ${s.basis}`,
      `lb_output action: disabled, bond-id: -1`,
    ];
    if (s.mode !== 'active-backup') out.push('all members active: false');
    out.push(`updelay: ${s.updelayMs} ms`, `downdelay: ${s.downdelayMs} ms`);
    if (s.mode !== 'active-backup' && s.rebalanceMs > 0) out.push(`next rebalance: ${s.rebalanceMs} ms`);
    out.push(`lacp_status: ${this.lacpStatus()}`, `lacp_fallback_ab: ${s.lacpFallbackAb}`);
    const primary = s.primary === null ? '<none>' : this.members.has(s.primary) ? s.primary : `${s.primary} (no such member)`;
    out.push(`active-backup primary: ${primary}`);
    if (this.active) out.push(`active member mac: ${formatMac(this.members.get(this.active)!.mac)}(${this.active})`);
    for (const n of this.memberNames()) {
      const m = this.members.get(n)!;
      out.push('', `member ${n}: ${m.enabled ? 'enabled' : 'disabled'}`);
      if (this.active === n) out.push('  active member');
      out.push(`  may_enable: ${this.mayEnable(n)}`);
    }
    return out.join('\n') + '\n';
  }
}
