/**
 * What a benchmark ran on, printed beside every report: figures from a
 * 2-core machine shared with other work are not comparable to a quiet
 * 16-core one, and the 1-minute load average at start and end tells how much
 * else was running. Peer versions come from the peer's own `--version`.
 */
import { execFileSync } from 'node:child_process';
import * as os from 'node:os';

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly platform: string;
  readonly node: string;
  readonly loadAverage1m: number;
}

export function describeMachine(): MachineInfo {
  const cpus = os.cpus();
  return {
    cores: cpus.length,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    platform: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
}

/** The first line of `command --version`, or null when the command cannot run. */
export function toolVersion(command: string): string | null {
  try {
    const out = execFileSync(command, ['--version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10000 });
    return out.split('\n')[0]!.trim() || null;
  } catch {
    return null;
  }
}

/** `git describe`-like identity of a checkout (short hash, "+dirty" when it has local changes), or null. */
export function gitRevision(dir: string): string | null {
  try {
    const run = (args: string[]): string => execFileSync('git', ['-C', dir, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 10000 }).trim();
    const hash = run(['rev-parse', '--short', 'HEAD']);
    return run(['status', '--porcelain', '--untracked-files=no']) ? `${hash}+dirty` : hash;
  } catch {
    return null;
  }
}
