#!/usr/bin/env node
// `npm start` (issue 12 §1): plain node on the built JavaScript, never a stale build. In a
// checkout whose sources changed since the last build, it builds again first; where it cannot
// (an install without the dev tools), it says so and stops.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { newestSource } from './sources.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const main = join(root, 'dist', 'main.js');
const stamp = join(root, 'dist', 'BUILT_FROM');

const sourcesAt = newestSource(root);
const builtFrom = existsSync(stamp) ? Number(readFileSync(stamp, 'utf8').trim()) : Number.NaN;
if (!existsSync(main) || (sourcesAt > 0 && !(builtFrom >= sourcesAt))) {
  const why = existsSync(main) ? 'the sources changed since the last build' : 'there is no build yet';
  if (!existsSync(join(root, 'node_modules', 'esbuild'))) {
    process.stderr.write(
      `labops: ${why}, and esbuild is not installed to build it. Run \`npm ci && npm run build\`, then start again.\n`,
    );
    process.exit(2);
  }
  process.stderr.write(`labops: ${why}; building (npm run build)…\n`);
  await import('./build.mjs');
}
// Stack traces name the .ts lines (dist/*.js.map).
process.setSourceMapsEnabled(true);
await import(pathToFileURL(main).href);
