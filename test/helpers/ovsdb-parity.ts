/**
 * The parity test shape shared by the OVSDB server suites: a scenario (a
 * script of shell steps through real clients) runs once against the real
 * ovsdb-server and once against Weft's, each on a fresh database, and every
 * step must give the same stdout, stderr and exit status (compared by
 * test/helpers/golden.ts). One node:test subtest per step, so a known
 * difference (a step marked `todo`) does not hide the others.
 *
 * The scripts see `$DB` (the unix remote), `$DIR` (the server's directory,
 * also OVS_RUNDIR) and whatever variables the suite adds.
 *
 * OVSDB_PARITY=NAME[,NAME] limits the scenarios; OVSDB_PARITY_SHOW=1 prints
 * the real server's normalized outputs (to extend the scripts).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startOvsdbServer, type OvsdbServerProcess } from './ovsdb-server-process.js';
import { runSteps, normalizeRun, compareRuns, asStep, type StepSpec, type StepResult } from './golden.js';

export interface ParityScenario {
  name: string;
  steps: StepSpec[];
}

export interface ParitySuite {
  /** Prefix of the test names. */
  title: string;
  /** Schema of the one database both servers serve. */
  schema: string;
  /** Skip reason (missing tools), or false. */
  skip: string | false;
  /** Extra variables for the scripts, given the server they run against. */
  env?: (s: OvsdbServerProcess) => Record<string, string>;
  stepTimeoutMs?: number;
}

const only = process.env.OVSDB_PARITY?.split(',');

async function runOn(s: OvsdbServerProcess, steps: StepSpec[], suite: ParitySuite): Promise<StepResult[]> {
  const env = { ...s.env, DB: s.unixRemote, DIR: s.dir, LC_ALL: 'C', ...(suite.env?.(s) ?? {}) };
  const raw = await runSteps(steps, { cwd: s.dir, env, timeoutMs: suite.stepTimeoutMs ?? 15_000 });
  return normalizeRun(raw, steps, { dirs: [s.dir] });
}

function show(name: string, r: StepResult[]): void {
  const out = r.map((x, i) => `## ${i}: ${x.sh}\n[${x.status}]\n${x.stdout}${x.stderr ? `--stderr--\n${x.stderr}` : ''}`);
  process.stderr.write(`=== ${name}\n${out.join('\n')}\n`);
}

/** Registers one test per scenario. */
export function parityTests(suite: ParitySuite, scenarios: ParityScenario[]): void {
  for (const sc of scenarios) {
    if (only && !only.includes(sc.name)) continue;
    test(`${suite.title}: ${sc.name}`, { skip: suite.skip, timeout: 120_000 }, async (t) => {
      const file = 'test.db';
      const [real, weft] = await Promise.all([
        startOvsdbServer(t, { impl: 'real', dbs: [{ schema: suite.schema, file }] }),
        startOvsdbServer(t, { impl: 'weft', dbs: [{ schema: suite.schema, file }] }),
      ]);
      const [a, b] = await Promise.all([runOn(real, sc.steps, suite), runOn(weft, sc.steps, suite)]);
      if (process.env.OVSDB_PARITY_SHOW) show(sc.name, a);
      // The real server must have run the script sensibly, or the comparison proves little.
      const ok = a.filter((r) => r.status === 0).length;
      assert.ok(ok >= a.length / 2, `most steps fail even on the real server:\n${a.map((r) => `${r.sh}: ${r.stderr}`).join('\n')}`);
      assert.ok(weft.running, `Weft's server died during the script:\n${weft.output()}`);
      for (const c of compareRuns(a, b, ['ovsdb-server', 'weft'])) {
        const todo = asStep(sc.steps[c.index]!).todo;
        await t.test(`step ${c.index}: ${c.sh}`, todo ? { todo } : {}, () => {
          assert.ok(c.equal, c.diff);
        });
      }
    });
  }
}
