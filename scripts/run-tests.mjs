#!/usr/bin/env node
// Runs the whole suite with node's test runner over the compiled tests.
// Unit tests first; acceptance and system tests are ordinary test files
// that skip themselves (with a reason) when their prerequisites are absent.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function find(dir) {
  let out = [];
  let entries;
  try { entries = readdirSync(dir); } catch { return out; }
  for (const e of entries) {
    const p = join(dir, e);
    if (statSync(p).isDirectory()) out = out.concat(find(p));
    else if (p.endsWith('.test.js')) out.push(p);
  }
  return out.sort();
}

const only = process.argv.slice(2);
let files = find('dist/test');
if (only.length) files = files.filter((f) => only.some((o) => f.includes(o)));
const r = spawnSync(process.execPath, ['--test', '--test-concurrency=2', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
