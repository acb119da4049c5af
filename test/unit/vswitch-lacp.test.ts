import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Lacp, encodeLacpdu, decodeLacpdu, LACP_STATE, type LacpPdu } from '../../src/vswitch/lacp.js';
import { Bond } from '../../src/vswitch/bond.js';

function actor(name: string, sysId: number, active: boolean, fast = true): Lacp {
  const l = new Lacp({ name, sysId, sysPriority: 65534, active, fast, fallbackAb: false });
  l.configureMember('m1', { portId: 1, portPriority: 65535, key: 7 }, 0);
  l.configureMember('m2', { portId: 2, portPriority: 65535, key: 7 }, 0);
  return l;
}

/** Runs two actors wired member-to-member for `ms` of simulated time; PDUs pass through the wire codec. */
function exchange(a: Lacp, b: Lacp, from: number, ms: number, linkUp = (_m: string) => true): number {
  let now = from;
  for (; now < from + ms; now += 100) {
    for (const [x, y] of [[a, b], [b, a]] as const) {
      for (const t of x.run(now).transmit) {
        if (!linkUp(t.member)) continue;
        const wire = encodeLacpdu(0x020000000001, t.pdu);
        y.receive(t.member, decodeLacpdu(wire), now);
      }
    }
  }
  return now;
}

test('lacp: codec round trip and truncation', () => {
  const pdu: LacpPdu = {
    actor: { sysId: 0xaa55aa550000, sysPriority: 65534, portId: 3, portPriority: 255, key: 9, state: 0x3d },
    partner: { sysId: 0x020000000099, sysPriority: 32768, portId: 11, portPriority: 32768, key: 100, state: 0x3f },
  };
  const wire = encodeLacpdu(0x020000000001, pdu);
  assert.equal(wire.length, 124);
  assert.deepEqual(decodeLacpdu(wire), pdu);
  for (let cut = 0; cut < 56; cut++) assert.equal(decodeLacpdu(wire.subarray(0, cut)), null);
});

test('lacp: two active actors negotiate; members become usable and in sync', () => {
  const a = actor('a', 0x020000000001, true), b = actor('b', 0x020000000002, true);
  exchange(a, b, 0, 3000);
  assert.equal(a.status(), 'negotiated');
  assert.equal(b.status(), 'negotiated');
  assert.ok(a.mayEnable('m1') && a.mayEnable('m2') && b.mayEnable('m1'));
  assert.match(a.show((m) => m.toString(16)), /member: m1: current attached/);
});

test('lacp: two passive ends never negotiate', () => {
  const a = actor('a', 1, false), b = actor('b', 2, false);
  exchange(a, b, 0, 5000);
  assert.equal(a.status(), 'configured');
  assert.equal(a.mayEnable('m1'), false);
});

test('lacp: a silent partner expires, then defaults; the member is disabled', () => {
  const a = actor('a', 1, true), b = actor('b', 2, true);
  let now = exchange(a, b, 0, 3000);
  assert.ok(a.mayEnable('m2'));
  // m2's wire goes quiet in both directions.
  now = exchange(a, b, now, 3500, (m) => m !== 'm2');
  assert.equal(a.mayEnable('m2'), false);
  assert.ok(a.mayEnable('m1'));
  assert.match(a.show(String), /member: m2: (expired attached|defaulted detached)/);
  exchange(a, b, now, 4000, (m) => m !== 'm2');
  assert.match(a.show(String), /member: m2: defaulted detached/);
  assert.match(a.show(String), /partner state:\n/);
});

test('lacp: actor state words follow OVS (collecting/distributing while nothing is negotiated)', () => {
  const a = actor('a', 1, true, false);
  a.run(10_000_000);
  a.run(20_000_000);
  const text = a.show(String);
  assert.match(text, /actor state: activity aggregation collecting distributing defaulted/);
  assert.equal(LACP_STATE.defaulted, 0x40);
});

test('bond: active-backup fails over and returns to the primary', () => {
  const bond = new Bond({ name: 'b', mode: 'active-backup', primary: 'p1', updelayMs: 0, downdelayMs: 0, rebalanceMs: 0, lacpFallbackAb: false, basis: 0 }, null);
  bond.configureMember('p1', 1, 1, true);
  bond.configureMember('p2', 2, 2, true);
  bond.run(0);
  assert.equal(bond.active, 'p1');
  assert.equal(bond.selectMember(5, 0), 1);
  assert.equal(bond.admits(2, 5, false), 'bond: packet received on inactive member, dropping');
  bond.setCarrier('p1', false);
  bond.run(1);
  assert.equal(bond.active, 'p2');
  assert.equal(bond.selectMember(5, 0), 2);
  bond.setCarrier('p1', true);
  bond.run(2);
  assert.equal(bond.active, 'p1');
});

test('bond: balance-slb spreads sources, keeps them sticky, and moves buckets off a dead member', () => {
  const bond = new Bond({ name: 'b', mode: 'balance-slb', primary: null, updelayMs: 0, downdelayMs: 0, rebalanceMs: 0, lacpFallbackAb: false, basis: 0 }, null);
  bond.configureMember('p1', 1, 1, true);
  bond.configureMember('p2', 2, 2, true);
  bond.run(0);
  const macs = Array.from({ length: 64 }, (_, i) => 0x505400000000 + i);
  const first = macs.map((m) => bond.selectMember(m, 0));
  assert.ok(first.includes(1) && first.includes(2), 'both members used');
  assert.deepEqual(macs.map((m) => bond.selectMember(m, 0)), first, 'sticky');
  bond.setCarrier('p2', false);
  bond.run(1);
  assert.ok(macs.every((m) => bond.selectMember(m, 0) === 1));
  // Reflected floods: a source learned elsewhere is dropped on an SLB bond.
  assert.match(bond.admits(1, 0x505400000001, true) ?? '', /learned on another port/);
});
