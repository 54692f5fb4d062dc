import type { Locale } from './i18n/locale.js';
import { type RenderOptions, renderText } from './i18n/render.js';
import type { Text } from './i18n/text.js';
import type { Risk } from './risk.js';

/**
 * What a plan shows approvers and what its job will run: built by a sub-command's `plan()` without
 * side effects, stored with the job (design.md, "Jobs, plans and progress").
 */

/** A step of a plan: its kind names the implementation, `params` its JSON arguments. */
export interface StepSpec<T = Text> {
  kind: string;
  title: T;
  params: Record<string, unknown>;
  /**
   * The exact command lines (runbook steps) or API calls approvers see in the plan: verbatim, with
   * a catalog message where a line says what happens around the call ("wait until hyper1 is up").
   */
  shows?: T[] | undefined;
  /** Per-step timeout in ms; the executor's default applies when absent. */
  timeoutMs?: number | undefined;
  /**
   * Runs beside the parallel steps next to it, a few at once (`Plan.across.concurrency`), and a
   * failure of one stops none of the others: each is a lab of its own (issue 13 §3).
   */
  parallel?: boolean | undefined;
}

/** What a plan shows approvers and what the job will run. Built without side effects. */
export interface Plan<T = Text> {
  /** One line: "Put hyper1 into maintenance". */
  summary: T;
  /** The sub-command's risk, raised from the target's state where needed. */
  risk: Risk;
  /** Why the risk was raised ("hyper1 is the last active host of cluster Default"). */
  riskReasons: T[];
  /** What will happen: "web1 → hyper2 (live migration)". */
  impact: T[];
  warnings: T[];
  /** What will stop the job from finishing ("web1 is pinned to hyper1"). */
  blockers: T[];
  /** Locks the job holds from the card to its end: `host:hyper1`, `domain:nfs-data`, `lab`. */
  locks: string[];
  /**
   * The state the plan depends on, in words keyed by object (`host hyper1: up`). Its hash is the
   * fingerprint: when it changes before approval, the card becomes void and shows the difference.
   * Only what matters — statuses, placement, master flags — never counters (design.md, Approvals).
   */
  dependsOn: Record<string, string>;
  steps: StepSpec<T>[];
  /**
   * A plan across labs (`/lab reset --all`, issue 13 §3): the labs it was made for, and how many
   * of them run at once. Its job locks nothing while the card waits; each lab's part takes that
   * lab's locks when the card is approved.
   */
  across?: { labs: string[]; concurrency: number } | undefined;
  /** Only show the plan (`--dry-run`): no card, no lock, nothing runs. */
  preview?: boolean | undefined;
}

/** What a plan must name (its summary and risk); every list left out is empty. */
export type PlanSpec = Pick<Plan, 'summary' | 'risk'> & Partial<Omit<Plan, 'summary' | 'risk'>>;

/** A plan with nothing left out: what `spec` does not name is empty (no warning, no lock, no step). */
export function createPlan(spec: PlanSpec): Plan {
  return {
    riskReasons: [],
    impact: [],
    warnings: [],
    blockers: [],
    locks: [],
    dependsOn: {},
    steps: [],
    ...spec,
  };
}

/** A plan with every text rendered in `locale`, for an adapter to lay out. */
export function localizePlan(plan: Plan, locale: Locale, options: RenderOptions = {}): Plan<string> {
  const say = (text: Text) => renderText(locale, text, options);
  return {
    ...plan,
    summary: say(plan.summary),
    riskReasons: plan.riskReasons.map(say),
    impact: plan.impact.map(say),
    warnings: plan.warnings.map(say),
    blockers: plan.blockers.map(say),
    steps: plan.steps.map(
      ({ shows, ...step }): StepSpec<string> => ({
        ...step,
        title: say(step.title),
        ...(shows ? { shows: shows.map(say) } : {}),
      }),
    ),
  };
}
