/**
 * `weft ovsdb-server [DATABASE...]`: the OVSDB server daemon, with
 * ovsdb-server's command line (`--remote=`, `--pidfile`, `--log-file`,
 * `--unixctl`, `--detach`, `--no-chdir`, …) and control socket
 * `<rundir>/ovsdb-server.<pid>.ctl` serving `ovsdb-server/compact`,
 * `ovsdb-server/list-dbs`, `ovsdb-server/add-remote`,
 * `ovsdb-server/remove-remote`, `ovsdb-server/list-remotes` besides the
 * shared `exit`, `version`, `list-commands` and `vlog/*`.
 */
import * as path from 'node:path';
import { OvsdbServer, type ServerLog } from '../ovsdb/server.js';
import { openStoredDatabase, type FileStorage } from '../ovsdb/storage.js';
import { startDaemon, parseDaemonArgs } from '../base/daemon.js';
import { dbdir } from '../base/dirs.js';

const PROGRAM = 'ovsdb-server';

/** Options ovsdb-server accepts that Weft's standalone server has no use for; accepted so scripts keep working. */
const IGNORED = ['--private-key=', '--certificate=', '--ca-cert=', '--bootstrap-ca-cert=', '--ssl-protocols=', '--ssl-ciphers=',
  '--peer-ca-cert=', '--sync-from=', '--sync-exclude-tables=', '--disable-file-column-diff', '--active', '--no-self-confinement'];

export async function main(argv: string[]): Promise<number> {
  const { daemon, rest } = parseDaemonArgs(PROGRAM, argv);
  const remotes: string[] = [];
  const files: string[] = [];
  for (const a of rest) {
    if (a.startsWith('--remote=')) remotes.push(a.slice('--remote='.length));
    else if (IGNORED.some((p) => a === p || (p.endsWith('=') && a.startsWith(p)))) continue;
    else if (a.startsWith('-')) { process.stderr.write(`${PROGRAM}: unrecognized option '${a}'\n`); return 1; }
    else files.push(path.resolve(a));
  }
  if (files.length === 0) files.push(path.join(dbdir(), 'conf.db'));

  const ctx = await startDaemon(PROGRAM, daemon);
  const log: ServerLog = {
    info: (m) => ctx.log.info(m),
    warn: (m) => ctx.log.warn(m),
    error: (m) => ctx.log.err(m),
  };
  const server = new OvsdbServer(log);
  const storages = new Map<string, FileStorage>();
  for (const file of files) {
    let opened;
    try {
      opened = await openStoredDatabase(file);
    } catch (e) {
      ctx.log.err(`${file}: ${(e as Error).message}`);
      process.stderr.write(`${PROGRAM}: ${(e as Error).message}\n`);
      return ctx.exit(1);
    }
    for (const w of opened.warnings) ctx.log.warn(w);
    server.addDatabase(opened.db, opened.storage);
    storages.set(opened.db.name, opened.storage);
  }
  for (const r of remotes) {
    try {
      await server.addRemote(r);
    } catch (e) {
      process.stderr.write(`${PROGRAM}: ${r}: ${(e as Error).message}\n`);
      return ctx.exit(1);
    }
  }

  const reg = ctx.unixctl;
  reg.register({
    name: 'ovsdb-server/list-dbs', usage: '', minArgs: 0, maxArgs: 0,
    handler: () => ({ ok: [...server.dbs.keys()].sort().map((n) => `${n}\n`).join('') }),
  });
  reg.register({
    name: 'ovsdb-server/compact', usage: '[DB]...', minArgs: 0, maxArgs: Infinity,
    handler: async (args: string[]) => {
      const names = args.length ? args : [...storages.keys()];
      for (const n of names) if (!storages.has(n)) return { error: 'no database by that name\n' };
      for (const n of names) await storages.get(n)!.compact();
      return { ok: '' };
    },
  });
  reg.register({
    name: 'ovsdb-server/add-remote', usage: 'REMOTE', minArgs: 1, maxArgs: 1,
    handler: async ([r]: string[]) => {
      try { await server.addRemote(r!); return { ok: '' }; } catch (e) { return { error: `${(e as Error).message}\n` }; }
    },
  });
  reg.register({
    name: 'ovsdb-server/remove-remote', usage: 'REMOTE', minArgs: 1, maxArgs: 1,
    handler: async ([r]: string[]) => ((await server.remotes.remove(r!)) ? { ok: '' } : { error: 'no such remote\n' }),
  });
  reg.register({
    name: 'ovsdb-server/list-remotes', usage: '', minArgs: 0, maxArgs: 0,
    handler: () => ({ ok: server.remotes.list().map((r) => `${r}\n`).join('') }),
  });
  ctx.onExit(() => server.close());
  ctx.ready();
  return -1;   // keep running
}
