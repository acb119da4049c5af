/**
 * `weft <command> …`: dispatches to one module per command. Each command
 * module parses its own arguments in the syntax of the Open vSwitch program it
 * replaces (so scripts written for `ovs-vsctl`, `ovsdb-tool`… work unchanged)
 * and returns an exit status. Modules are loaded lazily to keep start-up fast.
 */
type CommandMain = (argv: string[]) => Promise<number>;

const commands: Record<string, { summary: string; load: () => Promise<CommandMain> }> = {
  'ovsdb-server': { summary: 'OVSDB server (RFC 7047), drop-in for ovsdb-server', load: async () => (await import('./ovsdb-server.js')).main },
  'ovsdb-tool': { summary: 'offline database file tool, drop-in for ovsdb-tool', load: async () => (await import('./ovsdb-tool.js')).main },
  'vswitchd': { summary: 'the switch daemon, drop-in for ovs-vswitchd', load: async () => (await import('./vswitchd.js')).main },
  'start': { summary: 'start Weft\'s daemons with default directories', load: async () => (await import('./service.js')).start },
  'stop': { summary: 'stop Weft\'s daemons', load: async () => (await import('./service.js')).stop },
  'status': { summary: 'show whether Weft\'s daemons run', load: async () => (await import('./service.js')).status },
  'restart': { summary: 'stop then start Weft\'s daemons', load: async () => (await import('./service.js')).restart },
  'appctl': { summary: 'send a command to a running daemon, drop-in for ovs-appctl', load: async () => (await import('./appctl.js')).main },
  'ofctl': { summary: 'OpenFlow switch management, drop-in for ovs-ofctl', load: async () => (await import('./ofctl.js')).main },
  'controller': { summary: 'Neutron-compatible networking API over an OVN_Northbound database', load: async () => (await import('./controller.js')).main },
  'doctor': { summary: 'check that this machine can switch real packets (addon, capabilities, TAP, AF_PACKET)', load: async () => (await import('./doctor.js')).main },
  'vsctl': { summary: 'configure the switch database, drop-in for ovs-vsctl', load: async () => (await import('./vsctl.js')).main },
};

function usage(): string {
  const lines = ['usage: weft COMMAND [ARG...]', '', 'Commands:'];
  for (const [name, c] of Object.entries(commands)) lines.push(`  ${name.padEnd(14)} ${c.summary}`);
  return lines.join('\n') + '\n';
}

async function run(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (!name || name === '--help' || name === '-h' || name === 'help') {
    process.stdout.write(usage());
    return name ? 0 : 1;
  }
  if (name === '--version' || name === 'version') {
    process.stdout.write('weft 0.1.0\n');
    return 0;
  }
  const c = commands[name];
  if (!c) {
    process.stderr.write(`weft: unknown command '${name}' (use --help for help)\n`);
    return 1;
  }
  return (await c.load())(rest);
}

run(process.argv.slice(2)).then(
  (code) => { if (code !== undefined && code >= 0) process.exitCode = code; },
  (e: unknown) => {
    process.stderr.write(`weft: ${e instanceof Error ? e.stack ?? e.message : String(e)}\n`);
    process.exitCode = 1;
  },
);
