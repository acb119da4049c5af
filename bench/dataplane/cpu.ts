/**
 * CPU time a switch spends, read from /proc: the sum of user and system
 * time of its daemons and all their descendants (a daemon started in the
 * foreground may do its work in a child). On a 2-core machine shared by the
 * traffic generator, the receiver and the switch, packets/s delivered depend
 * on who the scheduler favours; CPU per delivered packet is the figure least
 * disturbed by that, as the control-plane harness's "CPU per transaction".
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

const TICK = 100; // USER_HZ on Linux

function statOf(pid: number): { ppid: number; ticks: number } | null {
  try {
    const s = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const rest = s.slice(s.lastIndexOf(')') + 2).split(' ');
    // Fields after the command: state(0) ppid(1) … utime(11) stime(12)
    return { ppid: Number(rest[1]), ticks: Number(rest[11]) + Number(rest[12]) };
  } catch {
    return null;
  }
}

/** CPU seconds used so far by `pids` and their descendants. */
export function cpuSeconds(pids: readonly number[]): number {
  const children = new Map<number, number[]>();
  const ticks = new Map<number, number>();
  for (const e of fs.readdirSync('/proc')) {
    const pid = Number(e);
    if (!Number.isInteger(pid)) continue;
    const st = statOf(pid);
    if (!st) continue;
    ticks.set(pid, st.ticks);
    const l = children.get(st.ppid) ?? [];
    l.push(pid);
    children.set(st.ppid, l);
  }
  let total = 0;
  const seen = new Set<number>();
  const stack = [...pids];
  while (stack.length) {
    const p = stack.pop()!;
    if (seen.has(p)) continue;
    seen.add(p);
    total += ticks.get(p) ?? 0;
    stack.push(...(children.get(p) ?? []));
  }
  return total / TICK;
}

export const cores = os.cpus().length;
