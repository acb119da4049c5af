/**
 * The controller's configuration file (`--config=FILE`), in the INI form
 * and with the option names of Neutron's own neutron.conf and
 * ml2_conf.ini, so an operator's existing settings carry over:
 *
 *   [DEFAULT]          auth_strategy = noauth | keystone
 *                      global_physnet_mtu = 1500
 *                      default_project = admin
 *   [ml2]              type_drivers = flat,vlan,vxlan,geneve
 *                      tenant_network_types = vxlan   (or project_network_types)
 *   [ml2_type_flat]    flat_networks = default          ("*" = any)
 *   [ml2_type_vlan]    network_vlan_ranges = default:1:1399
 *   [ml2_type_vxlan]   vni_ranges = 1:16777215
 *   [ml2_type_geneve]  vni_ranges = 1:16777215
 *   [quotas]           quota_network = 100, quota_port = 500, … (-1: unlimited)
 *   [keystone]         token_secret = …, token_expiration = 86400
 *   [project:NAME]     id = …, description = …
 *   [user:NAME]        password = …, project = NAME, roles = admin|member
 *   [hypervisor:HOST]  availability_zone = az1, bridge_mappings = default:br-ex
 *
 * With no file, a fresh deployment takes VLANs 1-1399 and flat networks on
 * physical network `default`, VXLAN tenant networks on VNIs 1-16777215,
 * and no authentication.
 */
import * as fs from 'node:fs';
import { createHash } from 'node:crypto';
import {
  type SegmentConfig, type Range, defaultSegmentConfig, parseVlanRanges, parseVniRanges,
} from './segments.js';
import { QUOTA_RESOURCES, type QuotaResource } from './model/types.js';

export type Ini = Map<string, Map<string, string>>;

export class ConfigError extends Error {}

export function parseIni(text: string, file = 'config'): Ini {
  const out: Ini = new Map([['DEFAULT', new Map()]]);
  let section = out.get('DEFAULT')!;
  text.split(/\r?\n/).forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      const name = sec[1]!.trim();
      if (!out.has(name)) out.set(name, new Map());
      section = out.get(name)!;
      return;
    }
    const eq = line.indexOf('=');
    if (eq <= 0) throw new ConfigError(`${file}:${i + 1}: expected "key = value" or "[section]"`);
    section.set(line.slice(0, eq).trim(), line.slice(eq + 1).trim());
  });
  return out;
}

export interface ProjectConfig { readonly id: string; readonly name: string; readonly description: string }
export interface UserConfig { readonly name: string; readonly id: string; readonly password: string; readonly project: string; readonly roles: readonly string[] }
export interface HypervisorConfig { readonly host: string; readonly availabilityZone: string; readonly bridgeMappings: ReadonlyMap<string, string> }

export interface ControllerConfig {
  readonly authStrategy: 'noauth' | 'keystone';
  readonly segments: SegmentConfig;
  readonly quotaDefaults: Readonly<Record<QuotaResource, number>>;
  /** The project a request acts for when no credentials say otherwise. */
  readonly defaultProject: ProjectConfig;
  readonly projects: readonly ProjectConfig[];
  readonly users: readonly UserConfig[];
  readonly hypervisors: readonly HypervisorConfig[];
  readonly tokenSecret: string | null;
  readonly tokenExpirationS: number;
}

export const NEUTRON_QUOTA_DEFAULTS: Readonly<Record<QuotaResource, number>> = {
  network: 100, subnet: 100, port: 500, router: 10, floatingip: 50, security_group: 10, security_group_rule: 100,
};

/** Keystone-style project id (32 hex digits), stable for a name so configs need not spell one out. */
export function projectIdFor(name: string): string {
  return createHash('sha256').update(`weft-project:${name}`).digest('hex').slice(0, 32);
}

function list(v: string | undefined): string[] {
  return (v ?? '').split(',').map((s) => s.trim()).filter(Boolean);
}

function int(v: string | undefined, dflt: number, what: string): number {
  if (v === undefined || v === '') return dflt;
  if (!/^-?\d+$/.test(v)) throw new ConfigError(`${what}: '${v}' is not an integer`);
  return Number(v);
}

export function parseBridgeMappings(text: string): Map<string, string> {
  const m = new Map<string, string>();
  for (const e of list(text)) {
    const [phys, br, ...rest] = e.split(':');
    if (!phys || !br || rest.length) throw new ConfigError(`bridge_mappings: '${e}' is not PHYSNET:BRIDGE`);
    m.set(phys, br);
  }
  return m;
}

export function configFromIni(ini: Ini): ControllerConfig {
  const sec = (n: string): Map<string, string> => ini.get(n) ?? new Map();
  const dflt = sec('DEFAULT'), ml2 = sec('ml2');
  const auth = dflt.get('auth_strategy') ?? 'noauth';
  if (auth !== 'noauth' && auth !== 'keystone') throw new ConfigError(`auth_strategy: '${auth}' is not noauth or keystone`);
  const base = defaultSegmentConfig();
  let vlanRanges: Map<string, readonly Range[]> = new Map(base.vlanRanges);
  let vxlanRanges = base.vxlanRanges, geneveRanges = base.geneveRanges;
  try {
    const vlan = sec('ml2_type_vlan').get('network_vlan_ranges');
    if (vlan !== undefined) vlanRanges = parseVlanRanges(vlan);
    const vx = sec('ml2_type_vxlan').get('vni_ranges');
    if (vx !== undefined) vxlanRanges = parseVniRanges(vx);
    const gn = sec('ml2_type_geneve').get('vni_ranges');
    if (gn !== undefined) geneveRanges = parseVniRanges(gn);
  } catch (e) {
    throw new ConfigError((e as Error).message);
  }
  const flatText = sec('ml2_type_flat').get('flat_networks');
  const flat = flatText === undefined ? base.flatNetworks : flatText.trim() === '*' ? '*' as const : new Set(list(flatText));
  const typeDrivers = ml2.has('type_drivers') ? list(ml2.get('type_drivers')) : [...base.typeDrivers];
  const tenantTypes = list(ml2.get('project_network_types') ?? ml2.get('tenant_network_types') ?? base.tenantTypes.join(','));
  for (const t of tenantTypes) if (!typeDrivers.includes(t)) throw new ConfigError(`tenant network type '${t}' is not in type_drivers`);
  const segments: SegmentConfig = {
    typeDrivers, tenantTypes, flatNetworks: flat, vlanRanges, vxlanRanges, geneveRanges,
    globalMtu: int(dflt.get('global_physnet_mtu'), 1500, 'global_physnet_mtu'),
  };
  const q = sec('quotas');
  const quotaDefaults = { ...NEUTRON_QUOTA_DEFAULTS };
  for (const r of QUOTA_RESOURCES) quotaDefaults[r] = int(q.get(`quota_${r}`), quotaDefaults[r], `quota_${r}`);

  const projects: ProjectConfig[] = [];
  const users: UserConfig[] = [];
  const hypervisors: HypervisorConfig[] = [];
  for (const [name, s] of ini) {
    const [kind, id] = name.split(':', 2) as [string, string | undefined];
    if (!id) continue;
    if (kind === 'project') projects.push({ name: id, id: s.get('id') ?? projectIdFor(id), description: s.get('description') ?? '' });
    else if (kind === 'user') {
      users.push({ name: id, id: s.get('id') ?? projectIdFor(`user:${id}`), password: s.get('password') ?? '',
        project: s.get('project') ?? 'admin', roles: list(s.get('roles') ?? 'member') });
    } else if (kind === 'hypervisor') {
      hypervisors.push({ host: id, availabilityZone: s.get('availability_zone') ?? 'nova', bridgeMappings: parseBridgeMappings(s.get('bridge_mappings') ?? '') });
    }
  }
  const defaultName = dflt.get('default_project') ?? 'admin';
  for (const u of users) if (!projects.some((p) => p.name === u.project)) projects.push({ name: u.project, id: projectIdFor(u.project), description: '' });
  let defaultProject = projects.find((p) => p.name === defaultName);
  if (!defaultProject) { defaultProject = { name: defaultName, id: projectIdFor(defaultName), description: 'default project' }; projects.unshift(defaultProject); }
  if (auth === 'keystone' && users.length === 0) throw new ConfigError('auth_strategy = keystone needs at least one [user:NAME] section');
  const ks = sec('keystone');
  return {
    authStrategy: auth, segments, quotaDefaults, defaultProject, projects, users, hypervisors,
    tokenSecret: ks.get('token_secret') ?? null,
    tokenExpirationS: int(ks.get('token_expiration'), 86400, 'token_expiration'),
  };
}

export function loadConfig(file: string | null): ControllerConfig {
  if (file === null) return configFromIni(new Map());
  let text: string;
  try { text = fs.readFileSync(file, 'utf8'); } catch (e) { throw new ConfigError(`${file}: ${(e as Error).message}`); }
  return configFromIni(parseIni(text, file));
}
