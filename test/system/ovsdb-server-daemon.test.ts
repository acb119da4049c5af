/**
 * Weft's ovsdb-server as a daemon, next to the real one: the remotes of its
 * command line. A `ptcp:0:IP` remote binds a port the kernel picks, and the
 * log names it ("0:127.0.0.1: listening on port N"): that line is how
 * scripts (OVS's own PARSE_LISTENING_PORT) find the port.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { SCHEMAS, skipUnlessTools, startOvsdbServer, type OvsdbServerImpl } from '../helpers/ovsdb-server-process.js';
import { RawRpcClient } from '../helpers/ovsdb-rpc.js';

const skip = skipUnlessTools('ovsdb-server', 'ovsdb-tool');

async function listDbs(target: { path: string } | { host: string; port: number }): Promise<unknown> {
  const c = await RawRpcClient.connect(target);
  try { return (await c.request('list_dbs', [])).result; } finally { c.close(); }
}

for (const impl of ['real', 'weft'] as OvsdbServerImpl[]) {
  test(`ovsdb-server daemon (${impl}): unix and tcp remotes serve the same databases`, { skip, timeout: 30_000 }, async (t) => {
    const s = await startOvsdbServer(t, { impl, tcp: true, dbs: [{ schema: SCHEMAS.vswitch }, { schema: SCHEMAS.harness }] });
    const port = Number(s.tcpRemote!.split(':').pop());
    const viaUnix = await listDbs({ path: s.sockPath });
    assert.deepEqual(await listDbs({ host: '127.0.0.1', port }), viaUnix);
    assert.deepEqual([...(viaUnix as string[])].sort(), ['Harness', 'Open_vSwitch', '_Server']);
  });

  test(`ovsdb-server daemon (${impl}): ptcp:0 logs the port it bound, and serves on it`, { skip, timeout: 30_000 }, async (t) => {
    const s = await startOvsdbServer(t, { impl, dbs: [{ schema: SCHEMAS.harness }], extraArgs: ['--remote=ptcp:0:127.0.0.1'] });
    const m = /listening on port (\d+)/.exec(fs.readFileSync(s.logFile, 'utf8'));
    assert.ok(m, `no "listening on port N" in the log:\n${s.output()}`);
    assert.ok((await listDbs({ host: '127.0.0.1', port: Number(m[1]) }) as string[]).includes('Harness'));
  });
}
