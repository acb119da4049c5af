/**
 * `weft doctor` names missing data-plane capabilities in plain words: all
 * present as root; CAP_NET_ADMIN / CAP_NET_RAW reported missing, with exit
 * status 1, for an unprivileged user (run through setpriv).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { weftBin, labUnavailable } from '../helpers/netns.js';

const skip = labUnavailable();

test('weft doctor: every check passes as root', { skip: skip ?? false }, () => {
  const r = spawnSync(weftBin, ['doctor'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  for (const name of ['native I/O addon', 'CAP_NET_ADMIN', 'CAP_NET_RAW', 'TAP', 'AF_PACKET']) {
    assert.match(r.stdout, new RegExp(`^ok +${name}:`, 'm'));
  }
});

test('weft doctor: an unprivileged user is told what is missing', { skip: skip ?? (spawnSync('sh', ['-c', 'command -v setpriv']).status !== 0 ? 'no setpriv' : false) }, () => {
  const r = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all', '--bounding-set=-all',
    weftBin, 'doctor'], { encoding: 'utf8' });
  assert.equal(r.status, 1, r.stdout + r.stderr);
  assert.match(r.stdout, /^FAIL +CAP_NET_ADMIN: missing: .*run as root/m);
  assert.match(r.stdout, /^FAIL +CAP_NET_RAW: missing/m);
  assert.match(r.stdout, /^FAIL +AF_PACKET: cannot open a packet socket/m);
});
