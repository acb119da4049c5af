/**
 * Model test for NORMAL switching: random frames through random VLAN port
 * configurations must produce exactly the outputs of a small, obviously
 * correct reference implementation of the rules (ovs-vswitchd.conf.db(5),
 * Port "VLAN Configuration"), with the megaflow cache on and off.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Switch, type NetdevFactory } from '../../src/vswitch/bridge.js';
import { SystemClock } from '../../src/base/clock.js';
import type { SwitchConfig, PortConfig } from '../../src/vswitch/config.js';
import { TestNetdev } from '../helpers/test-netdev.js';

type Mode = 'access' | 'trunk' | 'native-tagged' | 'native-untagged';
interface PortSpec { mode: Mode; tag: number; trunks: number[] }

const VLANS = [0, 1, 2, 3];
const MACS = [1, 2, 3, 4, 5].map((i) => 0x505400000000 + i);

function frame(dst: number, src: number, vid: number | null, pcp: number): Buffer {
  const hdr = Buffer.alloc(12);
  hdr.writeUIntBE(dst, 0, 6);
  hdr.writeUIntBE(src, 6, 6);
  const tag = vid === null ? Buffer.alloc(0) : Buffer.from([0x81, 0x00, (pcp << 5) | (vid >> 8), vid & 0xff]);
  return Buffer.concat([hdr, tag, Buffer.from([0x88, 0xb5]), Buffer.alloc(46, 0xab)]);
}

/** What the frame looks like on the wire: [vid or null, pcp]. */
function decodeTag(f: Buffer): [number | null, number] {
  if (f.readUInt16BE(12) !== 0x8100) return [null, 0];
  const tci = f.readUInt16BE(14);
  return [tci & 0xfff, tci >> 13];
}

// ---- the reference: NORMAL as the documentation states it ----
class Reference {
  private table = new Map<string, number>();
  constructor(private readonly ports: PortSpec[]) {}

  private carries(p: PortSpec, vlan: number): boolean {
    if (p.mode === 'access') return vlan === p.tag;
    // Native ports carry their trunks, plus the native VLAN and minus VLAN 0 when the native VLAN is not 0.
    if (p.mode !== 'trunk' && p.tag !== 0) {
      if (vlan === p.tag) return true;
      if (vlan === 0) return false;
    }
    return p.trunks.length === 0 || p.trunks.includes(vlan);
  }

  run(inPort: number, dst: number, src: number, vid: number | null, pcp: number): string[] {
    const p = this.ports[inPort]!;
    const v = vid ?? 0;
    let vlan: number;
    if (p.mode === 'access') { if (v !== 0) return []; vlan = p.tag; }
    else if (p.mode === 'trunk') { if (p.trunks.length && !p.trunks.includes(v)) return []; vlan = v; }
    else if (v === 0) vlan = p.tag;
    else { if (p.trunks.length && !p.trunks.includes(v) && v !== p.tag) return []; vlan = v; }
    if (!(Math.floor(src / 2 ** 40) & 1)) this.table.set(`${vlan}/${src}`, inPort);
    const known = Math.floor(dst / 2 ** 40) & 1 ? undefined : this.table.get(`${vlan}/${dst}`);
    const outs = known !== undefined ? (known === inPort ? [] : [known]) : this.ports.map((_, i) => i).filter((i) => i !== inPort);
    const inPcp = vid === null ? 0 : pcp;
    const res: string[] = [];
    for (const o of outs) {
      const q = this.ports[o]!;
      if (!this.carries(q, vlan)) continue;
      // Access ports and a native-untagged port's own VLAN leave untagged; elsewhere VLAN 0 leaves
      // as a priority tag when it has a PCP (as ovs-vswitchd 3.1 does), untagged without one.
      const untagged = q.mode === 'access' || (q.mode === 'native-untagged' && vlan === q.tag) || (vlan === 0 && inPcp === 0);
      res.push(untagged ? `p${o} untagged` : `p${o} vid=${vlan} pcp=${inPcp}`);
    }
    return res.sort();
  }
}

function configFor(ports: PortSpec[]): SwitchConfig {
  const portCfgs: PortConfig[] = ports.map((p, i) => ({
    uuid: `port-${i}`, name: `p${i}`,
    tag: p.mode === 'trunk' ? null : p.tag,
    trunks: p.trunks, vlanMode: p.mode, bondMode: null, lacp: null, bondUpdelay: 0, bondDowndelay: 0,
    otherConfig: new Map(), fakeBridge: false,
    interfaces: [{ uuid: `if-${i}`, name: `p${i}`, type: 'dummy', options: new Map(), otherConfig: new Map(), ofportRequest: i + 1, mac: null, mtuRequest: null }],
  }));
  return {
    rootUuid: 'root', nextCfg: 1, otherConfig: new Map(),
    bridges: [{ uuid: 'br', name: 'br0', datapathType: 'dummy', failMode: 'standalone', otherConfig: new Map(), externalIds: new Map(), ports: portCfgs, controllers: [], protocols: [] }],
  };
}

const portSpec: fc.Arbitrary<PortSpec> = fc.record({
  mode: fc.constantFrom<Mode>('access', 'trunk', 'native-tagged', 'native-untagged'),
  tag: fc.constantFrom(1, 2, 3),
  trunks: fc.subarray(VLANS),
});

const frameSpec = fc.record({
  inPort: fc.nat(),
  dst: fc.constantFrom(...MACS, 0xffffffffffff, 0x01005e000001),
  src: fc.constantFrom(...MACS),
  vid: fc.option(fc.constantFrom(...VLANS), { nil: null }),
  pcp: fc.integer({ min: 0, max: 7 }),
});

for (const useCache of [true, false]) {
  test(`NORMAL matches the reference model (megaflow cache ${useCache ? 'on' : 'off'})`, () => {
    fc.assert(fc.property(fc.array(portSpec, { minLength: 2, maxLength: 5 }), fc.array(frameSpec, { minLength: 1, maxLength: 40 }), (ports, frames) => {
      const devs = new Map<string, TestNetdev>();
      const factory: NetdevFactory = { create: ({ name }) => { const d = new TestNetdev(name, 'dummy'); devs.set(name, d); return d; } };
      const sw = new Switch(new SystemClock(), factory);
      sw.reconfigure(configFor(ports));
      for (const d of sw.dpifs.values()) d.useCache = useCache;
      const ref = new Reference(ports);
      for (const f of frames) {
        const inPort = f.inPort % ports.length;
        for (const d of devs.values()) d.sent.length = 0;
        devs.get(`p${inPort}`)!.inject([frame(f.dst, f.src, f.vid, f.pcp)]);
        const got: string[] = [];
        for (const [name, d] of devs) {
          for (const s of d.sent) {
            const [vid, pcp] = decodeTag(s);
            got.push(vid === null ? `${name} untagged` : `${name} vid=${vid} pcp=${pcp}`);
          }
        }
        const want = ref.run(inPort, f.dst, f.src, f.vid, f.pcp);
        assert.deepEqual(got.sort(), want, `frame ${JSON.stringify(f)} ports ${JSON.stringify(ports)}`);
      }
    }), { numRuns: 300 });
  });
}
