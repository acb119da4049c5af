/**
 * Counting a daemon's system calls with strace, to report what a server
 * does rather than what it is said to do — for instance how many fsync or
 * fdatasync calls it makes per transaction. The daemon is started under
 * `strace -f` (threads included: Node's file I/O runs on libuv's thread
 * pool) with the chosen calls written to a file, one line per call, and
 * the lines are counted between steps of a load. strace slows the traced
 * process, so only short probes run under it, never the measured load.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';

export function straceAvailable(): boolean {
  try {
    execFileSync('strace', ['-qq', '-e', 'trace=none', 'true'], { stdio: 'ignore', timeout: 10000 });
    return true;
  } catch {
    return false;
  }
}

/** The command prefix that runs a program under strace, logging the named calls to outFile. */
export function straceLauncher(outFile: string, calls: readonly string[]): string[] {
  return ['strace', '-f', '-qq', '-e', `trace=${calls.join(',')}`, '-o', outFile];
}

/** How many of the named calls the strace log holds so far. */
export function countSyscalls(outFile: string, calls: readonly string[]): number {
  let text: string;
  try { text = fs.readFileSync(outFile, 'utf8'); } catch { return 0; }
  const re = new RegExp(`^\\d+\\s+(?:<\\.\\.\\. )?(?:${calls.join('|')})[( ]`, 'gm');
  let n = 0;
  for (const line of text.matchAll(re)) if (!line[0].includes('<...')) n++;
  return n;
}
