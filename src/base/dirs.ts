/**
 * Open vSwitch's directory conventions, so Weft's daemons and tools look for
 * pidfiles, control sockets, logs and databases where OVS's do, and the real
 * OVS tools find Weft's (`ovs-appctl -t ovs-vswitchd` reads
 * `<rundir>/ovs-vswitchd.pid`, then connects to
 * `<rundir>/ovs-vswitchd.<pid>.ctl`).
 *
 * Each directory comes from its environment variable when that is set and
 * not empty, otherwise from the defaults Debian's `openvswitch-common` is
 * built with. The database directory follows OVS's one special case: without
 * OVS_DBDIR it is `$OVS_SYSCONFDIR/openvswitch` when OVS_SYSCONFDIR is set.
 *
 * Nothing is cached: tests and `weft start` change the environment between
 * calls, and reading a variable costs nothing next to opening a socket.
 */

type Env = Readonly<Record<string, string | undefined>>;

function fromEnv(env: Env, name: string, fallback: string): string {
  const v = env[name];
  return v ? v : fallback;
}

/** Pidfiles and control sockets: OVS_RUNDIR, default /var/run/openvswitch. */
export function rundir(env: Env = process.env): string {
  return fromEnv(env, 'OVS_RUNDIR', '/var/run/openvswitch');
}

/** Log files: OVS_LOGDIR, default /var/log/openvswitch. */
export function logdir(env: Env = process.env): string {
  return fromEnv(env, 'OVS_LOGDIR', '/var/log/openvswitch');
}

/** Configuration: OVS_SYSCONFDIR, default /etc. */
export function sysconfdir(env: Env = process.env): string {
  return fromEnv(env, 'OVS_SYSCONFDIR', '/etc');
}

/** Databases: OVS_DBDIR, else $OVS_SYSCONFDIR/openvswitch, else /etc/openvswitch. */
export function dbdir(env: Env = process.env): string {
  const dir = env.OVS_DBDIR;
  if (dir) return dir;
  const sys = env.OVS_SYSCONFDIR;
  return sys ? `${sys}/openvswitch` : '/etc/openvswitch';
}

/** Schemas and scripts: OVS_PKGDATADIR, default /usr/share/openvswitch. */
export function pkgdatadir(env: Env = process.env): string {
  return fromEnv(env, 'OVS_PKGDATADIR', '/usr/share/openvswitch');
}

/** Programs: OVS_BINDIR, default /usr/bin. */
export function bindir(env: Env = process.env): string {
  return fromEnv(env, 'OVS_BINDIR', '/usr/bin');
}

/**
 * OVS's abs_file_name(): an absolute name is kept, a relative one is put
 * under `dir` by plain concatenation (no normalisation, so messages show the
 * name as OVS would).
 */
export function absFileName(dir: string, name: string): string {
  return name.startsWith('/') ? name : `${dir}/${name}`;
}
