/**
 * Golden-output scripts for comparing two implementations through the
 * same command-line clients: a script is a list of shell steps, run one at a
 * time with `bash -c`, each step's stdout, stderr and exit status recorded.
 * Two runs are then normalized and compared step by step.
 *
 * Normalization, applied to both runs alike:
 * - the run's directory becomes `$DIR`, log timestamps and pids in bash's
 *   job messages are masked;
 * - a step whose output order depends on uuids (sets of rows, hash order)
 *   names a sort: by line, by blank-line-separated record, by the
 *   indentation tree of `show`, or the sets, maps and rows inside OVSDB JSON.
 *   Units are sorted with their uuids masked.
 * - uuids are not rewritten but matched: `compareRuns` requires one run's
 *   uuids to map one-to-one onto the other's across the whole run, which is
 *   what numbering them `<0>`, `<1>`… in order of appearance checks, without
 *   letting one differing step shift the numbers of every later one.
 */
import { spawn } from 'node:child_process';

export type SortMode = 'lines' | 'records' | 'tree' | 'json';

export interface Step {
  sh: string;
  sort?: SortMode;
  /** Ignore stdout (e.g. a timestamp or a server id that legitimately differs). */
  ignoreStdout?: boolean;
  /** A known difference: the comparison of this step is reported as a todo with this reason. */
  todo?: string;
}
export type StepSpec = string | Step;

export interface StepResult { sh: string; stdout: string; stderr: string; status: number | null }

export interface RunOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Per-step limit; a step over it is killed and reports status 124. */
  timeoutMs?: number;
}

export function asStep(s: StepSpec): Step {
  return typeof s === 'string' ? { sh: s } : s;
}

export function runStep(step: Step, opts: RunOptions): Promise<StepResult> {
  return new Promise((resolve) => {
    // Its own process group, so a step over its time is killed with everything it started.
    const child = spawn('bash', ['-c', step.sh], { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let stdout = '', stderr = '', timedOut = false;
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => {
      timedOut = true;
      try { process.kill(-child.pid!, 'SIGKILL'); } catch { /* already gone */ }
    }, opts.timeoutMs ?? 15_000);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ sh: step.sh, stdout, stderr, status: timedOut ? 124 : status });
    });
  });
}

export async function runSteps(steps: StepSpec[], opts: RunOptions): Promise<StepResult[]> {
  const out: StepResult[] = [];
  for (const s of steps) out.push(await runStep(asStep(s), opts));
  return out;
}

export const UUID_RE = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g;

/** Numbers uuids `<0>`, `<1>`… in order of first appearance. */
export class UuidNumbering {
  private readonly map = new Map<string, string>();
  apply(s: string): string {
    return s.replace(UUID_RE, (u) => {
      let n = this.map.get(u);
      if (n === undefined) this.map.set(u, n = `<${this.map.size}>`);
      return n;
    });
  }
}

const maskUuids = (s: string): string => s.replace(UUID_RE, '<uuid>');
const byMasked = (a: string, b: string): number => {
  const ma = maskUuids(a), mb = maskUuids(b);
  return ma < mb ? -1 : ma > mb ? 1 : 0;
};

/** Sorts a `show`-style tree: each line with its more-indented children, siblings sorted. */
export function sortTree(text: string): string {
  const lines = text.split('\n').filter((l) => l !== '');
  const indent = (l: string): number => l.length - l.trimStart().length;
  const build = (start: number, end: number): string[] => {
    const blocks: string[] = [];
    for (let i = start; i < end;) {
      let j = i + 1;
      while (j < end && indent(lines[j]!) > indent(lines[i]!)) j++;
      blocks.push([lines[i]!, ...build(i + 1, j)].join('\n'));
      i = j;
    }
    return blocks.sort(byMasked);
  };
  return lines.length ? build(0, lines.length).join('\n') + '\n' : '';
}

export function sortOutput(text: string, mode: SortMode): string {
  switch (mode) {
    case 'lines': {
      const lines = text.split('\n');
      const last = lines[lines.length - 1] === '' ? lines.pop() : undefined;
      return lines.sort(byMasked).join('\n') + (last === '' ? '\n' : '');
    }
    case 'records':
      return text.split(/\n\n+/).map((r) => r.replace(/\n+$/, '')).filter((r) => r).sort(byMasked).join('\n\n') + (text ? '\n' : '');
    case 'tree':
      return sortTree(text);
    case 'json':
      return text.split('\n').map(canonicalJsonLine).join('\n');
  }
}

/**
 * A line of OVSDB JSON with the parts whose order follows uuids put in a
 * canonical order: the members of `["set", …]` and `["map", …]` and the
 * `rows` of a select result. Lines that are not JSON stay as they are.
 */
function canonicalJsonLine(line: string): string {
  let v: unknown;
  try { v = JSON.parse(line); } catch { return line; }
  const canon = (x: unknown): unknown => {
    if (Array.isArray(x)) {
      const items = x.map(canon);
      if (items.length === 2 && (items[0] === 'set' || items[0] === 'map') && Array.isArray(items[1])) {
        return [items[0], sortByMasked(items[1] as unknown[])];
      }
      return items;
    }
    if (x && typeof x === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(x)) o[k] = k === 'rows' && Array.isArray(val) ? sortByMasked(val.map(canon)) : canon(val);
      return o;
    }
    return x;
  };
  return JSON.stringify(canon(v));
}

function sortByMasked(items: unknown[]): unknown[] {
  return items.map((i) => [JSON.stringify(i), i] as const).sort((p, q) => byMasked(p[0], q[0])).map((p) => p[1]);
}

export interface NormalizeOptions {
  /** Strings to replace with `$DIR` (the run's directory). */
  dirs?: string[];
}

/**
 * Masks what legitimately differs between runs (directory, log times, pids
 * in bash's job messages) and applies each step's sort. Uuids stay: they are
 * matched between runs by `compareRuns`.
 */
export function normalizeRun(results: StepResult[], steps: StepSpec[], opts: NormalizeOptions = {}): StepResult[] {
  const common = (s: string): string => {
    for (const d of opts.dirs ?? []) s = s.split(d).join('$DIR');
    return s
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z\|/g, '<time>|')
      .replace(/^(bash: line \d+: +)\d+ /gm, '$1<pid> ');
  };
  return results.map((r, i) => {
    const step = asStep(steps[i]!);
    let stdout = step.ignoreStdout ? '' : common(r.stdout);
    if (step.sort) stdout = sortOutput(stdout, step.sort);
    return { sh: r.sh, stdout, stderr: common(r.stderr), status: r.status };
  });
}

export interface StepComparison {
  index: number;
  sh: string;
  equal: boolean;
  /** What differs, with uuids numbered per run (absent when equal). */
  diff?: string;
}

/**
 * Compares two normalized runs step by step. Two steps are equal when their
 * statuses match and their outputs match once uuids are masked, and the
 * uuids pair up consistently with every earlier equal step: one run's uuid
 * always stands for the same uuid of the other run (a bijection, built as
 * the runs proceed). A differing step adds nothing to the pairing, so one
 * difference never cascades into the steps after it.
 *
 * Uuids printed side by side (a set such as `[u1, u2]` or
 * `["set",[["uuid",u1],["uuid",u2]]]`) are ordered by their random values,
 * so such a group is matched as a set: members already paired must pair
 * within the group, and the rest pair only when that is unambiguous.
 */
export function compareRuns(a: StepResult[], b: StepResult[], labels: [string, string]): StepComparison[] {
  const ab = new Map<string, string>(), ba = new Map<string, string>();
  const numA = new UuidNumbering(), numB = new UuidNumbering();
  const w = Math.max(labels[0].length, labels[1].length);
  return a.map((ra, index) => {
    const rb = b[index]!;
    const shown = (r: StepResult, n: UuidNumbering): StepResult => ({ ...r, stdout: n.apply(r.stdout), stderr: n.apply(r.stderr) });
    const sa = shown(ra, numA), sb = shown(rb, numB);
    const parts: string[] = [];
    const groups: [string[], string[]][] = [];
    for (const k of ['status', 'stdout', 'stderr'] as const) {
      const x = ra[k], y = rb[k];
      if (typeof x === 'string' && typeof y === 'string') {
        const gx = uuidGroups(x), gy = uuidGroups(y);
        if (maskUuids(x) === maskUuids(y) && gx.length === gy.length && gx.every((g, j) => g.length === gy[j]!.length)) {
          gx.forEach((g, j) => groups.push([g, gy[j]!]));
          continue;
        }
      } else if (x === y) continue;
      parts.push(`  ${k}:\n    ${labels[0].padEnd(w)}: ${JSON.stringify(sa[k])}\n    ${labels[1].padEnd(w)}: ${JSON.stringify(sb[k])}`);
    }
    if (parts.length === 0) {
      const clash = pairUp(groups, ab, ba);
      if (!clash) return { index, sh: ra.sh, equal: true };
      parts.push(`  uuids: ${labels[0]}'s ${numA.apply(clash[0])} and ${labels[1]}'s ${numB.apply(clash[1])} do not stand for the same row as in earlier steps\n` +
        `    ${labels[0].padEnd(w)}: ${JSON.stringify(sa.stdout + sa.stderr)}\n    ${labels[1].padEnd(w)}: ${JSON.stringify(sb.stdout + sb.stderr)}`);
    }
    return { index, sh: ra.sh, equal: false, diff: `step ${index}: ${ra.sh}\n${parts.join('\n')}` };
  });
}

/** The uuids of a text, grouped where only punctuation (or the word `uuid`) separates them on one line. */
function uuidGroups(text: string): string[][] {
  const groups: string[][] = [];
  let end = -1;
  for (const m of text.matchAll(UUID_RE)) {
    const between = end < 0 ? null : text.slice(end, m.index);
    if (between !== null && /^[ ,[\]"]*(uuid)?[ ,[\]"]*$/.test(between)) groups[groups.length - 1]!.push(m[0]);
    else groups.push([m[0]]);
    end = m.index! + m[0].length;
  }
  return groups;
}

/** Adds the pairs the groups imply to the bijection `ab`/`ba` unless one contradicts it; returns the first contradicting pair. */
function pairUp(groups: [string[], string[]][], ab: Map<string, string>, ba: Map<string, string>): [string, string] | null {
  const nab = new Map(ab), nba = new Map(ba);
  const bind = (x: string, y: string): boolean => {
    if ((nab.get(x) ?? y) !== y || (nba.get(y) ?? x) !== x) return false;
    nab.set(x, y);
    nba.set(y, x);
    return true;
  };
  for (const [gx, gy] of groups) {
    if (gx.length === 1) {
      if (!bind(gx[0]!, gy[0]!)) return [gx[0]!, gy[0]!];
      continue;
    }
    const restX: string[] = [], restY = [...gy];
    for (const x of gx) {
      const y = nab.get(x);
      if (y === undefined) { restX.push(x); continue; }
      const i = restY.indexOf(y);
      if (i < 0) return [x, y];
      restY.splice(i, 1);
    }
    const stray = restY.find((y) => nba.has(y));
    if (stray) return [nba.get(stray)!, stray];
    if (restX.length === 1) bind(restX[0]!, restY[0]!);
  }
  for (const [x, y] of nab) ab.set(x, y);
  for (const [y, x] of nba) ba.set(y, x);
  return null;
}
