/**
 * `npm run bench [-- --json]`: runs every benchmark (the extension is built first by the script).
 * @module
 */
import { envelopeBenchmarks } from './envelope';
import { extBenchmarks } from './ext';
import { runBenchmarks } from './harness';
import { providerRoundtrip } from './provider.bench';
import { serverBenchmarks } from './server';
import { tssBenchmarks } from './tss';

const json = process.argv.includes('--json');
await runBenchmarks(
  [
    providerRoundtrip,
    ...tssBenchmarks,
    ...serverBenchmarks,
    ...envelopeBenchmarks,
    ...extBenchmarks,
  ],
  json,
);
