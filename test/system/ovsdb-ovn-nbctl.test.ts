/**
 * Weft's OVSDB server serves OVN_Northbound to the real `ovn-nbctl` (OVN
 * 23.03) exactly as ovsdb-server does: every scenario of
 * test/helpers/ovsdb-ovn-nb-cases.ts runs against both servers, each on a
 * fresh OVN_Northbound database, and every step must give the same stdout,
 * stderr and exit status once uuids are matched (see
 * test/helpers/ovsdb-parity.ts). `$N` is `ovn-nbctl --db=$DB`, `$C` is
 * `ovsdb-client`.
 *
 * OVSDB_PARITY=NAME[,NAME] limits the scenarios; OVSDB_PARITY_SHOW=1 prints
 * the real server's outputs.
 */
import { SCHEMAS, skipUnlessTools } from '../helpers/ovsdb-server-process.js';
import { parityTests } from '../helpers/ovsdb-parity.js';
import { OVN_NB_SCENARIOS } from '../helpers/ovsdb-ovn-nb-cases.js';

parityTests({
  title: 'ovn-nbctl parity',
  schema: SCHEMAS.ovnNb,
  skip: skipUnlessTools('ovsdb-server', 'ovsdb-tool', 'ovsdb-client', 'ovn-nbctl'),
  env: (s) => ({ N: `ovn-nbctl --db=${s.unixRemote} --timeout=10`, C: 'ovsdb-client --timeout=10' }),
}, OVN_NB_SCENARIOS);
