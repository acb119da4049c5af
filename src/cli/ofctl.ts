/**
 * `weft ofctl …`: drop-in for the common ovs-ofctl commands (see
 * src/openflow/ofctl.ts). Error messages start with the program name:
 * `weft ofctl` by default, or WEFT_OFCTL_PROG (e.g. `ovs-ofctl`, so
 * scripts matching its messages work).
 */
import { runOfctl } from '../openflow/ofctl.js';

export function main(argv: string[]): Promise<number> {
  // Like ovs-ofctl, a reader that goes away early is not an error.
  process.stdout.on('error', () => {});
  return runOfctl(argv, {
    prog: process.env.WEFT_OFCTL_PROG || 'weft ofctl',
    stdout: (s) => { process.stdout.write(s); },
    stderr: (s) => { process.stderr.write(s); },
    env: process.env,
  });
}
