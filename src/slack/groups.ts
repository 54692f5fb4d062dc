import type { Logger } from '../log.js';
import type { Clock } from '../time.js';

export interface GroupDirectoryOptions {
  /** `usergroups.users.list` for one group id (`S…`): member ids. Throws when Slack refuses. */
  listMembers: (groupId: string) => Promise<string[]>;
  /** How long a membership answer is kept (about a minute keeps inside Tier 2). */
  ttlMs: number;
  clock: Clock;
  logger: Logger;
}

/**
 * User-group membership through `usergroups.users.list`, cached per group (slack-platform.md §8).
 * A failed lookup answers no members and is not cached: it denies, it never allows, and the next
 * request asks Slack again.
 */
export class GroupDirectory {
  private readonly options: GroupDirectoryOptions;
  private readonly cache = new Map<string, { at: number; members: Promise<string[]> }>();

  constructor(options: GroupDirectoryOptions) {
    this.options = options;
  }

  /** Members of `slack:S…` as principals (`slack:U…`); [] when the lookup fails. */
  resolve = async (group: string): Promise<string[]> => {
    const id = group.replace(/^slack:/, '');
    if (!/^S[A-Z0-9]+$/.test(id)) return [];
    const now = this.options.clock();
    const hit = this.cache.get(id);
    if (hit && now - hit.at < this.options.ttlMs) return hit.members;
    // Everyone waiting on this lookup gets [] if it fails, not only the first caller.
    const members = this.options
      .listMembers(id)
      .then((users) => users.map((u) => `slack:${u}`))
      .catch((error: unknown) => {
        if (this.cache.get(id)?.members === members) this.cache.delete(id);
        this.options.logger.warn(
          { group: id, err: String(error) },
          'a user-group lookup failed; its members are denied',
        );
        return [] as string[];
      });
    this.cache.set(id, { at: now, members });
    return members;
  };

  /** The groups among `groups` that `principal` belongs to (for the Caller). */
  async groupsOf(principal: string, groups: readonly string[]): Promise<string[]> {
    const answers = await Promise.all(
      groups.map(async (g) => ((await this.resolve(g)).includes(principal) ? g : undefined)),
    );
    return answers.filter((g): g is string => g !== undefined);
  }
}
