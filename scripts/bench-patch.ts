/**
 * `npm run build && node dist/scripts/bench-patch.js [-- 1000 2000 4000 15000]`: the cost of one PATCH that adds
 * n e-mails to a user, in the pure SCIM domain (no I/O), with the value limit lifted so the engine does the
 * whole work. The cost should grow linearly with n (it grew with n² before the indexed lookups of patch.ts).
 * Figures only — nothing here asserts timings.
 */
import { applyUserPatch } from '../services/directory/src/domain/scim/patch.js';

const sizes = process.argv
  .slice(2)
  .map(Number)
  .filter((n) => n > 0);
const SIZES = sizes.length ? sizes : [1000, 2000, 4000, 15000];
const limits = { maxPatchOperations: 1000, maxValuesPerAttribute: Number.MAX_SAFE_INTEGER };
const user = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
  id: 'u1',
  userName: 'a@x.example',
  name: { givenName: 'A', familyName: 'B' },
  emails: [{ value: 'a@x.example', type: 'work', primary: true }],
  active: true,
};

function once(n: number): number {
  const body = {
    Operations: [
      { op: 'add', path: 'emails', value: Array.from({ length: n }, (_, i) => ({ value: `e${i}@x.example` })) },
    ],
  };
  const started = process.hrtime.bigint();
  applyUserPatch(user, body, limits);
  return Number(process.hrtime.bigint() - started) / 1e6;
}

once(1000); // warm-up
console.log('e-mails added in one PATCH | body bytes | median of 5 (ms) | µs per e-mail');
for (const n of SIZES) {
  const runs = Array.from({ length: 5 }, () => once(n)).sort((a, b) => a - b);
  const bytes = JSON.stringify({
    Operations: [
      { op: 'add', path: 'emails', value: Array.from({ length: n }, (_, i) => ({ value: `e${i}@x.example` })) },
    ],
  }).length;
  console.log(
    `${String(n).padStart(26)} | ${String(bytes).padStart(10)} | ${runs[2].toFixed(1).padStart(16)} | ${((runs[2] * 1000) / n).toFixed(1).padStart(13)}`,
  );
}
