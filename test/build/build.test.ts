/**
 * The build that `npm start`, the service and `npm pack` run (issue 12 §1). Every check works in a
 * temporary copy of the checkout (its tracked and unignored files, node_modules linked), never in
 * the tree: a bot or a bench may be running the tree's dist/ meanwhile.
 */
import { type SpawnSyncReturns, spawn, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, REPO_ROOT, runToEnd } from '../support/processes.js';

const BANNER = 'SIMULATED LAB — a built-in simulator stands in for the engine and the hosts.';
const temps: string[] = [];

function makeTemp(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** A copy of the checkout as `git status` sees it; node_modules linked, with or without esbuild. */
function copyCheckout(options: { esbuild: boolean }): string {
  const root = makeTemp('labops-build-');
  const listed = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
    cwd: REPO_ROOT,
    encoding: 'utf8',
  });
  expect(listed.status, listed.stderr).toBe(0);
  for (const file of listed.stdout.split('\0')) {
    // A file deleted in the tree but not yet in git is listed too.
    if (file === '' || !existsSync(join(REPO_ROOT, file))) continue;
    mkdirSync(dirname(join(root, file)), { recursive: true });
    copyFileSync(join(REPO_ROOT, file), join(root, file));
  }
  const modules = join(REPO_ROOT, 'node_modules');
  if (options.esbuild) {
    symlinkSync(modules, join(root, 'node_modules'));
  } else {
    // Every installed package but esbuild (and .bin, whose esbuild link would dangle).
    mkdirSync(join(root, 'node_modules'));
    for (const name of readdirSync(modules)) {
      if (name === 'esbuild' || name === '.bin') continue;
      symlinkSync(join(modules, name), join(root, 'node_modules', name));
    }
  }
  return root;
}

/** The environment of a newcomer's shell, without what an npm parent process would pass down. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = cleanEnv(extra);
  for (const key of Object.keys(env)) if (/^npm_/i.test(key) && !(key in extra)) delete env[key];
  return env;
}

function runNode(cwd: string, args: string[], env = childEnv()): SpawnSyncReturns<string> {
  return spawnSync(process.execPath, args, { cwd, env, encoding: 'utf8' });
}

/** package.json's start script: malloc's settings, node, its V8 flags (issue 12 §6), scripts/start.mjs. */
function readStartScript(root: string): { env: Record<string, string>; args: string[] } {
  const start = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts.start as string;
  expect(start).toMatch(/^(MALLOC_\w+=\S+ )*node (--\S+ )*scripts\/start\.mjs$/);
  const words = start.split(' ');
  const node = words.indexOf('node');
  const env = Object.fromEntries(words.slice(0, node).map((word) => word.split('=') as [string, string]));
  return { env, args: words.slice(node + 1) };
}

/** `npm start` as package.json runs it, in the shell, typing `quit`. */
async function startShell(root: string) {
  const data = makeTemp('labops-build-data-');
  const { env, args } = readStartScript(root);
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: childEnv({ ...env, LABOPS_DATA_DIR: data }),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  return runToEnd(child, 'quit\n');
}

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

describe('npm run build', () => {
  let root: string;
  beforeAll(() => {
    root = copyCheckout({ esbuild: true });
    const built = runNode(root, ['scripts/build.mjs']);
    expect(built.status, built.stderr).toBe(0);
    expect(built.stderr).toMatch(/^labops: built dist\/ in \d+ ms\n$/);
  });

  it('is what npm start runs', () => {
    const scripts = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).scripts;
    expect(scripts.build).toBe('node scripts/build.mjs');
    expect(readStartScript(root).args.at(-1)).toBe('scripts/start.mjs');
  });

  it('maps a thrown error back to the .ts file and line, as the service and npm start run it', () => {
    expect(readFileSync(join(root, 'dist/main.js'), 'utf8')).toMatch(
      /\n\/\/# sourceMappingURL=main\.js\.map\n$/,
    );
    // A chunk that exports errors.ts's functions by name (src/runbooks/types.ts imports it lazily):
    // toLabopsError wraps an unexpected failure the way main.ts does before logging it.
    const chunks = readdirSync(join(root, 'dist/chunks')).filter((name) => name.endsWith('.js'));
    const chunk = chunks.find((name) =>
      /export ?\{[^}]*\btoLabopsError\b[^}]*\}/.test(readFileSync(join(root, 'dist/chunks', name), 'utf8')),
    );
    expect(chunk, `no chunk of ${chunks.join(', ')} exports toLabopsError`).toBeDefined();
    const url = pathToFileURL(join(root, 'dist/chunks', chunk!)).href;
    const program = `const { toLabopsError } = await import(${JSON.stringify(url)});
console.log(toLabopsError(new Error('boom')).stack);`;
    // The service: node --enable-source-maps dist/main.js (deploy/labops.service).
    const service = runNode(root, ['--enable-source-maps', '--input-type=module', '-e', program]);
    // npm start: scripts/start.mjs turns them on before importing dist/main.js.
    const start = runNode(root, [
      '--input-type=module',
      '-e',
      `process.setSourceMapsEnabled(true);\n${program}`,
    ]);
    const source = readFileSync(join(root, 'src/errors.ts'), 'utf8').split('\n');
    for (const run of [service, start]) {
      expect(run.status, run.stderr).toBe(0);
      const frame = /at (?:Module\.)?toLabopsError \((.+):(\d+):(\d+)\)/.exec(run.stdout);
      expect(frame?.[1], run.stdout).toBe(join(root, 'src/errors.ts'));
      // The line the frame names is the one that makes the error.
      expect(source[Number(frame?.[2]) - 1]).toContain("new LabopsError('INTERNAL'");
    }
    // Without the maps the same frame names the bundle: they are what gives the .ts line.
    const bare = runNode(root, ['--input-type=module', '-e', program]);
    expect(bare.stdout).toMatch(
      /at (?:Module\.)?toLabopsError \(file:\/\/.+\/dist\/chunks\/[^/]+\.js:\d+:\d+\)/,
    );
  });

  it('keeps the modules loaded at start one byte a character in memory', () => {
    // V8 keeps a module's source whole, two bytes a character if any is past U+00FF (issue 12 §6).
    // Tagged templates keep their text as written (the runbooks' small chunk).
    const modules = ['main.js', ...readdirSync(join(root, 'dist/chunks')).map((name) => `chunks/${name}`)];
    const large = modules.filter(
      (name) => name.endsWith('.js') && statSync(join(root, 'dist', name)).size > 100_000,
    );
    expect(large.length).toBeGreaterThanOrEqual(2);
    for (const name of large) {
      const wide = readFileSync(join(root, 'dist', name), 'utf8').match(/.{0,40}[\u0100-\u{10ffff}]/u);
      expect(wide?.[0], `dist/${name}`).toBeUndefined();
    }
  });

  // Before the next test edits a source.
  it('npm pack holds the built files and the start scripts, no sources or tests, and starts installed', () => {
    const packed = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
      cwd: root,
      env: childEnv(),
      encoding: 'utf8',
    });
    expect(packed.status, packed.stderr).toBe(0);
    const files: string[] = JSON.parse(packed.stdout)[0].files.map((f: { path: string }) => f.path);
    for (const file of ['package.json', 'dist/main.js', 'dist/main.js.map']) expect(files).toContain(file);
    // The simulator's model, beside its lazily loaded chunk (the installed shell below reads it).
    expect(files.filter((f) => f.endsWith('/ovirt-model.json'))).toEqual(['dist/chunks/ovirt-model.json']);
    // Each chunk dist/main.js loads, and every module the start script imports.
    for (const chunk of readdirSync(join(root, 'dist/chunks')))
      expect(files).toContain(`dist/chunks/${chunk}`);
    const imported = (script: string) =>
      [...readFileSync(join(root, script), 'utf8').matchAll(/import\(?\s*(?:.* from )?'(\.\/[^']+)'/g)].map(
        (match) => join('scripts', match[1]!),
      );
    const needed = ['scripts/start.mjs', ...imported('scripts/start.mjs'), ...imported('scripts/build.mjs')];
    expect(needed).toEqual(expect.arrayContaining(['scripts/sources.mjs', 'scripts/build.mjs']));
    for (const script of needed) expect(files).toContain(script);
    expect(files.filter((f) => /^(src|test|commands|approvals|bench|node_modules)\//.test(f))).toEqual([]);
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);

    // Installed: those files alone, every one as new as the install made it (npm does not keep
    // the tarball's times), its packages beside it. It runs the build it holds.
    const installed = makeTemp('labops-installed-');
    for (const file of files) cpSync(join(root, file), join(installed, file));
    symlinkSync(join(REPO_ROOT, 'node_modules'), join(installed, 'node_modules'));
    const data = makeTemp('labops-build-data-');
    const run = spawnSync(process.execPath, ['scripts/start.mjs'], {
      cwd: installed,
      env: childEnv({ LABOPS_DATA_DIR: data }),
      // The simulated lab answers: its engine's API model is read from the package.
      input: '/lab status\nquit\n',
      encoding: 'utf8',
    });
    expect(run.stderr).toBe('');
    expect(run.stdout.split('\n')[0]).toBe(BANNER);
    expect(run.stdout).toContain('oVirt 4.3.11.4 (API model 4.3.31)');
    expect(run.status).toBe(0);
    // Unpacked as the package's own project, `npm install` runs its prepare: it keeps the dist/
    // it holds, even with esbuild at hand.
    const mainJs = readFileSync(join(installed, 'dist/main.js'));
    const prepare = runNode(installed, ['scripts/build.mjs'], childEnv({ npm_lifecycle_event: 'prepare' }));
    expect(prepare.stderr).toBe(
      'labops: no sources here (src/main.ts); the packaged dist/ is used as it is.\n',
    );
    expect(prepare.status).toBe(0);
    expect(readFileSync(join(installed, 'dist/main.js')).equals(mainJs)).toBe(true);
  });

  it('npm start runs the build as it is, and builds again first after a source changed', async () => {
    const fresh = await startShell(root);
    expect(fresh.stderr).toBe('');
    expect(fresh.stdout.split('\n')[0]).toBe(BANNER);
    expect(fresh.code).toBe(0);

    // An edit after the build: the banner's English in the catalog.
    const catalog = join(root, 'src/i18n/catalog/en/config.ts');
    const text = readFileSync(catalog, 'utf8');
    expect(text).toContain(BANNER);
    writeFileSync(catalog, text.replace(BANNER, BANNER.replace('SIMULATED LAB', 'SIMULATED LAB (edited)')));
    const builtFrom = Number(readFileSync(join(root, 'dist/BUILT_FROM'), 'utf8'));
    expect(statSync(catalog).mtimeMs).toBeGreaterThan(builtFrom);

    const edited = await startShell(root);
    expect(edited.stderr).toMatch(
      /^labops: the sources changed since the last build; building \(npm run build\)…\nlabops: built dist\/ in \d+ ms\n$/,
    );
    expect(edited.stdout.split('\n')[0]).toBe(BANNER.replace('SIMULATED LAB', 'SIMULATED LAB (edited)'));
    expect(edited.code).toBe(0);
    expect(Number(readFileSync(join(root, 'dist/BUILT_FROM'), 'utf8'))).toBeGreaterThanOrEqual(
      Math.floor(statSync(catalog).mtimeMs),
    );
  });
});

describe('npm start without esbuild (an install without the dev dependencies)', () => {
  it('says what to run and exits 2 rather than run a missing or stale build', () => {
    const root = copyCheckout({ esbuild: false });
    const missing = runNode(root, ['scripts/start.mjs']);
    expect(missing.stderr).toBe(
      'labops: there is no build yet, and esbuild is not installed to build it. Run `npm ci && npm run build`, then start again.\n',
    );
    expect(missing.stdout).toBe('');
    expect(missing.status).toBe(2);

    // A build older than the sources: never run silently.
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'dist/main.js'), "console.log('the stale build ran');\n");
    writeFileSync(join(root, 'dist/BUILT_FROM'), '1\n');
    const stale = runNode(root, ['scripts/start.mjs']);
    expect(stale.stderr).toBe(
      'labops: the sources changed since the last build, and esbuild is not installed to build it. Run `npm ci && npm run build`, then start again.\n',
    );
    expect(stale.stdout).toBe('');
    expect(stale.status).toBe(2);

    // npm run build says the same; as `prepare` on such an install it builds nothing and passes.
    const build = runNode(root, ['scripts/build.mjs']);
    expect(build.stderr).toContain('labops: esbuild is not installed (cannot build)');
    expect(build.status).toBe(2);
    const prepare = runNode(root, ['scripts/build.mjs'], childEnv({ npm_lifecycle_event: 'prepare' }));
    expect(prepare.stderr).toContain('labops: esbuild is not installed (nothing to build with)');
    expect(prepare.status).toBe(0);
    expect(readFileSync(join(root, 'dist/main.js'), 'utf8')).toContain('the stale build ran');
  });
});
