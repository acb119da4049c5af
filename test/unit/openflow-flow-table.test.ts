/**
 * Flow table semantics (src/openflow/flow-table.ts) on the real
 * classifier: add replacing an identical rule (counters kept unless
 * reset_counts), check_overlap, loose and strict modify and delete,
 * cookie masks, out_port, modify-adds only with a new cookie, the
 * reserved table 254, and idle/hard timeouts against an explicit clock.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlowTables, type FlowRule } from '../../src/openflow/flow-table.js';
import { Classifier } from '../../src/vswitch/classifier.js';
import { parseFlowModString } from '../../src/openflow/ofctl-syntax.js';
import { formatMatch } from '../../src/packet/flow-syntax.js';
import { OfError } from '../../src/openflow/errors.js';
import type { FlowModCommand, FlowMod } from '../../src/openflow/flow-mod.js';

const env = { version: 4, groupExists: () => false };

function fm(s: string, command: FlowModCommand = 'add', patch: Partial<FlowMod> = {}): FlowMod {
  return { ...parseFlowModString(s, command).fm, ...patch };
}

function table(): FlowTables<FlowRule> {
  return new FlowTables<FlowRule>(() => new Classifier<FlowRule>());
}

function dump(t: FlowTables<FlowRule>): string[] {
  return [...t.all()].map((r) => `${r.table}:${r.priority}:${formatMatch(r.match)}:${r.cookie}:${r.actions.map((a) => a.t).join('+')}`);
}

test('add replaces an identical rule and keeps its counters unless reset_counts', () => {
  const t = table();
  t.apply(fm('priority=5,in_port=1,actions=output:2'), 0, env);
  const r = [...t.all()][0]!;
  r.counters.n_packets = 7;
  t.apply(fm('priority=5,in_port=1,actions=drop'), 10, env);
  assert.equal([...t.all()][0]!.counters.n_packets, 7);
  assert.equal(t.count(), 1);
  t.apply(fm('priority=5,in_port=1,reset_counts,actions=drop'), 20, env);
  assert.equal([...t.all()][0]!.counters.n_packets, 0);
});

test('check_overlap refuses an overlapping rule of the same priority only', () => {
  const t = table();
  t.apply(fm('priority=5,in_port=1,actions=output:2'), 0, env);
  assert.throws(() => t.apply(fm('check_overlap,priority=5,dl_type=0x0800,actions=drop'), 0, env), (e: unknown) => e instanceof OfError && e.error === 'OFPFMFC_OVERLAP');
  t.apply(fm('check_overlap,priority=5,in_port=2,actions=drop'), 0, env);
  t.apply(fm('check_overlap,priority=6,in_port=1,actions=drop'), 0, env);
  assert.equal(t.count(), 3);
});

test('loose and strict modify and delete, cookies, out_port', () => {
  const t = table();
  t.apply(fm('cookie=0x10,priority=5,in_port=1,actions=output:2'), 0, env);
  t.apply(fm('cookie=0x11,priority=6,in_port=1,dl_type=0x0800,actions=output:3'), 0, env);
  t.apply(fm('cookie=0x20,priority=7,in_port=2,actions=output:3'), 0, env);
  // OpenFlow 1.3 semantics: a modify without a cookie keeps the rules' cookies (1.0's would set them to 0, as OVS does).
  t.apply(fm('in_port=1,actions=NORMAL', 'modify', { newCookie: null }), 0, env);
  assert.deepEqual(dump(t).filter((l) => l.includes('in_port=1')).map((l) => l.split(':').pop()), ['normal', 'normal']);
  t.apply(fm('priority=6,in_port=1,dl_type=0x0800,actions=drop', 'modify_strict', { newCookie: null }), 0, env);
  assert.deepEqual(dump(t).filter((l) => l.includes('in_port=1')).map((l) => l.split(':')[3]), ['17', '16']);
  t.apply(fm('cookie=0x10/0xf0', 'delete'), 0, env);
  assert.deepEqual(dump(t), ['0:7:in_port=2:32:output']);
  t.apply(fm('priority=7,in_port=2,actions=output:3'), 0, env);
  t.apply(fm('out_port=2', 'delete'), 0, env);
  assert.equal(t.count(), 1);
  t.apply(fm('out_port=3', 'delete'), 0, env);
  assert.equal(t.count(), 0);
});

test('modify adds a missing flow only when it carries a new cookie (OpenFlow 1.0/NX)', () => {
  const t = table();
  t.apply(fm('in_port=9,actions=drop', 'modify', { newCookie: null }), 0, env);
  assert.equal(t.count(), 0);
  t.apply(fm('in_port=9,actions=drop', 'modify', { newCookie: 0n }), 0, env);
  assert.equal(t.count(), 1);
});

test('table 254 is read-only; actions are checked against the match and table', () => {
  const t = table();
  assert.throws(() => t.apply(fm('table=254,actions=drop'), 0, env), /OFPBRC_EPERM/);
  assert.throws(() => t.apply(fm('table=3,actions=goto_table:2'), 0, env), /OFPBIC_BAD_TABLE_ID/);
  assert.throws(() => t.apply(fm('actions=group:1'), 0, env), /OFPBAC_BAD_OUT_GROUP/);
  assert.throws(() => t.apply(fm('actions=mod_nw_src:1.2.3.4'), 0, env), /OFPBAC_MATCH_INCONSISTENT/);
  t.apply(fm('actions=mod_nw_src:1.2.3.4'), 0, { ...env, version: 1 });
  assert.equal(t.count(), 1);
});

test('idle timeouts count from the last packet, hard timeouts from the last modification', () => {
  const t = table();
  t.apply(fm('priority=1,idle_timeout=10,send_flow_rem,actions=drop'), 0, env);
  t.apply(fm('priority=2,hard_timeout=20,actions=drop'), 0, env);
  [...t.all()].find((r) => r.priority === 1)!.counters.used = 8000;
  assert.deepEqual(t.expire(17999).map((x) => x.rule.priority), []);
  assert.deepEqual(t.expire(18000).map((x) => [x.rule.priority, x.reason]), [[1, 0]]);
  assert.deepEqual(t.expire(20000).map((x) => [x.rule.priority, x.reason]), [[2, 1]]);
  assert.equal(t.count(), 0);
});
