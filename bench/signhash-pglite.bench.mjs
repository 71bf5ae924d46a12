/**
 * signHash end to end on the embedded PGlite database `npm start` uses by default (issue 21): the
 * same benchmark as signhash.bench.mjs with KYSO_BENCH_BACKEND=pglite (see there), the one-hash
 * cases unless KYSO_BENCH_CASES says otherwise (e.g. p256-1,rsa-1,p256-50).
 */
process.env.KYSO_BENCH_BACKEND = 'pglite';
process.env.KYSO_BENCH_CASES ??= 'p256-1,rsa-1';
await import('./signhash.bench.mjs');
