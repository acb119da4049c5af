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
import { OpenFlowManager } from '../openflow/connmgr/manager.js';
import { traceCommand } from '../openflow/connmgr/trace.js';
import { preflight } from '../netdev/preflight.js';

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
  // Name any missing data-plane capability now, in plain words, rather than per port later.
  for (const c of preflight()) if (!c.ok) ctx.log.warn(`real interfaces unavailable: ${c.name}: ${c.detail}`);
  const clock = new SystemClock();
  const vs = new VswitchDaemon({ remote, clock, log: ctx.log, enableDummy });
  // OpenFlow: <rundir>/<bridge>.mgmt listeners and Controller connections follow the bridges.
  const openflow = new OpenFlowManager(vs.sw, { rundir, clock, log: ctx.log });
  vs.onReconfigure = (cfg) => openflow.reconfigure(cfg.bridges.map((b) => ({ name: b.name, controllers: b.controllers, failMode: b.failMode, protocols: b.protocols })));
  const tick = setInterval(() => openflow.run(), 50);
  for (const c of switchCommands(vs.sw, clock)) {
    // ofproto/trace walks the OpenFlow tables as well as NORMAL.
    const handler = c.name === 'ofproto/trace' ? (args: string[]) => traceCommand(vs.sw, clock, args) : c.handler;
    ctx.unixctl.register({
      name: c.name, usage: c.usage, minArgs: c.minArgs, maxArgs: c.maxArgs,
      handler: (args: string[]) => {
        const r = handler(args);
        return 'ok' in r ? { ok: r.ok } : { error: r.error };
      },
    });
  }
  ctx.onExit(() => { clearInterval(tick); openflow.close(); vs.stop(); });
  vs.start();
  ctx.ready();
  return -1;   // keep running
}
