// Compiles the bench's entry points to one directory (default
// `dist-bench/`), bundling the project's own modules and leaving packages
// external so they resolve from `node_modules`.
import { build } from 'esbuild';

const outdir = process.argv[2] ?? 'dist-bench';

await build({
  entryPoints: [
    'bench/run.ts',
    'bench/floor.ts',
    'bench/loadWorker.ts',
    'bench/subscribers.ts',
    'bench/profileSummary.ts',
    'bench/simulator.ts',
  ],
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
});
