/**
 * CLI start-up (issue 15): wall time of one `kyso` process for `kyso --help` and `kyso verify
 * chain` (3 certificates: the demo official, issuing CA and root), side by side with a bare
 * `node -e 0` and `openssl version` in the same run. Rounds alternate the four commands so load
 * from other processes affects all alike; medians reported. Goal: kyso at most 2x `node -e 0`.
 * Needs `npm run build` (runs packages/signing-server/bin/kyso.js, which loads dist/).
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { QUICK, report } from './lib.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const kyso = path.join(root, 'packages/signing-server/bin/kyso.js');
const demo = path.join(root, 'certs/demo/ecdsa');
const ROUNDS = QUICK ? 3 : 21;

const commands = {
  'node -e 0': [process.execPath, ['-e', '0']],
  'openssl version': ['openssl', ['version']],
  'kyso --help': [process.execPath, [kyso, '--help']],
  'kyso verify chain': [
    process.execPath,
    [
      kyso,
      'verify',
      'chain',
      path.join(demo, 'official.pem'),
      '--trust',
      path.join(demo, 'root.pem'),
      '--untrusted',
      path.join(demo, 'issuing.pem'),
    ],
  ],
};

const time = ([cmd, args]) => {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: 'ignore' });
  if (r.error) throw r.error;
  return Number(process.hrtime.bigint() - t0) / 1e6;
};

const samples = Object.fromEntries(Object.keys(commands).map((k) => [k, []]));
for (const c of Object.values(commands)) time(c); // warm the file cache
for (let r = 0; r < ROUNDS; r++) for (const [k, c] of Object.entries(commands)) samples[k].push(time(c));
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
const base = median(samples['node -e 0']);
const row = (name, goal) => {
  const value = median(samples[name]);
  const r = {
    name,
    value,
    unit: 'ms',
    baseline: 'node -e 0',
    baselineValue: base,
    ratio: value / base,
    notes: `median of ${ROUNDS} alternating rounds, one process each`,
  };
  if (goal) {
    r.goal = '≤ 2× node -e 0';
    r.met = r.ratio <= 2;
  }
  return r;
};
report([row('kyso --help', true), row('kyso verify chain', true), row('openssl version', false)]);
