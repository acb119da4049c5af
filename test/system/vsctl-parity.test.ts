/**
 * Parity of `weft vsctl` with ovs-vsctl 3.1: every scenario of
 * test/helpers/vsctl-parity-cases.ts runs once through the real ovs-vsctl
 * and once through `weft vsctl` (both with --no-wait), each on its own fresh
 * database, served first by Weft's ovsdb-server and then by the real one.
 * Each step must give the same stdout, stderr (program name and log
 * timestamps masked) and exit status, after uuids are numbered in order of
 * appearance.
 *
 * Every scenario runs on Weft's server; on the real server only the
 * REAL_SERVER_SAMPLE by default (it checks that the same client traffic gives
 * the same results there; each weft step costs a node start-up), all of them
 * with VSCTL_PARITY_FULL=1. VSCTL_PARITY=NAME[,NAME] limits the scenarios;
 * VSCTL_PARITY_SERVER=weft|real limits the servers.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { have, runScenario, normalizeRun, type ServerKind, type StepResult } from '../helpers/vsctl-harness.js';
import { SCENARIOS } from '../helpers/vsctl-parity-cases.js';

const only = process.env.VSCTL_PARITY?.split(',');
const full = process.env.VSCTL_PARITY_FULL === '1' || process.env.VSCTL_PARITY_SERVER !== undefined;
const REAL_SERVER_SAMPLE = ['bridges', 'db-commands', 'output-formats', 'transactions', 'generated-1', 'symbols-and-partial'];
const servers = (process.env.VSCTL_PARITY_SERVER?.split(',') ?? ['weft', 'real']) as ServerKind[];
const prerequisites = have('ovs-vsctl') && have('ovsdb-tool') && have('ovsdb-server');

function describeDiff(a: StepResult, b: StepResult): string {
  const parts = [`step: ${a.sh}`];
  for (const k of ['status', 'stdout', 'stderr'] as const) {
    if (a[k] !== b[k]) parts.push(`${k}:\n  ovs-vsctl : ${JSON.stringify(a[k])}\n  weft vsctl: ${JSON.stringify(b[k])}`);
  }
  return parts.join('\n');
}

for (const server of servers) {
  for (const sc of SCENARIOS) {
    if (only && !only.includes(sc.name)) continue;
    if (!only && !full && server === 'real' && !REAL_SERVER_SAMPLE.includes(sc.name)) continue;
    test(`vsctl parity (${server} server): ${sc.name}`, { skip: prerequisites ? false : 'Open vSwitch tools not installed', timeout: 600_000 }, async () => {
      const [ovs, weft] = await Promise.all([runScenario(sc.steps, server, 'ovs'), runScenario(sc.steps, server, 'weft')]);
      const a = normalizeRun(ovs, sc.steps), b = normalizeRun(weft, sc.steps);
      const diffs: string[] = [];
      a.forEach((r, i) => {
        const w = b[i]!;
        if (r.status !== w.status || r.stdout !== w.stdout || r.stderr !== w.stderr) diffs.push(describeDiff(r, w));
      });
      assert.equal(diffs.length, 0, `${diffs.length} of ${a.length} steps differ:\n\n${diffs.join('\n\n')}`);
    });
  }
}
