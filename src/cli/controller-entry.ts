/** Stand-alone entry for `weft controller` (until it is registered in main.ts): node dist/src/cli/controller-entry.js ARGS. */
import { main } from './controller.js';

main(process.argv.slice(2)).then(
  (code) => { if (code >= 0) process.exit(code); },
  (e: unknown) => {
    process.stderr.write(`weft controller: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exit(1);
  },
);
