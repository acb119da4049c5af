/**
 * The megaflow cache keys on field values of every type the datapath key
 * holds: numbers (MACs beyond 2^32 included), bigints and 16-byte IPv6
 * addresses. These tests check that it compares them by value (equal
 * addresses in different arrays hit, different addresses never do), that
 * a megaflow keeps its own copy of the addresses (the datapath refills its
 * key in place), and, on random keys and masks, that lookups agree with a
 * linear scan of the installed megaflows.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MegaflowCache, maskedKey } from '../../src/vswitch/megaflow.js';
import { extractFlowInto, newFlowKey } from '../../src/packet/flow.js';
import { buildUdpIpv6, buildUdpIpv4 } from '../../src/packet/build.js';
import { parseIpv6, type Ipv4, type Mac } from '../../src/packet/types.js';

const out = (port: number) => [{ t: 'output' as const, port }];
const ip6 = (s: string) => parseIpv6(s)!;

test('IPv6 addresses are matched by value, never by identity', () => {
  const c = new MegaflowCache();
  const fields = ['in_port', 'dl_type', 'ipv6_dst'];
  c.insert({ in_port: 1, dl_type: 0x86dd, ipv6_dst: ip6('2001:db8::1') }, fields, out(2), [], []);
  c.insert({ in_port: 1, dl_type: 0x86dd, ipv6_dst: ip6('2001:db8::2') }, fields, out(3), [], []);
  assert.equal(c.size, 2);
  // A fresh array with the same bytes hits its megaflow.
  assert.deepEqual(c.lookup({ in_port: 1, dl_type: 0x86dd, ipv6_dst: ip6('2001:db8::1') })?.actions, out(2));
  assert.deepEqual(c.lookup({ in_port: 1, dl_type: 0x86dd, ipv6_dst: ip6('2001:db8::2') })?.actions, out(3));
  // One bit apart, or all zero: no megaflow.
  assert.equal(c.lookup({ in_port: 1, dl_type: 0x86dd, ipv6_dst: ip6('2001:db8::3') }), undefined);
  assert.equal(c.lookup({ in_port: 1, dl_type: 0x86dd, ipv6_dst: ip6('::') }), undefined);
  assert.equal(c.lookup({ in_port: 1, dl_type: 0x86dd }), undefined);
  // Re-installing the same masked key replaces, never duplicates.
  c.insert({ in_port: 1, dl_type: 0x86dd, ipv6_dst: ip6('2001:db8::1') }, fields, out(4), [], []);
  assert.equal(c.size, 2);
  assert.deepEqual(c.lookup({ in_port: 1, dl_type: 0x86dd, ipv6_dst: ip6('2001:db8::1') })?.actions, out(4));
});

test('a megaflow keeps its own copy of the addresses it matches', () => {
  const c = new MegaflowCache();
  const key = { in_port: 1, ipv6_src: ip6('fe80::1') };
  c.insert(key, ['in_port', 'ipv6_src'], out(2), [], []);
  key.ipv6_src.set(ip6('fe80::2'));   // the datapath refills its key's arrays in place
  assert.equal(c.lookup(key), undefined);
  assert.deepEqual(c.lookup({ in_port: 1, ipv6_src: ip6('fe80::1') })?.actions, out(2));
  assert.equal([...c.entries()][0]!.key, '1,fe800000000000000000000000000001');
});

test('numbers, bigints and missing fields compare by value', () => {
  const c = new MegaflowCache();
  c.insert({ tun_id: 5n, dl_src: 0x525400000001 }, ['tun_id', 'dl_src'], out(1), [], []);
  assert.ok(c.lookup({ tun_id: 5n, dl_src: 0x525400000001 }));
  assert.equal(c.lookup({ tun_id: 6n, dl_src: 0x525400000001 }), undefined);
  // MACs that differ only above bit 32.
  assert.equal(c.lookup({ tun_id: 5n, dl_src: 0x535400000001 }), undefined);
  // Bigints beyond 2^53 that a double cannot tell apart still never match each other.
  const big = 2n ** 60n;
  c.insert({ tun_id: big }, ['tun_id'], out(2), [], []);
  assert.deepEqual(c.lookup({ tun_id: big })?.actions, out(2));
  assert.equal(c.lookup({ tun_id: big + 1n }), undefined);
  c.insert({ tun_id: big + 1n }, ['tun_id'], out(3), [], []);
  assert.deepEqual(c.lookup({ tun_id: big + 1n })?.actions, out(3));
  assert.deepEqual(c.lookup({ tun_id: big })?.actions, out(2));
  // A field the key lacks reads as 0.
  c.insert({ nw_ttl: 0 }, ['nw_ttl'], out(4), [], []);
  assert.deepEqual(c.lookup({})?.actions, out(4));
});

test('the datapath\'s reused key: IPv6 packets hit their own megaflow, and only it', () => {
  const c = new MegaflowCache();
  const key = newFlowKey();
  const l2 = { srcMac: 0x505400000001 as Mac, dstMac: 0x505400000002 as Mac };
  const v6 = (dst: string) => Buffer.from(buildUdpIpv6({ ...l2, src: ip6('2001:db8::9'), dst: ip6(dst), srcPort: 1, dstPort: 2 }));
  const fields = ['in_port', 'dl_type', 'ipv6_dst', 'ipv6_src'];
  const dsts = ['2001:db8::1', '2001:db8::2', '2001:db8:1::1', '::1'];
  dsts.forEach((d, i) => { extractFlowInto(key, v6(d), 7); c.insert(key, fields, out(i + 1), [], []); });
  assert.equal(c.size, dsts.length);
  for (let round = 0; round < 2; round++) {
    dsts.forEach((d, i) => { extractFlowInto(key, v6(d), 7); assert.deepEqual(c.lookup(key)?.actions, out(i + 1), d); });
  }
  extractFlowInto(key, v6('2001:db8::3'), 7);
  assert.equal(c.lookup(key), undefined);
  // An IPv4 packet's key has the all-zero IPv6 address: it matches none of them.
  extractFlowInto(key, Buffer.from(buildUdpIpv4({ ...l2, src: 1 as Ipv4, dst: 2 as Ipv4, srcPort: 1, dstPort: 2 })), 7);
  assert.equal(c.lookup(key), undefined);
});

// ---- property test against a linear scan ----

type Val = number | bigint | Uint8Array;
const FIELDS = ['in_port', 'dl_src', 'tun_id', 'ipv6_src', 'ipv6_dst', 'nw_ttl'] as const;

function sameVal(a: Val | undefined, b: Val | undefined): boolean {
  const x = a ?? 0, y = b ?? 0;
  if (x instanceof Uint8Array || y instanceof Uint8Array) {
    return x instanceof Uint8Array && y instanceof Uint8Array && Buffer.compare(x, y) === 0;
  }
  return x === y;
}

const arbAddr = fc.constantFrom('::', '::1', '2001:db8::1', '2001:db8::2', 'fe80::1').map(ip6);
const arbKey = fc.record({
  in_port: fc.integer({ min: 1, max: 3 }),
  dl_src: fc.constantFrom(0x525400000001, 0x525400000002, 0x1525400000001),
  tun_id: fc.constantFrom(0n, 1n, 2n ** 60n, 2n ** 60n + 1n),
  ipv6_src: arbAddr,
  ipv6_dst: arbAddr,
  nw_ttl: fc.integer({ min: 0, max: 2 }),
}, { requiredKeys: ['in_port'] });
const arbMask = fc.subarray([...FIELDS], { minLength: 1 });

test('lookups agree with a linear scan of the installed megaflows (random keys and masks)', () => {
  fc.assert(fc.property(fc.array(fc.tuple(arbKey, arbMask), { maxLength: 30 }), fc.array(arbKey, { maxLength: 30 }), (installs, probes) => {
    const c = new MegaflowCache();
    // The reference: masked values per install, later installs of the same masked key replacing earlier ones.
    const ref: { fields: string[]; values: (Val | undefined)[]; id: number }[] = [];
    installs.forEach(([k, mask], id) => {
      const fields = [...new Set(mask)].sort();
      const values = fields.map((f) => (k as Record<string, Val>)[f]);
      const i = ref.findIndex((r) => r.fields.join() === fields.join() && r.values.every((v, j) => sameVal(v, values[j])));
      if (i >= 0) ref.splice(i, 1);
      ref.push({ fields, values, id });
      c.insert(k, mask, out(id), [], []);
    });
    assert.equal(c.size, ref.length);
    for (const p of probes) {
      const matches = ref.filter((r) => r.fields.every((f, j) => sameVal((p as Record<string, Val>)[f], r.values[j])));
      const got = c.lookup(p);
      if (matches.length === 0) assert.equal(got, undefined, maskedKey(p, [...FIELDS]));
      else {
        // Megaflows may overlap when masks differ; the cache returns one of the matching ones.
        assert.ok(got, `no hit for ${maskedKey(p, [...FIELDS])}`);
        const id = (got.actions[0] as { port: number }).port;
        assert.ok(matches.some((m) => m.id === id), `hit ${id}, want one of ${matches.map((m) => m.id)}`);
      }
    }
  }), { numRuns: 300 });
});
