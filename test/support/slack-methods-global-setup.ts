import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { SCOPES_BY_METHOD } from './slack-api.js';

/**
 * vitest global setup: every Slack stand-in of the run records the Web API methods it was called
 * with; when the run ends, the manifest must ask for exactly the scopes those methods need
 * (issue 4: "its scopes equal those the Web API methods recorded by the stand-in during the suite
 * require"). A mismatch fails the run, naming the difference.
 */
export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'labops-slack-methods-'));
  process.env.LABOPS_SLACK_METHODS_DIR = dir;
  return () => {
    try {
      const files = readdirSync(dir);
      // Only the whole suite (the test command) used every method; a partial run proves nothing.
      if (process.env.LABOPS_WHOLE_SUITE !== '1' || files.length === 0) return;
      const methods = new Set(
        files.flatMap((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')) as string[]),
      );
      const unknown = [...methods].filter((m) => !(m in SCOPES_BY_METHOD));
      const needed = new Set(['commands', ...[...methods].flatMap((m) => SCOPES_BY_METHOD[m] ?? [])]);
      const manifest = parse(readFileSync(new URL('../../manifest.yml', import.meta.url), 'utf8')) as {
        oauth_config: { scopes: { bot: string[] } };
      };
      const asked = new Set(manifest.oauth_config.scopes.bot);
      const missing = [...needed].filter((s) => !asked.has(s));
      const extra = [...asked].filter((s) => !needed.has(s));
      if (unknown.length || missing.length || extra.length) {
        throw new Error(
          `manifest.yml scopes differ from what the suite's Slack calls need: missing [${missing}], not needed [${extra}], methods without a scope entry [${unknown}]`,
        );
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}
