#!/usr/bin/env node
// Builds the JavaScript that `npm start` and the service run (issue 12 §1): the bot's TypeScript
// bundled by esbuild into dist/, one module per entry and a chunk per dynamic import (Slack's
// code loads only in the Slack modes), with source maps so that stack traces name .ts lines.
// Packages stay in node_modules (better-sqlite3, ssh2 and cpu-features are native). Type errors
// are `npm run typecheck`'s: esbuild only strips types.
import { copyFileSync, existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestSource } from './sources.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
if (!existsSync(join(root, 'src', 'main.ts'))) {
  // An unpacked `npm pack` (README, "Run it as a service"): its dist/ is the build; keep it.
  const built = existsSync(join(dist, 'main.js'));
  console.error(
    built
      ? 'labops: no sources here (src/main.ts); the packaged dist/ is used as it is.'
      : 'labops: neither sources (src/main.ts) nor a build (dist/main.js) here; install labops again.',
  );
  process.exit(built ? 0 : 2);
}

// esbuild is a dev tool: an install without it (npm ci --omit=dev in a checkout) builds nothing,
// and `npm start` then says what to run. Installs from `npm pack` already hold dist/.
let build;
try {
  ({ build } = await import('esbuild'));
} catch {
  const asked = process.env.npm_lifecycle_event === 'prepare' ? 'nothing to build with' : 'cannot build';
  console.error(
    `labops: esbuild is not installed (${asked}); run \`npm ci\` with the dev dependencies, then \`npm run build\`.`,
  );
  process.exit(process.env.npm_lifecycle_event === 'prepare' ? 0 : 2);
}

const started = Date.now();
const sourcesAt = newestSource(root);

rmSync(dist, { recursive: true, force: true });
await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/main.ts' },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: 'linked',
  sourcesContent: false,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});
// The simulator's table of the engine's API model, read beside the module that uses it.
mkdirSync(dist, { recursive: true });
copyFileSync(join(root, 'src/sim/model/ovirt-model.json'), join(dist, 'ovirt-model.json'));
// What the build was made from: `npm start` compares it with the sources (scripts/start.mjs).
writeFileSync(join(dist, 'BUILT_FROM'), `${sourcesAt}\n`);
console.error(`labops: built dist/ in ${Date.now() - started} ms`);
