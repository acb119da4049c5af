/**
 * `weft vswitchd` with OpenFlow wired in, for running the acceptance
 * scenarios (`of-*`) before the real daemon integrates the connection
 * manager. It is src/cli/vswitchd.ts plus exactly the three calls the
 * daemon needs (OpenFlowManager.reconfigure after each reconfiguration,
 * run on the tick, close on exit) and the full-pipeline ofproto/trace:
 *
 *   VSWITCHD="node dist/test/system/openflow-vswitchd.js --enable-dummy" python3 run.py of-
 */
import * as path from 'node:path';
import { SystemClock } from '../../src/base/clock.js';
import { VswitchDaemon } from '../../src/vswitch/daemon.js';
import { switchCommands } from '../../src/vswitch/appctl.js';
import { startDaemon, parseDaemonArgs } from '../../src/base/daemon.js';
import { readConfig, type RowSource } from '../../src/vswitch/config.js';
import { OpenFlowManager } from '../../src/openflow/connmgr/manager.js';
import { traceCommand } from '../../src/openflow/connmgr/trace.js';

const PROGRAM = 'ovs-vswitchd';

async function main(argv: string[]): Promise<number> {
  const { daemon, rest } = parseDaemonArgs(PROGRAM, argv);
  let remote: string | null = null;
  for (const a of rest) if (!a.startsWith('-')) remote = a;
  const rundir = process.env.OVS_RUNDIR ?? '/var/run/openvswitch';
  remote ??= `unix:${path.join(rundir, 'db.sock')}`;
  const ctx = await startDaemon(PROGRAM, daemon);
  const clock = new SystemClock();
  const vs = new VswitchDaemon({ remote, clock, log: ctx.log, enableDummy: true });
  const of = new OpenFlowManager(vs.sw, { rundir, clock, log: ctx.log });
  for (const c of switchCommands(vs.sw, clock)) {
    const handler = c.name === 'ofproto/trace' ? (args: string[]) => traceCommand(vs.sw, clock, args) : c.handler;
    ctx.unixctl.register({ name: c.name, usage: c.usage, minArgs: c.minArgs, maxArgs: c.maxArgs, handler: (args: string[]) => handler(args) });
  }
  const timer = setInterval(() => {
    if (vs.idl.state === 'monitoring') {
      const cfg = readConfig(vs.idl as unknown as RowSource);
      of.reconfigure(cfg.bridges.map((b) => ({ name: b.name, controllers: b.controllers, failMode: b.failMode, protocols: b.protocols })));
    }
    of.run();
  }, 50);
  ctx.onExit(() => { clearInterval(timer); of.close(); vs.stop(); });
  vs.start();
  ctx.ready();
  return -1;
}

main(process.argv.slice(2)).then((code) => { if (code >= 0) process.exitCode = code; }, (e: unknown) => {
  process.stderr.write(`${PROGRAM}: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});
