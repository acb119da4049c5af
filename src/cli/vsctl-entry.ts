/** Stand-alone entry for `weft vsctl` (until it is registered in main.ts): node dist/src/cli/vsctl-entry.js ARGS. */
import { main } from './vsctl.js';

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`weft vsctl: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
