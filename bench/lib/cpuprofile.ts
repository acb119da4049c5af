/**
 * Summaries of V8 CPU profiles (the `.cpuprofile` files `node --cpu-prof`
 * writes at exit): where a server process spent its time, as text a
 * benchmark can print after its table.
 *
 * A profile is a call tree of nodes plus a sample list: every sample names
 * the node that was on top of the stack, and `timeDeltas[i]` is the time
 * since the previous sample, charged here to sample i. Self time of a
 * function is the sum over samples where it was on top; total time counts a
 * sample once for every distinct function on its stack (so recursion is not
 * double-counted). Functions are keyed by name and location, so one function
 * reached through many paths adds up. `(idle)` — the event loop waiting —
 * is reported apart, since a load generator that cannot keep a server busy
 * shows up there and nowhere else. Several profiles (one per server run)
 * are merged by adding their times.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

interface CallFrame { functionName: string; url: string; lineNumber: number }
interface ProfileNode { id: number; callFrame: CallFrame; children?: number[] }
interface CpuProfile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] }

export interface FunctionTime {
  /** "name file:line", with file relative to the root given to summarize. */
  readonly name: string;
  readonly selfMs: number;
  readonly totalMs: number;
}

export interface ProfileSummary {
  readonly profiles: number;
  /** Sampled time minus (idle). */
  readonly busyMs: number;
  readonly idleMs: number;
  readonly gcMs: number;
  readonly functions: readonly FunctionTime[];
  /** Self time per source file (node internals grouped as "node:internal"). */
  readonly files: readonly { readonly file: string; readonly selfMs: number }[];
}

function frameKey(f: CallFrame, root: string): { key: string; file: string } {
  let file = f.url.replace(/^file:\/\//, '');
  if (file.startsWith(root)) file = path.relative(root, file);
  if (file.startsWith('node:internal')) file = 'node:internal';
  const name = f.functionName || '(anonymous)';
  if (!file) return { key: name, file: name.startsWith('(') ? name : '(native)' };
  return { key: `${name} ${file}:${f.lineNumber + 1}`, file };
}

/** Reads every .cpuprofile in dir and merges them into one summary. */
export function summarizeProfiles(dir: string, root: string): ProfileSummary {
  const files = fs.readdirSync(dir).filter((f) => f.endsWith('.cpuprofile'));
  const self = new Map<string, number>(), total = new Map<string, number>(), byFile = new Map<string, number>();
  let idle = 0, gc = 0, all = 0;
  for (const f of files) {
    const prof = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as CpuProfile;
    const parent = new Map<number, number>(), keys = new Map<number, { key: string; file: string }>();
    for (const n of prof.nodes) {
      keys.set(n.id, frameKey(n.callFrame, root));
      for (const c of n.children ?? []) parent.set(c, n.id);
    }
    for (let i = 0; i < prof.samples.length; i++) {
      const dt = (prof.timeDeltas[i] ?? 0) / 1000;
      const id = prof.samples[i]!;
      const top = keys.get(id)!;
      all += dt;
      if (top.key === '(idle)') { idle += dt; continue; }
      if (top.key === '(garbage collector)') gc += dt;
      self.set(top.key, (self.get(top.key) ?? 0) + dt);
      byFile.set(top.file, (byFile.get(top.file) ?? 0) + dt);
      const seen = new Set<string>();
      for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
        const k = keys.get(n)!.key;
        if (seen.has(k) || k === '(root)') continue;
        seen.add(k);
        total.set(k, (total.get(k) ?? 0) + dt);
      }
    }
  }
  const functions = [...total].map(([name, totalMs]) => ({ name, totalMs, selfMs: self.get(name) ?? 0 }));
  return {
    profiles: files.length, busyMs: all - idle, idleMs: idle, gcMs: gc, functions,
    files: [...byFile].map(([file, selfMs]) => ({ file, selfMs })).sort((a, b) => b.selfMs - a.selfMs),
  };
}

/** The summary as text: top functions by self time, by total time, and files by self time. */
export function formatProfileSummary(s: ProfileSummary, top = 15): string {
  const pct = (ms: number): string => `${((ms / s.busyMs) * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `${s.profiles} profile(s): busy ${s.busyMs.toFixed(0)} ms (GC ${pct(s.gcMs).trim()}), idle ${s.idleMs.toFixed(0)} ms`,
    '', `top ${top} functions by self time (% of busy):`,
    ...[...s.functions].sort((a, b) => b.selfMs - a.selfMs).slice(0, top).map((f) => `  ${pct(f.selfMs)}  ${f.name}`),
    '', `top ${top} functions by total time (% of busy):`,
    ...[...s.functions].sort((a, b) => b.totalMs - a.totalMs).slice(0, top).map((f) => `  ${pct(f.totalMs)}  ${f.name}`),
    '', 'self time by file:',
    ...s.files.slice(0, top).map((f) => `  ${pct(f.selfMs)}  ${f.file}`),
  ];
  return lines.join('\n') + '\n';
}
