/**
 * The userspace routing and neighbour tables behind `ovs/route/*` and
 * `tnl/neigh/*`: source-address selection when a route is added, longest
 * prefix with gateways as next hops, neighbours keyed by (bridge, IP) and
 * aged on the switch clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TunnelTables, parseIpv4, formatIpv4 } from '../../src/vswitch/tunnel.js';

const ip = (s: string): number => parseIpv4(s)!;

function tables(): { t: TunnelTables; clock: { now: number } } {
  const clock = { now: 1000 };
  const t = new TunnelTables(() => clock.now);
  t.addAddress('br-phy', ip('192.0.2.10'), 24);
  t.addAddress('br-two', ip('198.51.100.1'), 24);
  return { t, clock };
}

test('routes need a source address on the destination or gateway subnet; longest prefix wins', () => {
  const { t } = tables();
  assert.equal(t.addRoute(ip('10.0.0.0'), 8, 'br-two', null), false, 'no address of br-two covers 10/8');
  assert.equal(t.routes.length, 0);
  assert.equal(t.addRoute(ip('10.0.0.0'), 8, 'br-two', null, ip('198.51.100.254')), true);
  assert.equal(t.addRoute(ip('10.1.0.0'), 16, 'br-phy', null, ip('192.0.2.1')), true);
  assert.deepEqual(t.lookup(ip('10.1.2.3')), { bridge: 'br-phy', src: ip('192.0.2.10'), gw: ip('192.0.2.1') });
  assert.deepEqual(t.lookup(ip('10.2.0.1')), { bridge: 'br-two', src: ip('198.51.100.1'), gw: ip('198.51.100.254') });
  assert.equal(t.lookup(ip('192.0.2.99')), null, 'a bridge address is not a route by itself');
  assert.equal(t.lookup(ip('10.1.2.3'), 7), null, 'marked packets use marked routes only');
  assert.equal(t.routeShow(), 'Route Table:\nUser: 10.1.0.0/16 dev br-phy GW 192.0.2.1 SRC 192.0.2.10\nUser: 10.0.0.0/8 dev br-two GW 198.51.100.254 SRC 198.51.100.1\n');
  assert.equal(t.delRoute(ip('10.1.0.0'), 16), true);
  assert.equal(t.delRoute(ip('10.1.0.0'), 16), false);
});

test('neighbours: keyed by bridge, found through the route (gateway as next hop), aged, refreshed by use', () => {
  const { t, clock } = tables();
  t.addRoute(ip('192.0.2.0'), 24, 'br-phy', null);
  t.addRoute(ip('203.0.113.0'), 24, 'br-phy', null, ip('192.0.2.1'));
  assert.equal(t.neigh.set('br-phy', ip('192.0.2.20'), 0x020000000020), true);
  assert.equal(t.neigh.set('br-phy', ip('192.0.2.20'), 0x020000000020), false, 'same MAC: only refreshed');
  t.neigh.set('br-two', ip('192.0.2.1'), 0x0200000000ff);
  assert.equal(t.neigh.get(ip('203.0.113.5')), undefined, "the gateway is known on another bridge only");
  t.neigh.set('br-phy', ip('192.0.2.1'), 0x020000000001);
  assert.equal(t.neigh.get(ip('203.0.113.5'))?.mac, 0x020000000001);
  assert.equal(t.neigh.get(ip('192.0.2.20'))?.mac, 0x020000000020);
  t.neigh.setAging(60_000);
  clock.now += 59_000;
  assert.ok(t.neigh.get(ip('192.0.2.20')), 'used: refreshed for another 60 s');
  clock.now += 30_000;
  assert.equal(t.neigh.get(ip('203.0.113.5')), undefined, 'the gateway entry went stale');
  assert.match(t.neighShow((m) => m.toString(16)), /^192\.0\.2\.1 +20000000001   br-phy STALE$/m);
  assert.equal(t.neigh.expire(), true);
  assert.equal(t.neigh.expire(), false);
  assert.deepEqual(t.neighShow((m) => m.toString(16)).split('\n').slice(2).map((l) => l.split(/ +/)[0]).filter(Boolean).map((a) => formatIpv4(ip(a!))), ['192.0.2.20']);
});
