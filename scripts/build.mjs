#!/usr/bin/env node
// Builds the JavaScript that `npm start` and the service run (issue 12 §1): the bot's TypeScript
// bundled by esbuild into dist/, one module per entry and a chunk per dynamic import (Slack's
// code loads only in the Slack modes), with source maps so that stack traces name .ts lines:
// one mapping per generated line (thinLineMaps), which is all a stack frame's .ts line needs.
// Packages stay in node_modules (better-sqlite3, ssh2 and cpu-features are native), but for two
// pure-JavaScript ones, bundled and tree-shaken (BUNDLED_PACKAGES). Type errors
// are `npm run typecheck`'s: esbuild only strips types.
import { copyFileSync, existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestSource } from './sources.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const MODEL_READER = 'src/sim/model/api-model.ts';
/** Source maps' VLQ digits (thinLineMaps). */
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const dist = join(root, 'dist');
/** Packages built into dist/ (and what they import), not loaded from node_modules. */
const BUNDLED_PACKAGES = /^(zod|@formatjs\/[^/]+)(\/|$)/;
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
const { metafile } = await build({
  absWorkingDir: root,
  entryPoints: { main: 'src/main.ts' },
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  // Packages stay in node_modules, but for two pure-JavaScript ones (issue 12 §6): zod, as ~60
  // modules whose sources the heap keeps whole, and @formatjs's parser, whose source maps node's
  // source-map support would keep with their TypeScript sources. Bundled: ~1 MB less idle RSS.
  plugins: [externalPackagesBut(BUNDLED_PACKAGES)],
  // Whitespace and comments go (identifiers stay, for stack traces' function names): V8 keeps each
  // module's source whole, at one byte a character only if none is past U+00FF, and esbuild keeps
  // comments, some with dashes and Korean. dist/main.js 1.05 MB in the heap → 0.42 MB.
  minifyWhitespace: true,
  sourcemap: 'linked',
  sourcesContent: false,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
  metafile: true,
});
thinLineMaps(dist);
// The simulator's table of the engine's API model, read beside the module that uses it: the
// simulator's chunk, loaded only for a simulated lab.
const [reader] = Object.entries(metafile.outputs).find(([, out]) => MODEL_READER in out.inputs) ?? [];
if (!reader) throw new Error(`labops: the build holds no ${MODEL_READER}`);
copyFileSync(join(root, 'src/sim/model/ovirt-model.json'), join(root, dirname(reader), 'ovirt-model.json'));
// What the build was made from: `npm start` compares it with the sources (scripts/start.mjs).
writeFileSync(join(dist, 'BUILT_FROM'), `${sourcesAt}\n`);
console.error(`labops: built dist/ in ${Date.now() - started} ms`);

/**
 * Leaves every package import to node_modules, except those `bundled` names and anything they
 * import themselves.
 */
function externalPackagesBut(bundled) {
  return {
    name: 'external-packages',
    setup(on) {
      on.onResolve({ filter: /^[^./]/ }, (args) => {
        if (bundled.test(args.path) || /[/\\]node_modules[/\\]/.test(args.importer)) return undefined;
        return { path: args.path, external: true };
      });
    },
  };
}

/**
 * Thins dist/'s source maps to what a stack frame's .ts line needs (issue 12 §6). Node decodes a
 * map whole, an array per segment, when it first formats a stack trace (its own streams do that
 * routinely) and keeps it: esbuild's per-token maps of dist/main.js decode to ~11 MB. Kept: per
 * generated line, the segment of its first token (esbuild maps a line's indentation to the end
 * of the previous .ts line), then a segment wherever the .ts line changes within it; names go.
 * A frame then names its .ts file and line exactly; its column is where that line's code starts.
 */
function thinLineMaps(dir) {
  for (const entry of readdirSync(dir, { recursive: true })) {
    const file = join(dir, String(entry));
    if (!file.endsWith('.js.map')) continue;
    const code = readFileSync(file.slice(0, -'.map'.length), 'utf8').split('\n');
    const map = JSON.parse(readFileSync(file, 'utf8'));
    const lines = decodeMappings(map.mappings).map((segments, index) => {
      const text = code[index] ?? '';
      const indent = text.length - text.trimStart().length;
      let first = 0;
      while (first + 1 < segments.length && segments[first + 1][0] <= indent) first++;
      const kept = [];
      for (const segment of segments.slice(first)) {
        const previous = kept.at(-1);
        if (previous && previous[1] === segment[1] && previous[2] === segment[2]) continue;
        kept.push(kept.length ? segment : [0, ...segment.slice(1)]);
      }
      return kept;
    });
    map.mappings = encodeMappings(lines);
    map.names = [];
    writeFileSync(file, JSON.stringify(map));
  }
}

/** Source map v3 mappings as lines of absolute [column, source, line, column] segments (names dropped). */
function decodeMappings(mappings) {
  const lines = [];
  const state = [0, 0, 0, 0];
  for (const text of mappings.split(';')) {
    const segments = [];
    state[0] = 0;
    for (const segment of text ? text.split(',') : []) {
      const fields = decodeVlq(segment);
      for (let i = 0; i < Math.min(fields.length, 4); i++) state[i] += fields[i];
      // A segment of one field maps to no source: nothing a frame could name.
      if (fields.length >= 4) segments.push([...state]);
    }
    lines.push(segments);
  }
  return lines;
}

/** Lines of absolute [column, source, line, column] segments as mappings. */
function encodeMappings(lines) {
  const last = [0, 0, 0, 0];
  return lines
    .map((segments) => {
      last[0] = 0;
      return segments
        .map((segment) => {
          const fields = segment.map((value, i) => value - last[i]);
          last.splice(0, 4, ...segment);
          return fields.map(encodeVlq).join('');
        })
        .join(',');
    })
    .join(';');
}

function decodeVlq(text) {
  const values = [];
  let value = 0;
  let shift = 0;
  for (const char of text) {
    const digit = BASE64.indexOf(char);
    value += (digit & 31) << shift;
    if (digit & 32) {
      shift += 5;
      continue;
    }
    values.push(value & 1 ? -(value >>> 1) : value >>> 1);
    value = 0;
    shift = 0;
  }
  return values;
}

function encodeVlq(value) {
  let rest = value < 0 ? (-value << 1) | 1 : value << 1;
  let text = '';
  do {
    const digit = rest & 31;
    rest >>>= 5;
    text += BASE64[rest ? digit | 32 : digit];
  } while (rest);
  return text;
}
