// What the built JavaScript is made from, for `npm start`'s check that dist/ is not stale.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The folders and files whose change calls for a new build: the lock file too, since packages
 * built into dist/ (zod, @formatjs) change with it, and the build script itself.
 */
export const SOURCES = [
  'src',
  'commands',
  'approvals',
  'package.json',
  'package-lock.json',
  'scripts/build.mjs',
];

/**
 * The newest modification time among the sources, folders included: a file added, changed or
 * deleted moves it. 0 when there are no sources (an installed package holds only dist/).
 */
export function newestSource(root) {
  // An installed package (npm pack) ships dist/ without src/: nothing to compare with. Its
  // package.json must not count: npm install gives each unpacked file the time of the install.
  if (!existsSync(join(root, 'src'))) return 0;
  let newest = 0;
  const visit = (path) => {
    const stat = statSync(path);
    newest = Math.max(newest, stat.mtimeMs);
    if (stat.isDirectory()) for (const name of readdirSync(path)) visit(join(path, name));
  };
  for (const source of SOURCES) if (existsSync(join(root, source))) visit(join(root, source));
  return Math.floor(newest);
}
