/**
 * `--help`, `--commands` and `--options` texts. Scripts do not parse these;
 * they list the same commands and options as ovs-vsctl's.
 */
import type { CommandSyntax } from './context.js';

export function usage(prog: string, what: 'help' | 'commands' | 'options', commands: readonly CommandSyntax[], env: NodeJS.ProcessEnv): string {
  if (what === 'commands') {
    return commands.map((c) => {
      const opts = c.options.split(',').filter((o) => o).map((o) => `[${o}] `).join('');
      return `${opts},${c.name},${c.usage}\n`;
    }).join('');
  }
  if (what === 'options') {
    return ['--db=ARG', '--no-wait', '--dry-run', '--oneline', '--timeout=ARG', '-t ARG', '--retry', '--help', '-h', '--version', '-V',
      '--format=ARG', '-f ARG', '--data=ARG', '-d ARG', '--no-headings', '--pretty', '--bare', '--max-column-width=ARG']
      .map((o) => o + '\n').join('');
  }
  const rundir = env.OVS_RUNDIR ?? '/var/run/openvswitch';
  const lines = [
    `${prog}: ovs-vswitchd management utility`,
    `usage: ${prog} [OPTIONS] COMMAND [ARG...]`,
    '',
    'Commands:',
    ...commands.map((c) => `  ${`${c.name} ${c.usage}`.padEnd(40)}`.trimEnd()),
    '',
    'Options:',
    '  --db=DATABASE               connect to DATABASE',
    `                              (default: unix:${rundir}/db.sock)`,
    '  --no-wait                   do not wait for ovs-vswitchd to reconfigure',
    '  --retry                     keep trying to connect to server forever',
    '  -t, --timeout=SECS          wait at most SECS seconds for ovs-vswitchd',
    '  --dry-run                   do not commit changes to database',
    '  --oneline                   print exactly one line of output per command',
    '',
    'Output formatting options:',
    '  -f, --format=FORMAT         set output formatting to FORMAT',
    '                              ("table", "html", "csv", or "json")',
    '  -d, --data=FORMAT           set table cell output formatting to',
    '                              FORMAT ("string", "bare", or "json")',
    '  --no-headings               omit table heading row',
    '  --pretty                    pretty-print JSON in output',
    '  --bare                      equivalent to "--format=list --data=bare --no-headings"',
    '',
    'Other options:',
    '  -h, --help                  display this help message',
    '  -V, --version               display version information',
  ];
  return lines.join('\n') + '\n';
}
