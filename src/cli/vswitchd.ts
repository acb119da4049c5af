/**
 * `weft vswitchd [DATABASE]`: the switch daemon, with ovs-vswitchd's
 * command line (`unix:DBSOCK`, `--pidfile`, `--detach`, `--no-chdir`,
 * `--log-file`, `--unixctl`, `--enable-dummy`, `--disable-system`,
 * `--disable-system-route`) and control socket
 * `<rundir>/ovs-vswitchd.<pid>.ctl`, which the real `ovs-appctl` drives.
 */
import * as path from 'node:path';
import { SystemClock } from '../base/clock.js';
import { VswitchDaemon } from '../vswitch/daemon.js';
import { switchCommands } from '../vswitch/appctl.js';
import { startDaemon, parseDaemonArgs } from '../base/daemon.js';

const PROGRAM = 'ovs-vswitchd';

export async function main(argv: string[]): Promise<number> {
  const { daemon, rest } = parseDaemonArgs(PROGRAM, argv);
  let enableDummy = false;
  let remote: string | null = null;
  for (const a of rest) {
    if (a === '--enable-dummy' || a.startsWith('--enable-dummy=')) enableDummy = true;
    else if (a === '--disable-system' || a === '--disable-system-route' || a.startsWith('--dpdk') || a === '--mlockall') continue;
    else if (a.startsWith('-')) { process.stderr.write(`${PROGRAM}: unrecognized option '${a}'\n`); return 1; }
    else if (remote === null) remote = a;
    else { process.stderr.write(`${PROGRAM}: at most one non-option argument accepted; use --help for usage\n`); return 1; }
  }
  const rundir = process.env.OVS_RUNDIR ?? '/var/run/openvswitch';
  remote ??= `unix:${path.join(rundir, 'db.sock')}`;

  const ctx = await startDaemon(PROGRAM, daemon);
  const clock = new SystemClock();
  const vs = new VswitchDaemon({ remote, clock, log: ctx.log, enableDummy });
  for (const c of switchCommands(vs.sw, clock)) {
    ctx.unixctl.register({
      name: c.name, usage: c.usage, minArgs: c.minArgs, maxArgs: c.maxArgs,
      handler: (args: string[]) => {
        const r = c.handler(args);
        return 'ok' in r ? { ok: r.ok } : { error: r.error };
      },
    });
  }
  ctx.onExit(() => vs.stop());
  vs.start();
  ctx.ready();
  return -1;   // keep running
}
