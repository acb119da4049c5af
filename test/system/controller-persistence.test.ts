/**
 * Everything survives a controller restart, in both deployments the issue
 * names, with `weft controller` run as its own process and driven over
 * HTTP:
 *   - embedded (`--dir=DIR`): a clean stop and restart, then a crash
 *     (SIGKILL) right after further writes were acknowledged: every
 *     acknowledged write is there (replies wait for the disk);
 *   - external (`--nb=unix:…`): Weft's own `ovsdb-server` holding the
 *     OVN_Northbound database; the controller restarted, then the database
 *     server restarted under a running controller (it reconnects);
 *   - the same against the real `ovsdb-server`, as the external store.
 * "Everything" is the world of controller-world.ts: every resource kind
 * and the attributes that are hardest to keep (quotas, tags, rules of every
 * shape, routers with gateways, interfaces and extra routes, floating IPs,
 * agents), compared as the API shows them, admin and project alike. After
 * each restart the controller must also keep working: addresses, MACs and
 * VLANs taken before stay taken.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Api, apiSnapshot, buildWorld, checkStillWorking, startDaemon, stopDaemon, WORLD_CONFIG, type Daemon } from './controller-world.js';
import { OvsdbServerProcess, SCHEMAS, skipUnlessTools } from '../helpers/ovsdb-server-process.js';

function tempDir(t: { after(fn: () => void): void }, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `weft-${prefix}-`));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Starts the controller with `args`; stops it when the test ends. */
async function controller(t: { after(fn: () => Promise<void>): void }, args: string[]): Promise<Daemon> {
  const d = await startDaemon(args);
  t.after(() => stopDaemon(d, 'SIGKILL'));
  return d;
}

test('embedded store: everything survives a clean restart and a crash', { timeout: 120_000 }, async (t) => {
  const dir = tempDir(t, 'ctl-persist');
  const cfg = path.join(dir, 'controller.ini');
  fs.writeFileSync(cfg, WORLD_CONFIG);
  const args = [`--dir=${dir}`, `--config=${cfg}`];
  let d = await controller(t, args);
  const w = await buildWorld(new Api(d.url));
  const before = await apiSnapshot(new Api(d.url));

  await stopDaemon(d);
  d = await controller(t, args);
  assert.deepEqual(await apiSnapshot(new Api(d.url)), before, 'after a clean restart');
  await checkStillWorking(new Api(d.url), w);

  // More writes, acknowledged, then a crash: they are all there.
  const api = new Api(d.url);
  const late = await api.mk('ports', 'port', { name: 'late', network_id: w.vlan.id, fixed_ips: [{ ip_address: '192.0.2.77' }] });
  await api.ok('PUT', `/v2.0/networks/${w.tenant.id}/tags/late`, undefined, 201);
  await api.ok('PUT', `/v2.0/routers/${w.r1.id}/remove_extraroutes`, { router: { routes: [{ destination: '10.50.0.0/16', nexthop: '192.0.2.254' }] } });
  await api.ok('DELETE', `/v2.0/floatingips/${w.fip2.id}`, undefined, 204);
  const acknowledged = await apiSnapshot(api);
  await stopDaemon(d, 'SIGKILL');
  d = await controller(t, args);
  const after = await apiSnapshot(new Api(d.url));
  assert.deepEqual(after, acknowledged, 'after a crash');
  assert.ok((after['admin ports'] as any).ports.some((p: any) => p.id === late.id));
  await checkStillWorking(new Api(d.url), w);
});

for (const impl of ['weft', 'real'] as const) {
  const skip = skipUnlessTools('ovsdb-tool', ...(impl === 'real' ? ['ovsdb-server'] : []));
  test(`external ${impl === 'weft' ? "Weft's" : 'the real'} ovsdb-server (--nb): everything survives a controller restart${impl === 'weft' ? ' and a database server restart' : ''}`, { skip, timeout: 120_000 }, async (t) => {
    const server = await OvsdbServerProcess.start({ impl, dbs: [{ schema: SCHEMAS.ovnNb, file: 'ovnnb.db' }] });
    t.after(() => server.dispose());
    const cfg = path.join(server.dir, 'controller.ini');
    fs.writeFileSync(cfg, WORLD_CONFIG);
    const args = [`--nb=${server.unixRemote}`, `--config=${cfg}`];
    let d = await controller(t, args);
    const w = await buildWorld(new Api(d.url));
    const before = await apiSnapshot(new Api(d.url));

    await stopDaemon(d);
    d = await controller(t, args);
    assert.deepEqual(await apiSnapshot(new Api(d.url)), before, 'after a controller restart');
    await checkStillWorking(new Api(d.url), w);
    if (impl !== 'weft') return;

    // The database server goes away and comes back on the same file; the controller reconnects.
    await server.stop();
    const down = await new Api(d.url).req('POST', '/v2.0/networks', { network: { name: 'while-down' } });
    assert.equal(down.status, 503, JSON.stringify(down.body));
    assert.equal(down.body.NeutronError.type, 'ServiceUnavailable');
    await server.restart();
    let again: Record<string, unknown> | null = null;
    for (let i = 0; i < 100 && !again; i++) {
      const probe = await new Api(d.url).req('POST', '/v2.0/networks', { network: { name: 'after-restart' } });
      if (probe.status === 201) {
        await new Api(d.url).ok('DELETE', `/v2.0/networks/${probe.body.network.id}`, undefined, 204);
        again = await apiSnapshot(new Api(d.url));
      } else await new Promise((r) => setTimeout(r, 100));
    }
    assert.ok(again, 'the controller did not get the database back');
    assert.deepEqual(again, before, 'after a database server restart');
    await checkStillWorking(new Api(d.url), w);
  });
}
