/**
 * Weft's OVSDB server is indistinguishable from ovsdb-server 3.1 for the
 * real `ovs-vsctl` and `ovsdb-client`: every scenario of
 * test/helpers/ovsdb-parity-cases.ts runs once against the real server and
 * once against Weft's, each on a fresh Open_vSwitch database, and every step
 * must give the same stdout, stderr and exit status once uuids are matched
 * (see test/helpers/ovsdb-parity.ts). `$V` is `ovs-vsctl --no-wait` (it
 * finds `db.sock` through OVS_RUNDIR), `$C` is `ovsdb-client`.
 *
 * Steps where Weft is known to differ are todo subtests naming the cause.
 * OVSDB_PARITY=NAME[,NAME] limits the scenarios; OVSDB_PARITY_SHOW=1 prints
 * the real server's outputs.
 */
import { SCHEMAS, skipUnlessTools } from '../helpers/ovsdb-server-process.js';
import { parityTests } from '../helpers/ovsdb-parity.js';
import { VSCTL_SCENARIOS, CLIENT_SCENARIOS } from '../helpers/ovsdb-parity-cases.js';

parityTests({
  title: 'ovsdb server parity',
  schema: SCHEMAS.vswitch,
  skip: skipUnlessTools('ovsdb-server', 'ovsdb-tool', 'ovsdb-client', 'ovs-vsctl'),
  env: () => ({ V: 'ovs-vsctl --no-wait --timeout=10', C: 'ovsdb-client --timeout=10' }),
}, [...VSCTL_SCENARIOS, ...CLIENT_SCENARIOS]);
