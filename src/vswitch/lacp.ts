/**
 * LACP (IEEE 802.1AX link aggregation control) for one port, with the
 * behaviour and the appctl output of Open vSwitch's lib/lacp.c, which is the
 * measure (its LACPDUs, timers and `lacp/show` are what partners and
 * scripts see).
 *
 * Per member we keep what the partner last told us (`partner`), what the
 * partner last said it believes about us (`nttActor`: when that differs from
 * our actor information in a field the standard cares about, we transmit at
 * once — "need to transmit"), and two timers:
 *   - receive: a LACPDU makes the member `current` for 3 transmit periods of
 *     *our* lacp-time (3 s fast, 90 s slow). When it runs out the member is
 *     `expired`: the partner is asked to talk fast (its timeout bit is set in
 *     our copy) and no longer counted as in sync; 3 s later it is
 *     `defaulted` and its partner information is cleared.
 *   - transmit: a period that follows the *partner's* timeout bit (1 s when
 *     it asks for fast, else 30 s).
 * A new member starts `defaulted`; registering it (or changing its port id,
 * priority or key) while the bond is active or negotiated makes it
 * `expired`, so an active end starts talking fast at once.
 *
 * Selection runs only when something that matters changed (`update`): new
 * partner information, a member defaulted, added or removed, system id or
 * priority changed. Among members that are not defaulted, the lead is the
 * best by (usable, priority), where priority is the (system priority,
 * system id, port priority, port id) of whichever end of the member's link
 * has the better system priority; members whose partner has the lead's
 * system and key are `attached`. A member may carry traffic when attached
 * and its partner reports itself in sync — or, with lacp-fallback-ab, when
 * it is defaulted (no lead exists then). An expired member keeps its
 * attachment until the next selection but loses sync, so it carries
 * nothing.
 *
 * The aggregation key of every member is that of the *key member* (the
 * first registered): its configured key, else its port id.
 *
 * Pure: methods take `now` (integer milliseconds) and `run` returns the
 * LACPDUs to send; the caller owns clocks and devices. LACP objects are
 * listed by `lacp/show` in creation order (`Lacp.all()`).
 */
export const LACP_STATE = {
  activity: 0x01, timeout: 0x02, aggregation: 0x04, synchronized: 0x08,
  collecting: 0x10, distributing: 0x20, defaulted: 0x40, expired: 0x80,
} as const;

export const LACP_FAST_TX_MS = 1000;
export const LACP_SLOW_TX_MS = 30000;
const RX_MULTIPLIER = 3;
/** Bytes of a version 1 LACPDU after the EtherType (802.1AX §6.4.2.3). */
const LACPDU_LEN = 110;
const ETH_HEADER = 14;
const SLOW_PROTOCOLS = 0x8809;
/** State bits whose change makes us transmit at once (with ids, priorities and key). */
const NTT_STATE = LACP_STATE.activity | LACP_STATE.timeout | LACP_STATE.synchronized | LACP_STATE.aggregation;

export interface LacpInfo {
  sysId: number;          // 48-bit MAC
  sysPriority: number;
  portId: number;
  portPriority: number;
  key: number;
  state: number;
}

/** A received or transmitted LACPDU's two information blocks. */
export interface LacpPdu {
  actor: LacpInfo;
  partner: LacpInfo;
}

export interface LacpSettings {
  name: string;
  sysId: number;
  sysPriority: number;
  active: boolean;
  fast: boolean;
  fallbackAb: boolean;
}

export interface MemberSettings {
  portId: number;
  portPriority: number;
  /** Configured aggregation key; 0 = the key member's port id. */
  key: number;
}

export interface LacpTransmit { readonly member: string; readonly pdu: LacpPdu }

type Status = 'current' | 'expired' | 'defaulted';

interface Member {
  readonly name: string;
  settings: MemberSettings;
  status: Status;
  attached: boolean;
  carrierUp: boolean;
  partner: LacpInfo;
  nttActor: LacpInfo;
  /** Deadlines in ms; 0 = already expired. */
  txAt: number;
  rxAt: number;
  rxPdus: number;
  rxBadPdus: number;
  rxMarkers: number;
  txPdus: number;
  linkExpired: number;
  linkDefaulted: number;
  carrierChanged: number;
}

const NO_INFO: LacpInfo = Object.freeze({ sysId: 0, sysPriority: 0, portId: 0, portPriority: 0, key: 0, state: 0 });

export class Lacp {
  private static readonly registry: Lacp[] = [];
  /** Every live LACP object, in creation order (the order `lacp/show` lists them). */
  static all(): readonly Lacp[] {
    return Lacp.registry;
  }

  private readonly members = new Map<string, Member>();
  private keyMember: Member | null = null;
  private update = false;
  negotiated = false;
  private s!: LacpSettings;

  /** `owner` identifies the bridge, so several switches in one process list only their own. */
  constructor(settings: LacpSettings, readonly owner: unknown = null) {
    this.configure(settings);
    Lacp.registry.push(this);
  }

  /** Forgets this object (its port left LACP or went away). */
  destroy(): void {
    const i = Lacp.registry.indexOf(this);
    if (i >= 0) Lacp.registry.splice(i, 1);
  }

  get settings(): Readonly<LacpSettings> {
    return this.s;
  }

  get name(): string {
    return this.s.name;
  }

  configure(s: LacpSettings): void {
    const old = this.s as LacpSettings | undefined;
    if (!old || old.sysId !== s.sysId || old.sysPriority !== s.sysPriority || old.fallbackAb !== s.fallbackAb) this.update = true;
    this.s = { ...s };
  }

  /** Adds a member, or updates its settings (a change re-expires it on an active or negotiated end). */
  registerMember(name: string, s: MemberSettings, now: number): void {
    let m = this.members.get(name);
    if (!m) {
      m = {
        name, settings: { portId: 0, portPriority: 0, key: 0 }, status: 'defaulted', attached: false, carrierUp: false,
        partner: { ...NO_INFO }, nttActor: { ...NO_INFO }, txAt: 0, rxAt: 0,
        rxPdus: 0, rxBadPdus: 0, rxMarkers: 0, txPdus: 0, linkExpired: 0, linkDefaulted: 0, carrierChanged: 0,
      };
      this.members.set(name, m);
      this.setDefaulted(m);
      this.keyMember ??= m;
    }
    const o = m.settings;
    if (o.portId !== s.portId || o.portPriority !== s.portPriority || o.key !== s.key) {
      m.settings = { ...s };
      this.update = true;
      if (this.s.active || this.negotiated) this.setExpired(m, now);
    }
  }

  unregisterMember(name: string): void {
    const m = this.members.get(name);
    if (!m) return;
    this.members.delete(name);
    this.update = true;
    if (this.keyMember === m) this.keyMember = this.members.values().next().value ?? null;
  }

  memberNames(): string[] {
    return [...this.members.keys()];
  }

  /** The member's carrier changed (devices that report carrier resets only). */
  carrierChanged(name: string, up: boolean, now: number): void {
    const m = this.members.get(name);
    if (!m) return;
    if (m.status === 'current' || this.s.active) this.setExpired(m, now);
    if (m.carrierUp !== up) { m.carrierUp = up; m.carrierChanged++; }
  }

  /**
   * Processes a Slow Protocols frame received on `name` (Ethernet header
   * included). Returns whether the member may now be enabled.
   */
  processPacket(name: string, frame: Buffer, now: number): boolean {
    const m = this.members.get(name);
    if (!m) return false;
    m.rxPdus++;
    const parsed = parseLacpFrame(frame);
    if (parsed === 'marker') { m.rxMarkers++; return false; }
    if (parsed === null) { m.rxBadPdus++; return false; }
    // A PDU that arrives while the carrier is still reported down is not trusted.
    if (!m.carrierUp) return false;
    m.status = 'current';
    m.rxAt = now + RX_MULTIPLIER * (this.s.fast ? LACP_FAST_TX_MS : LACP_SLOW_TX_MS);
    m.nttActor = parsed.partner;
    if (!sameInfo(m.partner, parsed.actor)) {
      this.update = true;
      m.partner = parsed.actor;
    }
    return this.memberMayEnable(m);
  }

  /** Advances timers, re-selects if needed, and returns the LACPDUs due now. */
  run(now: number): LacpTransmit[] {
    for (const m of this.members.values()) {
      if (now < m.rxAt) continue;
      if (m.status === 'current') { this.setExpired(m, now); m.linkExpired++; }
      else if (m.status === 'expired') { this.setDefaulted(m); m.linkDefaulted++; }
    }
    if (this.update) this.select();
    const out: LacpTransmit[] = [];
    for (const m of this.members.values()) {
      if (!this.mayTransmit(m)) continue;
      const actor = this.actorInfo(m);
      if (now < m.txAt && nttEqual(actor, m.nttActor)) continue;
      m.nttActor = actor;
      m.txPdus++;
      m.txAt = now + (m.partner.state & LACP_STATE.timeout ? LACP_FAST_TX_MS : LACP_SLOW_TX_MS);
      out.push({ member: m.name, pdu: { actor, partner: { ...m.partner } } });
    }
    return out;
  }

  /** Earliest time `run` has a timer to serve. */
  nextWake(): number {
    let t = Infinity;
    for (const m of this.members.values()) {
      if (this.mayTransmit(m)) t = Math.min(t, m.txAt);
      if (m.status !== 'defaulted') t = Math.min(t, m.rxAt);
    }
    return t;
  }

  /** Whether the member may carry traffic; asked only while its carrier is up (which it then records). */
  mayEnable(name: string): boolean {
    const m = this.members.get(name);
    if (!m) return false;
    m.carrierUp = true;
    return this.memberMayEnable(m);
  }

  isCurrent(name: string): boolean {
    const m = this.members.get(name);
    return m ? m.status !== 'defaulted' : false;
  }

  status(): 'negotiated' | 'configured' {
    return this.negotiated ? 'negotiated' : 'configured';
  }

  /** The aggregation key all members advertise. */
  get key(): number | null {
    const k = this.keyMember;
    return k ? k.settings.key || k.settings.portId : null;
  }

  private memberMayEnable(m: Member): boolean {
    return m.attached && ((m.partner.state & LACP_STATE.synchronized) !== 0 || (this.s.fallbackAb && m.status === 'defaulted'));
  }

  private mayTransmit(m: Member): boolean {
    return m.carrierUp && (this.s.active || m.status !== 'defaulted');
  }

  private setDefaulted(m: Member): void {
    m.partner = { ...NO_INFO };
    m.status = 'defaulted';
    this.update = true;
  }

  private setExpired(m: Member, now: number): void {
    m.status = 'expired';
    m.partner = { ...m.partner, state: (m.partner.state | LACP_STATE.timeout) & ~LACP_STATE.synchronized };
    m.rxAt = now + RX_MULTIPLIER * LACP_FAST_TX_MS;
  }

  /** Chooses the lead member and which members are attached (see the essay). */
  private select(): void {
    this.update = false;
    // A member that is current and attached already: only partners of the same system may join it.
    let leadCurrent: Member | null = null;
    let leadPri: number[] = [];
    for (const m of this.members.values()) {
      if (m.status !== 'current' || !m.attached) continue;
      const pri = this.priority(m);
      if (!leadCurrent || comparePri(pri, leadPri) < 0) { leadCurrent = m; leadPri = pri; }
    }
    let lead: Member | null = leadCurrent;
    let leadEnable = leadCurrent !== null;
    for (const m of this.members.values()) {
      m.attached = false;
      if (m.partner.sysId === this.s.sysId) continue;   // looped back to ourselves
      if (m.status === 'defaulted') { m.attached = this.s.fallbackAb; continue; }
      const pri = this.priority(m);
      const enable = this.memberMayEnable(m);
      if (!leadCurrent || m.partner.sysId === leadCurrent.partner.sysId) m.attached = true;
      if (m.attached && (!lead || (enable && !leadEnable) || (enable === leadEnable && comparePri(pri, leadPri) < 0))) {
        lead = m; leadEnable = enable; leadPri = pri;
      }
    }
    this.negotiated = lead !== null;
    if (!lead) return;
    for (const m of this.members.values()) {
      if ((this.s.fallbackAb && m.status === 'defaulted') || m.partner.key !== lead.partner.key || m.partner.sysId !== lead.partner.sysId) {
        m.attached = false;
      }
    }
  }

  /** The link's priority: the better system's (priority, id, port priority, port id); lower is better. */
  private priority(m: Member): number[] {
    const ours = this.s.sysPriority, theirs = m.partner.sysPriority;
    const useActor = ours < theirs || (ours === theirs && this.s.sysId < m.partner.sysId);
    const i = useActor ? this.actorInfo(m) : m.partner;
    return [i.sysPriority, i.sysId, i.portPriority, i.portId];
  }

  private actorInfo(m: Member): LacpInfo {
    let state = 0;
    if (this.s.active) state |= LACP_STATE.activity;
    if (this.s.fast) state |= LACP_STATE.timeout;
    if (m.attached) state |= LACP_STATE.synchronized;
    if (m.status === 'defaulted') state |= LACP_STATE.defaulted;
    if (m.status === 'expired') state |= LACP_STATE.expired;
    if (this.members.size > 1) state |= LACP_STATE.aggregation;
    if (m.attached || !this.negotiated) state |= LACP_STATE.collecting | LACP_STATE.distributing;
    return {
      sysId: this.s.sysId, sysPriority: this.s.sysPriority, portId: m.settings.portId,
      portPriority: m.settings.portPriority, key: this.key ?? 0, state,
    };
  }

  /** `lacp/show` for this object. */
  show(formatMac: (m: number) => string): string {
    const s = this.s;
    const out = [
      `---- ${s.name} ----`,
      `  status: ${s.active ? 'active' : 'passive'}${this.negotiated ? ' negotiated' : ''}`,
      `  sys_id: ${formatMac(s.sysId)}`,
      `  sys_priority: ${s.sysPriority}`,
      `  aggregation key: ${this.key ?? 'none'}`,
      `  lacp_time: ${s.fast ? 'fast' : 'slow'}`,
    ];
    for (const m of this.sortedMembers()) {
      const a = this.actorInfo(m), p = m.partner;
      out.push(
        '',
        `member: ${m.name}: ${m.status} ${m.attached ? 'attached' : 'detached'}`,
        `  port_id: ${m.settings.portId}`,
        `  port_priority: ${m.settings.portPriority}`,
        `  may_enable: ${this.memberMayEnable(m)}`,
        '',
        `  actor sys_id: ${formatMac(a.sysId)}`,
        `  actor sys_priority: ${a.sysPriority}`,
        `  actor port_id: ${a.portId}`,
        `  actor port_priority: ${a.portPriority}`,
        `  actor key: ${a.key}`,
        `  actor state:${stateWords(a.state)}`,
        '',
        `  partner sys_id: ${formatMac(p.sysId)}`,
        `  partner sys_priority: ${p.sysPriority}`,
        `  partner port_id: ${p.portId}`,
        `  partner port_priority: ${p.portPriority}`,
        `  partner key: ${p.key}`,
        `  partner state:${stateWords(p.state)}`,
      );
    }
    return out.join('\n') + '\n';
  }

  /** `lacp/show-stats` for this object. */
  showStats(): string {
    const out = [`---- ${this.s.name} statistics ----`];
    for (const m of this.sortedMembers()) {
      out.push('', `member: ${m.name}:`, `  TX PDUs: ${m.txPdus}`, `  RX PDUs: ${m.rxPdus}`, `  RX Bad PDUs: ${m.rxBadPdus}`,
        `  RX Marker Request PDUs: ${m.rxMarkers}`, `  Link Expired: ${m.linkExpired}`, `  Link Defaulted: ${m.linkDefaulted}`,
        `  Carrier Status Changed: ${m.carrierChanged}`);
    }
    return out.join('\n') + '\n';
  }

  private sortedMembers(): Member[] {
    return [...this.members.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

function sameInfo(a: LacpInfo, b: LacpInfo): boolean {
  return a.sysId === b.sysId && a.sysPriority === b.sysPriority && a.portId === b.portId
    && a.portPriority === b.portPriority && a.key === b.key && a.state === b.state;
}

function nttEqual(a: LacpInfo, b: LacpInfo): boolean {
  return ((a.state ^ b.state) & NTT_STATE) === 0 && a.portId === b.portId && a.portPriority === b.portPriority
    && a.key === b.key && a.sysPriority === b.sysPriority && a.sysId === b.sysId;
}

function comparePri(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

function stateWords(state: number): string {
  return Object.entries(LACP_STATE).filter(([, bit]) => state & bit).map(([w]) => ` ${w}`).join('');
}

/** Encodes an LACPDU frame (IEEE 802.1AX §6.4.2.3) from `src` to the Slow Protocols group address. */
export function encodeLacpdu(src: number, pdu: LacpPdu): Buffer {
  const f = Buffer.alloc(ETH_HEADER + LACPDU_LEN);
  f.writeUIntBE(0x0180c2000002, 0, 6);
  f.writeUIntBE(src, 6, 6);
  f.writeUInt16BE(SLOW_PROTOCOLS, 12);
  let o = ETH_HEADER;
  f[o++] = 1;   // subtype: LACP
  f[o++] = 1;   // version
  for (const [tlv, info] of [[1, pdu.actor], [2, pdu.partner]] as const) {
    f[o] = tlv; f[o + 1] = 20;
    f.writeUInt16BE(info.sysPriority, o + 2);
    f.writeUIntBE(info.sysId, o + 4, 6);
    f.writeUInt16BE(info.key, o + 10);
    f.writeUInt16BE(info.portPriority, o + 12);
    f.writeUInt16BE(info.portId, o + 14);
    f[o + 16] = info.state;
    o += 20;
  }
  f[o] = 3; f[o + 1] = 16;   // collector: max delay 0; then terminator and reserved, all zero
  return f;
}

/**
 * Reads a Slow Protocols frame the way Open vSwitch accepts it: 110 bytes
 * after the Ethernet header, subtype 1 with actor and partner TLVs of type
 * 1 and 2 and length 20 (the collector and terminator are not checked).
 * Subtype 2 is a marker PDU; anything else is a bad PDU (null).
 */
export function parseLacpFrame(f: Buffer): LacpPdu | 'marker' | null {
  let l3 = ETH_HEADER;
  if (f.length >= 18 && (f.readUInt16BE(12) === 0x8100 || f.readUInt16BE(12) === 0x88a8)) l3 = 18;
  if (f.length < l3 + LACPDU_LEN) return null;
  if (f[l3] === 2) return 'marker';
  if (f[l3] !== 1 || f[l3 + 2] !== 1 || f[l3 + 3] !== 20 || f[l3 + 22] !== 2 || f[l3 + 23] !== 20) return null;
  const info = (o: number): LacpInfo => ({
    sysPriority: f.readUInt16BE(o), sysId: f.readUIntBE(o + 2, 6), key: f.readUInt16BE(o + 8),
    portPriority: f.readUInt16BE(o + 10), portId: f.readUInt16BE(o + 12), state: f[o + 14]!,
  });
  return { actor: info(l3 + 4), partner: info(l3 + 24) };
}

/** Decodes an LACPDU frame; null when it is not one Open vSwitch would accept. */
export function decodeLacpdu(f: Buffer): LacpPdu | null {
  const p = parseLacpFrame(f);
  return p === 'marker' ? null : p;
}
