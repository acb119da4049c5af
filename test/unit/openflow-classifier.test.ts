/**
 * Model test for the tuple-space classifier: on random rule sets and
 * packets it must agree with a linear scan (highest matching priority),
 * and its "examined fields" must be sound — any packet that agrees with
 * the looked-up one on those fields gets the same rule, which is what the
 * megaflow cache relies on. Inserts and removals are interleaved.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Classifier } from '../../src/vswitch/classifier.js';
import { type Match, emptyMatch, matchFlow, setMatchField } from '../../src/packet/match.js';
import { newFlowKey, type FlowKey } from '../../src/packet/flow.js';

interface R { readonly id: number; readonly priority: number; readonly match: Match }

const fieldArb = fc.oneof(
  fc.record({ f: fc.constant('in_port' as const), v: fc.integer({ min: 1, max: 4 }), m: fc.constant(0xffff) }),
  fc.record({ f: fc.constant('dl_src' as const), v: fc.integer({ min: 0, max: 3 }).map((x) => 0x505400000000 + x), m: fc.constantFrom(0xffffffffffff, 0xffffffff0000, 0x000000000001) }),
  fc.record({ f: fc.constant('vlan_tci' as const), v: fc.integer({ min: 0, max: 0x1003 }), m: fc.constantFrom(0xffff, 0x1fff, 0x1000) }),
  fc.record({ f: fc.constant('nw_src' as const), v: fc.integer({ min: 0, max: 7 }).map((x) => 0x0a000000 + x), m: fc.constantFrom(0xffffffff, 0xfffffffe, 0xff000000) }),
  fc.record({ f: fc.constant('tp_dst' as const), v: fc.integer({ min: 79, max: 81 }), m: fc.constant(0xffff) }),
  fc.record({ f: fc.constant('reg0' as const), v: fc.integer({ min: 0, max: 3 }), m: fc.constantFrom(0xffffffff, 1, 2) }),
);

const tunArb = fc.record({ v: fc.bigInt({ min: 0n, max: 3n }), m: fc.constantFrom(0xffffffffffffffffn, 1n) });

const ruleArb = fc.record({
  priority: fc.integer({ min: 0, max: 20 }),
  fields: fc.array(fieldArb, { maxLength: 3 }),
  tun: fc.option(tunArb),
});

const packetArb = fc.record({
  in_port: fc.integer({ min: 1, max: 4 }),
  dl_src: fc.integer({ min: 0, max: 3 }).map((x) => 0x505400000000 + x),
  vlan_tci: fc.constantFrom(0, 0x1001, 0x1002, 0x3003),
  nw_src: fc.integer({ min: 0, max: 7 }).map((x) => 0x0a000000 + x),
  tp_dst: fc.integer({ min: 79, max: 81 }),
  reg0: fc.integer({ min: 0, max: 3 }),
  tun_id: fc.bigInt({ min: 0n, max: 3n }),
});

function toMatch(spec: { fields: Array<{ f: string; v: number; m: number }>; tun: { v: bigint; m: bigint } | null }): Match {
  const m = emptyMatch();
  for (const { f, v, m: mask } of spec.fields) setMatchField(m, f as never, v as never, mask as never);
  if (spec.tun) setMatchField(m, 'tun_id', spec.tun.v, spec.tun.m);
  return m;
}

function toKey(p: Record<string, unknown>): FlowKey {
  return { ...newFlowKey(), ...p } as FlowKey;
}

function linear(rules: readonly R[], k: FlowKey): R | undefined {
  let best: R | undefined;
  for (const r of rules) if (matchFlow(r.match, k) && (!best || r.priority > best.priority)) best = r;
  return best;
}

test('classifier agrees with a linear scan and its examined fields are sound', () => {
  fc.assert(fc.property(
    fc.array(ruleArb, { maxLength: 40 }), fc.array(packetArb, { minLength: 1, maxLength: 20 }), fc.array(fc.nat(), { maxLength: 10 }), packetArb,
    (specs, packets, removals, noise) => {
      const cls = new Classifier<R>();
      let rules: R[] = specs.map((s, id) => ({ id, priority: s.priority, match: toMatch(s) }));
      for (const r of rules) cls.insert(r);
      for (const x of removals) {
        if (!rules.length) break;
        const victim = rules[x % rules.length]!;
        assert.ok(cls.remove(victim));
        rules = rules.filter((r) => r !== victim);
      }
      assert.equal(cls.size, rules.length);
      for (const p of packets) {
        const k = toKey(p);
        const examined = new Set<string>();
        const got = cls.lookup(k as never, examined);
        const want = linear(rules, k);
        assert.equal(got?.priority, want?.priority);
        if (got) assert.ok(matchFlow(got.match, k));
        // Soundness: change every field that was not examined; the answer must not move.
        const other: Record<string, unknown> = { ...k };
        for (const [f, v] of Object.entries(noise)) if (!examined.has(f)) other[f] = v;
        assert.equal(cls.lookup(other as never), got);
      }
    },
  ), { numRuns: 300 });
});

test('findExact finds a rule by match and priority only', () => {
  const cls = new Classifier<R>();
  const m = emptyMatch();
  setMatchField(m, 'in_port', 1);
  const a: R = { id: 1, priority: 5, match: m }, b: R = { id: 2, priority: 6, match: m };
  cls.insert(a); cls.insert(b);
  assert.equal(cls.findExact(m, 5), a);
  assert.equal(cls.findExact(m, 6), b);
  assert.equal(cls.findExact(emptyMatch(), 5), undefined);
  assert.deepEqual([...cls.rules()].map((r) => r.id), [2, 1]);
});
