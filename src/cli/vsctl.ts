/**
 * `weft vsctl …`: drop-in for ovs-vsctl (see src/vsctl/vsctl.ts).
 * Error messages start with the program name: `weft vsctl` by default, or
 * the name this was invoked as through a symlink or wrapper that sets
 * WEFT_VSCTL_PROG (e.g. `ovs-vsctl`, so scripts matching its messages work).
 */
import { runVsctl } from '../vsctl/vsctl.js';

export function main(argv: string[]): Promise<number> {
  // Like ovs-vsctl (which ignores SIGPIPE), a reader that goes away early is not an error.
  process.stdout.on('error', () => {});
  return runVsctl(argv, {
    prog: process.env.WEFT_VSCTL_PROG || 'weft vsctl',
    stdout: (s) => { process.stdout.write(s); },
    stderr: (s) => { process.stderr.write(s); },
    env: process.env,
  });
}
