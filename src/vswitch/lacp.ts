/**
 * LACP (IEEE 802.1AX link aggregation control), per bond, after the model
 * Open vSwitch implements in lib/lacp.c.
 *
 * Each member keeps what it last heard from its partner. A received LACPDU
 * makes the member `current` and arms its receive timer (3 transmit periods
 * of our lacp-time: 3 s fast, 90 s slow). When the timer runs out the member
 * becomes `expired`: the partner is no longer trusted to be in sync and is
 * asked to talk fast; if nothing arrives within 3 s more the member is
 * `defaulted`: partner information is cleared.
 *
 * Selection: among members whose partner is known (not defaulted), the one
 * with the best (partner system priority, partner system id, port priority,
 * port id) leads, and the bond is negotiated; members whose partner has the
 * lead's system and key are `attached`. A member may carry traffic only when
 * attached and its partner reports itself in sync. With lacp-fallback-ab,
 * defaulted members stay attached and usable, so a bond whose negotiation
 * failed keeps working (as active-backup).
 *
 * Pure: methods take `now` and return what to transmit; the caller owns
 * timers and sockets. Actor state bits follow OVS (collecting and
 * distributing are advertised while attached or while nothing is
 * negotiated; aggregation only with more than one member).
 */
export const LACP_STATE = {
  activity: 0x01, timeout: 0x02, aggregation: 0x04, synchronized: 0x08,
  collecting: 0x10, distributing: 0x20, defaulted: 0x40, expired: 0x80,
} as const;

export const LACP_FAST_TX_MS = 1000;
export const LACP_SLOW_TX_MS = 30000;
const RX_MULTIPLIER = 3;

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
  key: number;
}

type Status = 'current' | 'expired' | 'defaulted';

interface Member {
  readonly name: string;
  settings: MemberSettings;
  status: Status;
  partner: LacpInfo;
  attached: boolean;
  carrier: boolean;
  rxDeadline: number;
  /** When we last sent; the period follows the partner's timeout bit, re-read every run. */
  lastTx: number;
  /** Send at the next run regardless of the period (the partner misreads us). */
  txNow: boolean;
  rxBadPdus: number;
  rxPdus: number;
  txPdus: number;
}

const NO_PARTNER: LacpInfo = Object.freeze({ sysId: 0, sysPriority: 0, portId: 0, portPriority: 0, key: 0, state: 0 });

export class Lacp {
  private readonly members = new Map<string, Member>();
  negotiated = false;

  constructor(public settings: LacpSettings) {}

  /** Adds or updates a member; a new member starts expired, as if its partner had just gone quiet. */
  configureMember(name: string, s: MemberSettings, now: number): void {
    const m = this.members.get(name);
    if (m) { m.settings = s; return; }
    this.members.set(name, {
      name, settings: s, status: 'expired', partner: { ...NO_PARTNER }, attached: false, carrier: true,
      // A new member is as if its partner had just gone quiet: expired, then defaulted after 3 s.
      rxDeadline: now + RX_MULTIPLIER * LACP_FAST_TX_MS, lastTx: -Infinity, txNow: true, rxBadPdus: 0, rxPdus: 0, txPdus: 0,
    });
    this.select();
  }

  removeMember(name: string): void {
    this.members.delete(name);
    this.select();
  }

  memberNames(): string[] {
    return [...this.members.keys()];
  }

  setCarrier(name: string, up: boolean): void {
    const m = this.members.get(name);
    if (!m || m.carrier === up) return;
    m.carrier = up;
    if (!up) { m.status = 'defaulted'; m.partner = { ...NO_PARTNER }; }
    this.select();
  }

  private rxTimeout(): number {
    return RX_MULTIPLIER * (this.settings.fast ? LACP_FAST_TX_MS : LACP_SLOW_TX_MS);
  }

  /** Processes a received LACPDU; returns true if the member's usability may have changed. */
  receive(name: string, pdu: LacpPdu | null, now: number): boolean {
    const m = this.members.get(name);
    if (!m) return false;
    if (!pdu) { m.rxBadPdus++; return false; }
    m.rxPdus++;
    const before = this.snapshot();
    m.status = 'current';
    m.partner = { ...pdu.actor };
    m.rxDeadline = now + this.rxTimeout();
    // A partner that does not hear us correctly, or wants fast updates, gets an answer soon.
    const us = this.actorInfo(m);
    if (pdu.partner.state !== us.state || pdu.partner.portId !== us.portId || pdu.partner.sysId !== us.sysId) m.txNow = true;
    this.select();
    return before !== this.snapshot();
  }

  /** Advances timers; returns the PDUs to send now and whether usability changed. */
  run(now: number): { transmit: { member: string; pdu: LacpPdu }[]; changed: boolean } {
    const before = this.snapshot();
    for (const m of this.members.values()) {
      if (m.carrier && now >= m.rxDeadline) {
        if (m.status === 'current') {
          // Ask the partner to talk fast, and stop trusting that it is in sync.
          m.status = 'expired';
          m.partner = { ...m.partner, state: (m.partner.state | LACP_STATE.timeout) & ~LACP_STATE.synchronized };
          m.rxDeadline = now + RX_MULTIPLIER * LACP_FAST_TX_MS;
        } else if (m.status === 'expired') {
          m.status = 'defaulted';
          m.partner = { ...NO_PARTNER };
        }
      }
    }
    this.select();
    const transmit: { member: string; pdu: LacpPdu }[] = [];
    for (const m of this.members.values()) {
      if (!m.carrier) continue;
      // A passive actor speaks only once it has heard an active partner.
      if (!this.settings.active && !(m.partner.state & LACP_STATE.activity)) continue;
      const period = m.partner.state & LACP_STATE.timeout ? LACP_FAST_TX_MS : LACP_SLOW_TX_MS;
      if (!m.txNow && now < m.lastTx + period) continue;
      m.txNow = false;
      m.lastTx = now;
      m.txPdus++;
      transmit.push({ member: m.name, pdu: { actor: this.actorInfo(m), partner: { ...m.partner } } });
    }
    return { transmit, changed: before !== this.snapshot() };
  }

  /** Earliest time `run` has something to do. */
  nextWake(): number {
    let t = Infinity;
    for (const m of this.members.values()) {
      const period = m.partner.state & LACP_STATE.timeout ? LACP_FAST_TX_MS : LACP_SLOW_TX_MS;
      t = Math.min(t, m.txNow ? 0 : m.lastTx + period, m.status === 'defaulted' ? Infinity : m.rxDeadline);
    }
    return t;
  }

  mayEnable(name: string): boolean {
    const m = this.members.get(name);
    if (!m || !m.carrier) return false;
    const inSync = (m.partner.state & LACP_STATE.synchronized) !== 0;
    return m.attached && (inSync || (this.settings.fallbackAb && m.status === 'defaulted'));
  }

  /** The bond's LACP status as bond/show prints it. */
  status(): 'negotiated' | 'configured' {
    return this.negotiated ? 'negotiated' : 'configured';
  }

  /** The bond's aggregation key: that of the lowest-numbered member (OVS shows one key per bond). */
  get key(): number {
    const ms = [...this.members.values()].sort((a, b) => a.settings.portId - b.settings.portId);
    return ms[0]?.settings.key ?? 0;
  }

  private select(): void {
    let lead: Member | undefined;
    for (const m of this.members.values()) {
      m.attached = false;
      if (!m.carrier) continue;
      if (m.partner.sysId === this.settings.sysId && m.partner.sysId !== 0) continue;   // looped back to ourselves
      if (m.status === 'defaulted') { m.attached = this.settings.fallbackAb; continue; }
      m.attached = true;
      if (!lead || better(m, lead)) lead = m;
    }
    this.negotiated = lead !== undefined;
    if (!lead) return;
    for (const m of this.members.values()) {
      if (m.partner.sysId !== lead.partner.sysId || m.partner.key !== lead.partner.key) m.attached = false;
    }
  }

  private snapshot(): string {
    return [...this.members.values()].map((m) => `${m.name}:${this.mayEnable(m.name)}`).join(',') + `|${this.negotiated}`;
  }

  actorInfo(m: Member): LacpInfo {
    let state = LACP_STATE.aggregation * Number(this.members.size > 1);
    if (this.settings.active) state |= LACP_STATE.activity;
    if (this.settings.fast) state |= LACP_STATE.timeout;
    if (m.attached) state |= LACP_STATE.synchronized;
    if (m.status === 'defaulted') state |= LACP_STATE.defaulted;
    if (m.status === 'expired') state |= LACP_STATE.expired;
    if (m.attached || !this.negotiated) state |= LACP_STATE.collecting | LACP_STATE.distributing;
    return { sysId: this.settings.sysId, sysPriority: this.settings.sysPriority, portId: m.settings.portId, portPriority: m.settings.portPriority, key: m.settings.key, state };
  }

  /** `lacp/show` for this bond. */
  show(formatMac: (m: number) => string): string {
    const s = this.settings;
    const out = [
      `---- ${s.name} ----`,
      `  status: ${s.active ? 'active' : 'passive'}${this.negotiated ? ' negotiated' : ''}`,
      `  sys_id: ${formatMac(s.sysId)}`,
      `  sys_priority: ${s.sysPriority}`,
      `  aggregation key: ${this.key}`,
      `  lacp_time: ${s.fast ? 'fast' : 'slow'}`,
    ];
    const members = [...this.members.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const m of members) {
      const a = this.actorInfo(m), p = m.partner;
      out.push(
        '',
        `member: ${m.name}: ${m.status} ${m.attached ? 'attached' : 'detached'}`,
        `  port_id: ${m.settings.portId}`,
        `  port_priority: ${m.settings.portPriority}`,
        `  may_enable: ${this.mayEnable(m.name)}`,
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

  /** `lacp/show-stats` for this bond. */
  showStats(): string {
    const out = [`---- ${this.settings.name} statistics ----`];
    for (const m of [...this.members.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      out.push('', `member: ${m.name}:`, `  TX PDUs: ${m.txPdus}`, `  RX PDUs: ${m.rxPdus}`, `  RX Bad PDUs: ${m.rxBadPdus}`,
        `  RX Marker Request PDUs: 0`, `  Link Expired: 0`, `  Link Defaulted: 0`, `  Carrier Status Changed: 0`);
    }
    return out.join('\n') + '\n';
  }
}

function better(a: Member, b: Member): boolean {
  const ka = [a.partner.sysPriority, a.partner.sysId, a.settings.portPriority, a.settings.portId];
  const kb = [b.partner.sysPriority, b.partner.sysId, b.settings.portPriority, b.settings.portId];
  for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! < kb[i]!;
  return false;
}

function stateWords(state: number): string {
  const words = Object.entries(LACP_STATE).filter(([, bit]) => state & bit).map(([w]) => w);
  return words.length ? ' ' + words.join(' ') : '';
}

/** Encodes an LACPDU frame (IEEE 802.1AX-2008 §5.4.2) from `src` to the Slow Protocols group address. */
export function encodeLacpdu(src: number, pdu: LacpPdu): Buffer {
  const f = Buffer.alloc(14 + 110);
  f.writeUIntBE(0x0180c2000002, 0, 6);
  f.writeUIntBE(src, 6, 6);
  f.writeUInt16BE(0x8809, 12);
  let o = 14;
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
  f[o] = 3; f[o + 1] = 16; f.writeUInt16BE(0, o + 2);   // collector: max delay 0
  o += 16;
  f[o] = 0; f[o + 1] = 0;                              // terminator
  return f;
}

/** Decodes an LACPDU; null when malformed (counted as an RX bad PDU). */
export function decodeLacpdu(f: Buffer): LacpPdu | null {
  // Ethernet (14) + subtype, version (2) + actor TLV (20) + partner TLV (20).
  if (f.length < 14 + 2 + 40 || f.readUInt16BE(12) !== 0x8809 || f[14] !== 1) return null;
  const info = (o: number, tlv: number): LacpInfo | null => {
    if (f[o] !== tlv || f[o + 1] !== 20) return null;
    return {
      sysPriority: f.readUInt16BE(o + 2), sysId: f.readUIntBE(o + 4, 6), key: f.readUInt16BE(o + 10),
      portPriority: f.readUInt16BE(o + 12), portId: f.readUInt16BE(o + 14), state: f[o + 16]!,
    };
  };
  const actor = info(16, 1), partner = info(36, 2);
  return actor && partner ? { actor, partner } : null;
}
