/**
 * `weft controller` driven by the real OpenStack clients through seed
 * 003's workflow (provider VLAN 204 on physical network `default`, a subnet
 * with a pool, a fixed-IP/MAC port made with the legacy `neutron` CLI, a
 * security group with rules, a router with gateway and interface, a
 * floating IP, quotas, tags), with the results checked through `ovn-nbctl`
 * against the same database, a restart, and token authentication through
 * the controller's minimal Keystone.
 *
 * Needs `openstack` and `neutron` (Debian: python3-openstackclient,
 * python3-neutronclient) and `ovn-nbctl`; skips without them. Each CLI
 * call costs about a second of Python start-up.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const ENTRY = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../src/cli/controller-entry.js');

function has(cmd: string): boolean {
  try { execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }); return true; } catch { return false; }
}
const missing = ['openstack', 'neutron', 'ovn-nbctl'].filter((c) => !has(c));
const skip = missing.length ? `needs ${missing.join(', ')} (apt-get install python3-openstackclient python3-neutronclient ovn-common)` : false;

interface Daemon { proc: ChildProcess; url: string }

async function startDaemon(args: string[]): Promise<Daemon> {
  const proc = spawn(process.execPath, [ENTRY, '--listen=127.0.0.1:0', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  const url = await new Promise<string>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`controller did not start: ${err}`)), 15000);
    proc.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) { clearTimeout(t); resolve(m[1]!); }
    });
    proc.on('exit', (c) => { clearTimeout(t); reject(new Error(`controller exited ${c}: ${err}`)); });
  });
  return { proc, url };
}

async function stopDaemon(d: Daemon): Promise<void> {
  if (d.proc.exitCode !== null) return;
  const done = new Promise((r) => d.proc.once('exit', r));
  d.proc.kill('SIGTERM');
  await done;
}

interface Run { code: number; out: string; err: string }

function run(cmd: string, args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (d: Buffer) => { out += d.toString(); });
    p.stderr.on('data', (d: Buffer) => { err += d.toString(); });
    const t = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.on('close', (code) => { clearTimeout(t); resolve({ code: code ?? -1, out, err }); });
  });
}

let dir = '';
let d: Daemon;
const env = (): Record<string, string> => ({ OS_AUTH_TYPE: 'none', OS_ENDPOINT: d.url, OS_CLOUD: '', OS_AUTH_URL: '' });

async function os_(...args: string[]): Promise<string> {
  const r = await run('openstack', args, env());
  assert.equal(r.code, 0, `openstack ${args.join(' ')}: ${r.err}`);
  return r.out;
}
async function neutron(...args: string[]): Promise<string> {
  const r = await run('neutron', args, env());
  assert.equal(r.code, 0, `neutron ${args.join(' ')}: ${r.err}`);
  return r.out;
}
async function nbctl(...args: string[]): Promise<string> {
  const r = await run('ovn-nbctl', [`--db=unix:${path.join(dir, 'ovnnb_db.sock')}`, '--timeout=10', ...args]);
  assert.equal(r.code, 0, `ovn-nbctl ${args.join(' ')}: ${r.err}`);
  return r.out;
}
const json = (s: string): any => JSON.parse(s);

before(async () => {
  if (skip) return;
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-ctl-cli-'));
  fs.writeFileSync(path.join(dir, 'controller.ini'), '[hypervisor:hv1]\navailability_zone = az1\nbridge_mappings = default:br-ex\n');
  d = await startDaemon([`--dir=${dir}`, `--config=${path.join(dir, 'controller.ini')}`]);
});
after(async () => {
  if (skip) return;
  await stopDaemon(d);
  fs.rmSync(dir, { recursive: true, force: true });
});

const ids: Record<string, string> = {};

test('seed 003: provider VLAN network, subnet with pool, fixed-IP/MAC port (neutron CLI)', { skip }, async () => {
  await neutron('net-create', '--provider:network_type', 'vlan', '--provider:physical_network', 'default', '--provider:segmentation_id', '204', 'vlan204');
  await neutron('subnet-create', '--name', 'sub204', '--allocation-pool', 'start=192.0.2.10,end=192.0.2.100', 'vlan204', '192.0.2.0/24');
  const nets = await neutron('net-list');
  assert.match(nets, /vlan204 .*192\.0\.2\.0\/24/);
  const subs = await neutron('subnet-list');
  assert.match(subs, /sub204 .*192\.0\.2\.0\/24/);
  ids.net = json(await os_('network', 'show', 'vlan204', '-f', 'json')).id;
  ids.sub = json(await os_('subnet', 'show', 'sub204', '-f', 'json')).id;
  const port = await neutron('port-create', '--fixed-ip', `subnet_id=${ids.sub},ip_address=192.0.2.50`, '--name', 'host1-vlan204', '--mac-address', 'fa:16:3e:12:34:56', ids.net);
  assert.match(port, /fa:16:3e:12:34:56/);
  assert.match(port, /"ip_address": "192\.0\.2\.50"/);
  const dup = await run('neutron', ['port-create', '--mac-address', 'fa:16:3e:12:34:56', ids.net], env());
  assert.notEqual(dup.code, 0);
  assert.match(dup.err, /The mac address fa:16:3e:12:34:56 is in use/);
  assert.match(dup.err, /request_ids: \['req-/);
  const net = json(await os_('network', 'show', 'vlan204', '-f', 'json'));
  assert.equal(net['provider:segmentation_id'], 204);
  assert.equal(net['provider:network_type'], 'vlan');
});

test('seed 003: security group with rules, router with gateway and interface, floating IP (openstack CLI)', { skip }, async () => {
  await os_('security', 'group', 'create', '--description', 'web servers', 'web');
  await os_('security', 'group', 'rule', 'create', '--protocol', 'tcp', '--dst-port', '22', '--remote-ip', '0.0.0.0/0', 'web');
  await neutron('security-group-rule-create', '--direction', 'ingress', '--protocol', 'tcp', '--port-range-min', '80', '--port-range-max', '80', 'web');
  await os_('port', 'set', '--security-group', 'web', '--host', 'hv1', 'host1-vlan204');
  const port = json(await os_('port', 'show', 'host1-vlan204', '-f', 'json'));
  assert.equal(port.binding_vif_type, 'ovs');
  await os_('network', 'create', '--external', '--provider-network-type', 'flat', '--provider-physical-network', 'default', 'public');
  await os_('subnet', 'create', '--network', 'public', '--subnet-range', '203.0.113.0/24', '--allocation-pool', 'start=203.0.113.10,end=203.0.113.200', '--no-dhcp', 'public-sub');
  await os_('router', 'create', 'r1');
  await os_('router', 'set', '--external-gateway', 'public', 'r1');
  const added = await neutron('router-interface-add', 'r1', 'sub204');
  assert.match(added, /Added interface [0-9a-f-]{36} to router r1\./);
  await os_('router', 'add', 'route', '--route', 'destination=10.10.0.0/16,gateway=192.0.2.254', 'r1');
  const router = json(await os_('router', 'show', 'r1', '-f', 'json'));
  ids.router = router.id;
  assert.equal(router.interfaces_info[0].ip_address, '192.0.2.1');
  assert.equal(router.external_gateway_info.external_fixed_ips[0].ip_address, '203.0.113.10');
  const fip = json(await os_('floating', 'ip', 'create', '--port', 'host1-vlan204', 'public', '-f', 'json'));
  assert.equal(fip.fixed_ip_address, '192.0.2.50');
  assert.equal(fip.router_id, router.id);
  ids.fip = fip.floating_ip_address;
  const agents = await os_('network', 'agent', 'list', '-f', 'json');
  assert.equal(json(agents)[0].Host, 'hv1');
  const zones = json(await os_('availability', 'zone', 'list', '--network', '-f', 'json'));
  assert.ok(zones.some((z: any) => z['Zone Name'] === 'az1'));
  await os_('network', 'create', '--availability-zone-hint', 'az1', 'az-net');
});

test('seed 003: quotas and tags', { skip }, async () => {
  await neutron('quota-update', '--network', '20');
  const q = await neutron('quota-show');
  assert.match(q, /\| network +\| 20 +\|/);
  const list = json(await os_('quota', 'list', '--network', '-f', 'json'));
  assert.equal(list[0].Networks, 20);
  await os_('network', 'set', '--tag', 'prod', 'vlan204');
  assert.equal((await os_('network', 'list', '--tags', 'prod', '-f', 'value', '-c', 'Name')).trim(), 'vlan204');
  assert.equal((await os_('network', 'list', '--external', '-f', 'value', '-c', 'Name')).trim(), 'public');
  const ports = json(await os_('port', 'list', '--network', 'vlan204', '--long', '-f', 'json'));
  assert.deepEqual(ports.map((p: any) => p['Device Owner']).sort(), ['', 'network:distributed', 'network:router_interface']);
});

test('the same networks seen through ovn-nbctl', { skip }, async () => {
  const show = await nbctl('show');
  assert.match(show, new RegExp(`switch [0-9a-f-]+ \\(neutron-${ids.net}\\) \\(aka vlan204\\)`));
  assert.match(show, /port [0-9a-f-]+ \(aka host1-vlan204\)\n\s+addresses: \["fa:16:3e:12:34:56 192\.0\.2\.50"\]/);
  assert.match(show, /type: localnet/);
  assert.match(show, new RegExp(`router [0-9a-f-]+ \\(neutron-${ids.router}\\) \\(aka r1\\)`));
  assert.match(show, /networks: \["192\.0\.2\.1\/24"\]/);
  const localnet = await nbctl('--bare', '--columns=options,tag_request', 'find', 'Logical_Switch_Port', 'type=localnet', 'tag_request=204');
  assert.match(localnet, /network_name=default/);
  const lsp = await nbctl('--bare', '--columns=port_security', 'find', 'Logical_Switch_Port', 'external_ids:"neutron:port_name"=host1-vlan204');
  assert.equal(lsp.trim(), 'fa:16:3e:12:34:56 192.0.2.50');
  const sg = json(await os_('security', 'group', 'show', 'web', '-f', 'json'));
  const acls = await nbctl('acl-list', `pg_${sg.id.replace(/-/g, '_')}`);
  assert.match(acls, /to-lport +1002 \(outport == @pg_[0-9a-f_]+ && ip4 && tcp && tcp\.dst == 22\) allow-related/);
  assert.match(acls, /tcp\.dst == 80/);
  const nat = await nbctl('lr-nat-list', `neutron-${ids.router}`);
  assert.match(nat, new RegExp(`dnat_and_snat +${ids.fip.replace(/\./g, '\\.')} +192\\.0\\.2\\.50`));
  assert.match(nat, /snat +203\.0\.113\.10 +192\.0\.2\.0\/24/);
  const routes = await nbctl('lr-route-list', `neutron-${ids.router}`);
  assert.match(routes, /10\.10\.0\.0\/16 +192\.0\.2\.254/);
  assert.match(routes, /0\.0\.0\.0\/0 +203\.0\.113\.1/);
  const dhcp = await nbctl('--bare', '--columns=options', 'find', 'DHCP_Options', 'cidr="192.0.2.0/24"');
  assert.match(dhcp, /router=192\.0\.2\.1/);
  assert.match(dhcp, /lease_time=43200/);
});

test('everything survives a controller restart', { skip }, async () => {
  const before = await Promise.all([
    os_('network', 'list', '--long', '-f', 'json'), os_('port', 'list', '--long', '-f', 'json'),
    os_('router', 'show', 'r1', '-f', 'json'), os_('floating', 'ip', 'list', '-f', 'json'),
    os_('security', 'group', 'rule', 'list', 'web', '-f', 'json'),
  ]);
  await stopDaemon(d);
  d = await startDaemon([`--dir=${dir}`, `--config=${path.join(dir, 'controller.ini')}`]);
  const after = await Promise.all([
    os_('network', 'list', '--long', '-f', 'json'), os_('port', 'list', '--long', '-f', 'json'),
    os_('router', 'show', 'r1', '-f', 'json'), os_('floating', 'ip', 'list', '-f', 'json'),
    os_('security', 'group', 'rule', 'list', 'web', '-f', 'json'),
  ]);
  assert.deepEqual(after.map(json), before.map(json));
});

test('token authentication through the minimal Keystone, with project isolation', { skip }, async () => {
  const kdir = fs.mkdtempSync(path.join(os.tmpdir(), 'weft-ctl-ks-'));
  fs.writeFileSync(path.join(kdir, 'c.ini'), '[DEFAULT]\nauth_strategy = keystone\n[user:alice]\npassword = a\nproject = demo\n[user:bob]\npassword = b\nproject = other\n');
  const k = await startDaemon([`--dir=${kdir}`, `--config=${path.join(kdir, 'c.ini')}`, '--nb-listen=ptcp:0:127.0.0.1']);
  try {
    const as = (user: string, pw: string, project: string) => (...args: string[]): Promise<Run> => run('openstack', [
      '--os-auth-url', `${k.url}/v3`, '--os-username', user, '--os-password', pw, '--os-project-name', project,
      '--os-user-domain-name', 'Default', '--os-project-domain-name', 'Default', '--os-identity-api-version', '3', ...args,
    ], { OS_AUTH_TYPE: 'password', OS_ENDPOINT: '', OS_CLOUD: '' });
    const alice = as('alice', 'a', 'demo'), bob = as('bob', 'b', 'other');
    const t = await alice('token', 'issue', '-f', 'json');
    assert.equal(t.code, 0, t.err);
    assert.ok(json(t.out).project_id);
    const c = await alice('network', 'create', 'alicenet', '-f', 'json');
    assert.equal(c.code, 0, c.err);
    const seen = await bob('network', 'list', '-f', 'json');
    assert.equal(seen.code, 0, seen.err);
    assert.deepEqual(json(seen.out), []);
    const show = await bob('network', 'show', json(c.out).id);
    assert.notEqual(show.code, 0);
    assert.match(show.err, /No Network found|could not be found/);
    const wrong = await as('alice', 'nope', 'demo')('network', 'list');
    assert.notEqual(wrong.code, 0);
  } finally {
    await stopDaemon(k);
    fs.rmSync(kdir, { recursive: true, force: true });
  }
});
