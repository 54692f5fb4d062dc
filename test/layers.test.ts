import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The layers of README.md's Architecture section (issue 11 §8): read from the README, so the two
 * cannot drift. Every import edge between files counts, type imports and `import()` included.
 */

const ROOT = join(import.meta.dirname, '..');
const SOURCE_ROOTS = ['src', 'commands', 'approvals'];

interface Layer {
  rank: number;
  name: string;
  paths: string[];
}

function readLayers(): Layer[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.split('### Layers')[1];
  if (!section) throw new Error('README.md has no "### Layers" section');
  const block = /```\n([\s\S]*?)```/.exec(section)?.[1] ?? '';
  return block
    .split('\n')
    .filter((line) => line.trim())
    .map((line) => {
      const words = line.trim().split(/\s+/);
      const paths = words.filter((word) => word.includes('/'));
      const name = words
        .filter((word) => !word.includes('/'))
        .slice(1)
        .join(' ');
      return { rank: Number(words[0]), name, paths };
    });
}

function listSourceFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = `${dir}/${entry.name}`;
    if (entry.isDirectory()) return listSourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

const SPECIFIER =
  /(?:^|[\s;])(?:import|export)\s+(?:type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

function readImports(file: string, known: ReadonlySet<string>): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const targets: string[] = [];
  for (const match of text.matchAll(SPECIFIER)) {
    const specifier = match[1] ?? match[2] ?? '';
    if (!specifier.startsWith('.')) continue;
    const base = relative(ROOT, normalize(join(ROOT, dirname(file), specifier))).replaceAll('\\', '/');
    const candidates = [base.replace(/\.js$/, '.ts'), `${base}.ts`, `${base}/index.ts`];
    const target = candidates.find((candidate) => known.has(candidate));
    if (!target) throw new Error(`${file}: cannot resolve the import '${specifier}'`);
    targets.push(target);
  }
  return [...new Set(targets)];
}

function findLayer(file: string, layers: readonly Layer[]): Layer | undefined {
  let best: { layer: Layer; length: number } | undefined;
  for (const layer of layers) {
    for (const path of layer.paths) {
      const matches = path.endsWith('/') ? file.startsWith(path) : file === path;
      if (matches && (!best || path.length > best.length)) best = { layer, length: path.length };
    }
  }
  return best?.layer;
}

/** Strongly connected components of more than one file, or a file importing itself (Tarjan). */
function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const cycles: string[][] = [];
  let next = 0;
  const visit = (node: string): void => {
    index.set(node, next);
    low.set(node, next);
    next += 1;
    stack.push(node);
    onStack.add(node);
    for (const target of graph.get(node) ?? []) {
      if (!index.has(target)) {
        visit(target);
        low.set(node, Math.min(low.get(node) ?? 0, low.get(target) ?? 0));
      } else if (onStack.has(target)) {
        low.set(node, Math.min(low.get(node) ?? 0, index.get(target) ?? 0));
      }
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string | undefined;
      do {
        member = stack.pop();
        if (member === undefined) break;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1 || (graph.get(node) ?? []).includes(node)) cycles.push(component.sort());
    }
  };
  for (const node of graph.keys()) if (!index.has(node)) visit(node);
  return cycles;
}

const layers = readLayers();
const files = SOURCE_ROOTS.flatMap(listSourceFiles).sort();
const known = new Set(files);
const graph = new Map(files.map((file) => [file, readImports(file, known)]));

describe('the layers of README.md', () => {
  it('are numbered from 1 in order, each naming its files', () => {
    expect(layers.length).toBeGreaterThan(5);
    expect(layers.map((layer) => layer.rank)).toEqual(layers.map((_, i) => i + 1));
    for (const layer of layers) expect(layer.paths.length, layer.name).toBeGreaterThan(0);
  });

  it('place every source file in one layer', () => {
    const unplaced = files.filter((file) => !findLayer(file, layers));
    expect(unplaced).toEqual([]);
  });

  it('read imports, type imports included', () => {
    // A known edge of each kind, so a parser that misses them fails here rather than passing below.
    expect(graph.get('src/plan.ts')).toContain('src/risk.ts');
    expect(graph.get('src/jobs/executor.ts')).toContain('src/command.ts');
  });

  it('have no import from a lower layer to a higher one', () => {
    const upward: string[] = [];
    for (const [file, targets] of graph) {
      const from = findLayer(file, layers);
      for (const target of targets) {
        const to = findLayer(target, layers);
        if (from && to && to.rank > from.rank) {
          upward.push(`${file} (${from.rank} ${from.name}) -> ${target} (${to.rank} ${to.name})`);
        }
      }
    }
    expect(upward).toEqual([]);
  });

  it('have no import cycle between files', () => {
    const cycles = findCycles(graph).map((component) => {
      const members = new Set(component);
      const edges = component.flatMap((file) =>
        (graph.get(file) ?? [])
          .filter((target) => members.has(target))
          .map((target) => `${file} -> ${target}`),
      );
      return edges.join('; ');
    });
    expect(cycles).toEqual([]);
  });
});
