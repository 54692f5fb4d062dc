import { Random } from './random.js';
import type { SourceKind } from './sources.js';

/**
 * The operations of a chaos run. Each is plain data chosen from the seed alone, never from what
 * earlier operations did, so that any subsequence can be replayed (the shrinker drops operations).
 * What an operation acts on is resolved when it runs: `pick` in [0, 1) chooses among the cards,
 * jobs or ISOs there are at that moment.
 */
export type Operation =
  | {
      kind: 'command';
      user: string;
      command: string;
      /** May hold `{source:KIND:NAME}` (a loopback ISO URL), `{iso}` or `{domain}` (chosen by `pick`). */
      text: string;
      pick: number;
      /** Not awaited: the next operations run while it plans (as Slack's requests overlap). */
      background: boolean;
    }
  | {
      kind: 'click';
      /** Who clicks: an approver (the n-th), the card's requester, or someone who is neither. */
      who: 'approver' | 'requester' | 'outsider';
      n: number;
      decision: 'approve' | 'deny';
      pick: number;
      /** Not awaited: an approved job runs on while the next operations come. */
      background: boolean;
    }
  | {
      kind: 'cancel';
      who: 'approver' | 'requester' | 'outsider';
      n: number;
      pick: number;
      /** Wait (briefly) for a running job's next step event first, so the cancel lands mid-step. */
      midJob: boolean;
    }
  | {
      kind: 'restart';
      mode: 'kill' | 'term';
      midJob: boolean;
      /** How long labops stays down (the clock moves on; cards may expire meanwhile). */
      downMinutes?: number | undefined;
    }
  | {
      kind: 'fault';
      fault: 'server-error' | 'html' | 'drop' | 'locked' | 'latency' | 'expire-tokens' | 'clear';
      /** Requests it hits (server-error, html, drop, locked), or milliseconds (latency). */
      amount: number;
      method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | undefined;
    }
  | { kind: 'time'; minutes: number }
  /** The store's disk fills up (SQLITE_FULL on the next page), or is freed again. */
  | { kind: 'disk'; full: boolean }
  /** A second labops starts on the same data directory; it must stop, touching nothing. */
  | { kind: 'intruder' }
  | { kind: 'settle' };

export const APPROVERS = ['alice', 'bob', 'carol'];
export const REQUESTERS = ['operator', 'dave', 'erin'];
export const OUTSIDERS = ['mallory', 'trent'];

const HOSTILE_REASONS = [
  '"patch)*\\n\\n:white_check_mark: *READ-ONLY — safe to approve*"',
  '"kernel \u202eetadpu"',
  '"<!channel> &amp; <@U0ALICE01>"',
  '"`rm -rf /` ~strike~ _it_"',
  `"${'x'.repeat(180)}"`,
];

export interface Mix {
  command: number;
  click: number;
  cancel: number;
  restart: number;
  fault: number;
  time: number;
  disk: number;
  intruder: number;
  settle: number;
  /** The share of scenes (a background approval met by a restart, a cancel or a second click). */
  scene: number;
}

/** The short run's mix: mostly commands and clicks, a restart every dozen operations or so. */
export const DEFAULT_MIX: Mix = {
  command: 38,
  click: 38,
  cancel: 5,
  restart: 3,
  fault: 7,
  time: 2,
  disk: 2,
  intruder: 1,
  settle: 4,
  scene: 0.1,
};

/**
 * The mix of `npm test`'s short run: the same without a full disk, whose outcome depends on which
 * write first finds no free page (the page layout, so the timing); `npm run chaos` keeps it.
 */
export const SHORT_RUN_MIX: Mix = { ...DEFAULT_MIX, disk: 0 };

const COMMANDS = {
  read: 8,
  maintenance: 10,
  activate: 10,
  upload: 9,
  isoAttach: 4,
  isoRemove: 2,
  detach: 2,
  storageAttach: 2,
  storageRemove: 1,
  resetDryRun: 2,
  hostile: 2,
} as const;

const READS = [
  ['/lab', 'status'],
  ['/host', 'status'],
  ['/host', 'status hyper1'],
  ['/storage', 'status'],
  ['/iso', 'list'],
  ['/lab', 'jobs'],
  ['/lab', 'audit 5'],
] as const;

const SOURCE_WEIGHTS: Record<SourceKind, number> = {
  fast: 5,
  trickle: 3,
  stall: 1,
  drop: 1,
  slowhead: 1,
  page: 1,
};

/** A command's text (placeholders unresolved) with the slash command, from the seed. */
export function generateCommandText(
  random: Random,
  index: number,
  sources: readonly SourceKind[] = Object.keys(SOURCE_WEIGHTS) as SourceKind[],
): { command: string; text: string } {
  const kind = random.weighted(COMMANDS);
  const host = random.pick(['hyper1', 'hyper2']);
  switch (kind) {
    case 'read': {
      const [command, text] = random.pick(READS);
      return { command, text };
    }
    case 'maintenance':
      return {
        command: '/host',
        text: `maintenance ${host}${random.chance(0.3) ? ' --reason "kernel update"' : ''}`,
      };
    case 'activate':
      return { command: '/host', text: `activate ${host}` };
    case 'upload': {
      const source = random.weighted(
        Object.fromEntries(sources.map((k) => [k, SOURCE_WEIGHTS[k]])) as Record<SourceKind, number>,
      );
      return {
        command: '/iso',
        text: `upload {source:${source}:src${index}.iso} --name chaos-${index}.iso`,
      };
    }
    case 'isoAttach':
      return {
        command: '/iso',
        text: `attach ${random.pick(['web1', 'db1', 'app1'])} {iso}${random.chance(0.3) ? ' --persist' : ''}`,
      };
    case 'isoRemove':
      return { command: '/iso', text: 'remove {iso}' };
    case 'detach':
      return { command: '/storage', text: 'detach {domain}' };
    case 'storageAttach':
      return {
        command: '/storage',
        text: `attach chaos-d${index} --type ${random.pick(['data', 'iso'])} --path ovirt.abc.local:/export/spare`,
      };
    case 'storageRemove':
      return { command: '/storage', text: 'remove {domain} --format' };
    case 'resetDryRun':
      return { command: '/lab', text: 'reset --dry-run' };
    case 'hostile':
      return {
        command: '/host',
        text: `maintenance ${host} --reason ${random.pick(HOSTILE_REASONS)}`,
      };
  }
}

function generateCommand(random: Random, index: number): Operation {
  const user = random.chance(0.85) ? random.pick(REQUESTERS) : random.pick([...APPROVERS, ...OUTSIDERS]);
  const pick = random.next();
  const background = random.chance(0.2);
  return { kind: 'command', user, pick, background, ...generateCommandText(random, index) };
}

function generateOne(random: Random, index: number, mix: Mix): Operation {
  const { scene: _, ...weights } = mix;
  const kind = random.weighted(weights);
  const who = () => random.weighted({ approver: 40, requester: 45, outsider: 15 });
  switch (kind) {
    case 'command':
      return generateCommand(random, index);
    case 'click':
      return {
        kind: 'click',
        who: who(),
        n: random.int(0, 2),
        decision: random.chance(0.85) ? 'approve' : 'deny',
        pick: random.next(),
        background: random.chance(0.4),
      };
    case 'cancel':
      return {
        kind: 'cancel',
        who: who(),
        n: random.int(0, 2),
        pick: random.next(),
        midJob: random.chance(0.5),
      };
    case 'restart':
      return {
        kind: 'restart',
        mode: random.chance(0.5) ? 'kill' : 'term',
        midJob: random.chance(0.6),
        downMinutes: random.pick([0, 0, 0, 1, 20]),
      };
    case 'fault': {
      const fault = random.weighted({
        'server-error': 4,
        html: 1,
        drop: 1,
        locked: 1,
        latency: 2,
        'expire-tokens': 2,
        clear: 2,
      });
      if (fault === 'latency') return { kind: 'fault', fault, amount: random.pick([0, 5, 30]) };
      if (fault === 'expire-tokens' || fault === 'clear') return { kind: 'fault', fault, amount: 0 };
      return {
        kind: 'fault',
        fault,
        amount: random.int(1, 6),
        method: fault === 'locked' ? 'POST' : random.pick([undefined, 'GET', 'POST']),
      };
    }
    case 'time':
      return { kind: 'time', minutes: random.pick([2, 5, 10, 16]) };
    case 'disk':
      return { kind: 'disk', full: random.chance(0.5) };
    case 'intruder':
      return { kind: 'intruder' };
    case 'settle':
      return { kind: 'settle' };
  }
}

/**
 * A click that lets a job run in the background, then what should meet it mid-run: a restart,
 * a cancel, or a second approver's click.
 */
function generateScene(random: Random): Operation[] {
  const approve: Operation = {
    kind: 'click',
    who: random.chance(0.5) ? 'requester' : 'approver',
    n: random.int(0, 2),
    decision: 'approve',
    pick: random.next(),
    background: true,
  };
  const then = random.weighted({ restart: 3, cancel: 2, click: 1 });
  if (then === 'restart')
    return [approve, { kind: 'restart', mode: random.chance(0.5) ? 'kill' : 'term', midJob: true }];
  if (then === 'cancel')
    return [
      approve,
      {
        kind: 'cancel',
        who: random.weighted({ requester: 2, approver: 2, outsider: 1 }),
        n: random.int(0, 2),
        pick: random.next(),
        midJob: true,
      },
    ];
  return [approve, { ...approve, who: 'approver', n: (approve.n + 1) % 3 }];
}

/** `count` operations from `seed`: the same seed, the same operations. */
export function generateOperations(seed: number, count: number, mix: Mix = DEFAULT_MIX): Operation[] {
  const random = new Random(seed);
  const operations: Operation[] = [];
  while (operations.length < count) {
    const index = operations.length;
    if (random.chance(mix.scene)) operations.push(...generateScene(random));
    else operations.push(generateOne(random, index, mix));
  }
  return operations.slice(0, count);
}

/** One line per operation, as the shrinker prints the sequence that reproduces a failure. */
export function describeOperation(op: Operation): string {
  const pick = (p: number) => `#${p.toFixed(2)}`;
  switch (op.kind) {
    case 'command':
      return `${op.user}: ${op.command} ${op.text}${op.text.includes('{') ? ` (${pick(op.pick)})` : ''}${op.background ? ' [background]' : ''}`;
    case 'click':
      return `click ${op.decision} by ${op.who}${op.who === 'approver' ? ` ${APPROVERS[op.n]}` : ''} on card ${pick(op.pick)}${op.background ? ' [background]' : ''}`;
    case 'cancel':
      return `/lab cancel by ${op.who}${op.who === 'approver' ? ` ${APPROVERS[op.n]}` : ''} of active job ${pick(op.pick)}${op.midJob ? ' [mid-job]' : ''}`;
    case 'restart':
      return `restart (${op.mode === 'kill' ? 'SIGKILL' : 'SIGTERM'})${op.downMinutes ? `, down ${op.downMinutes} min` : ''}${op.midJob ? ' [mid-job]' : ''}`;
    case 'fault':
      return `fault ${op.fault}${op.amount ? ` ${op.amount}` : ''}${op.method ? ` on ${op.method}` : ''}`;
    case 'time':
      return `time passes: ${op.minutes} min`;
    case 'disk':
      return op.full ? "the store's disk fills up" : "the store's disk is freed";
    case 'intruder':
      return 'a second labops starts on the same data directory';
    case 'settle':
      return 'settle (wait for running jobs)';
  }
}
