/**
 * `weft doctor`: says whether this machine can run Weft's data plane on real
 * interfaces, naming any missing capability in plain words. Exit status 0
 * when everything is there, 1 otherwise.
 */
import { formatChecks, preflight } from '../netdev/preflight.js';

export async function main(argv: string[]): Promise<number> {
  if (argv.includes('--help') || argv.includes('-h')) {
    process.stdout.write('usage: weft doctor\nChecks the native addon, capabilities, TAP and AF_PACKET support.\n');
    return 0;
  }
  const checks = preflight();
  process.stdout.write(formatChecks(checks));
  return checks.every((c) => c.ok) ? 0 : 1;
}
