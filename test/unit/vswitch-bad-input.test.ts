/**
 * Bad input on the packet path: truncated, oversized and random frames are
 * counted and dropped with a reason (or switched, when they are valid
 * Ethernet), and nothing ever throws out of the datapath.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Switch, type NetdevFactory } from '../../src/vswitch/bridge.js';
import { SystemClock } from '../../src/base/clock.js';
import type { SwitchConfig, PortConfig } from '../../src/vswitch/config.js';
import { TestNetdev } from '../helpers/test-netdev.js';

function config(): SwitchConfig {
  const port = (i: number, extra: Partial<PortConfig> = {}): PortConfig => ({
    uuid: `p${i}`, name: `p${i}`, tag: i === 2 ? 5 : null, trunks: i === 3 ? [1, 2] : [], vlanMode: null,
    bondMode: null, lacp: null, bondUpdelay: 0, bondDowndelay: 0, otherConfig: new Map(), fakeBridge: false,
    interfaces: [{ uuid: `i${i}`, name: `p${i}`, type: 'dummy', options: new Map(), otherConfig: new Map(), ofportRequest: i, mac: null, mtuRequest: null }],
    ...extra,
  });
  const bond: PortConfig = {
    ...port(9), name: 'bond0', uuid: 'bond0', lacp: 'active', bondMode: 'balance-slb',
    interfaces: [7, 8].map((i) => ({ uuid: `i${i}`, name: `b${i}`, type: 'dummy', options: new Map(), otherConfig: new Map(), ofportRequest: i, mac: null, mtuRequest: null })),
  };
  return {
    rootUuid: 'r', nextCfg: 1, otherConfig: new Map(),
    bridges: [{ uuid: 'b', name: 'br0', datapathType: 'dummy', failMode: 'standalone', otherConfig: new Map(), externalIds: new Map(), ports: [port(1), port(2), port(3), bond], controllers: [], protocols: [] }],
  };
}

function setup(): { sw: Switch; devs: Map<string, TestNetdev> } {
  const devs = new Map<string, TestNetdev>();
  const factory: NetdevFactory = { create: ({ name }) => { const d = new TestNetdev(name, 'dummy'); devs.set(name, d); return d; } };
  const sw = new Switch(new SystemClock(), factory);
  sw.reconfigure(config());
  return { sw, devs };
}

const interesting = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 13 }),                             // shorter than Ethernet
  fc.uint8Array({ minLength: 14, maxLength: 80 }),                            // random headers
  fc.uint8Array({ minLength: 9000, maxLength: 70000 }),                       // oversized
  // Plausible headers with random tails: VLAN, IPv4, ARP, LACP, VXLAN-ish types.
  fc.tuple(fc.constantFrom(0x8100, 0x88a8, 0x0800, 0x0806, 0x8809, 0x86dd), fc.uint8Array({ minLength: 0, maxLength: 60 }))
    .map(([type, tail]) => {
      const f = Buffer.alloc(14 + tail.length);
      f.fill(0x11, 0, 12);
      f.writeUInt16BE(type, 12);
      Buffer.from(tail).copy(f, 14);
      return new Uint8Array(f);
    }),
);

test('bad input: random, truncated and oversized frames never throw; short ones are counted drops', () => {
  const { sw, devs } = setup();
  const dpif = [...sw.dpifs.values()][0]!;
  let short = 0;
  fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom('p1', 'p2', 'p3', 'b7', 'b8'), interesting), { minLength: 1, maxLength: 30 }), (frames) => {
    for (const [dev, bytes] of frames) {
      if (bytes.length < 14) short++;
      devs.get(dev)!.inject([Buffer.from(bytes)]);
    }
    sw.runPeriodic();
  }), { numRuns: 200 });
  assert.equal(dpif.stats.drops.get('datapath_drop_short_frame') ?? 0, short, 'every short frame is a counted drop');
  // Drops carry reasons the operator can read (coverage-style counters).
  for (const reason of dpif.stats.drops.keys()) assert.match(reason, /^(datapath_drop_|drop: )/);
});

test('bad input: malformed LACPDUs on a bond member are counted as RX bad PDUs', () => {
  const { sw, devs } = setup();
  const truncated = Buffer.alloc(30);
  truncated.writeUIntBE(0x0180c2000002, 0, 6);
  truncated.writeUInt16BE(0x8809, 12);
  truncated[14] = 1;
  devs.get('b7')!.inject([truncated]);
  const bond = sw.bridges.get('br0')!.bonds.get('bond0')!;
  assert.match(bond.lacp!.showStats(), /member: b7:\n  TX PDUs: \d+\n  RX PDUs: 1\n  RX Bad PDUs: 1/);
});
