import { approvalCandidates } from '../../approvals/flow.js';
import { type Locale, parseLocale } from '../i18n/locale.js';
import { renderText } from '../i18n/render.js';
import { msg, type Text } from '../i18n/text.js';
import { summarizeAcross } from '../jobs/across.js';
import type { LabEvent } from '../jobs/events.js';
import type { Card, Labops } from '../labops.js';
import type { Labs } from '../labs.js';
import type { Logger } from '../log.js';
import { findInverse, findRevertDeadline, findStandingRevert } from '../revert.js';
import type { ApprovalRecord, JobRecord, StepRecord } from '../store/types.js';
import type { Clock } from '../time.js';
import type { MessageContent, Voice } from './blocks.js';
import type { LiveMessage, MessageRef, Outbox } from './outbox.js';
import { type CardInput, JOB_STATUS_WORD, renderCard } from './render-card.js';
import {
  type ProgressStep,
  renderJobSummary,
  renderProgressMessage,
  renderReviewMessage,
  renderStepMessage,
  TAIL_SHOWN,
} from './render-progress.js';
import { isNotInChannel } from './web.js';

export interface JobReporterOptions {
  /** Every lab of the bot: one subscription to their bus; each job is written in its lab's voice. */
  labs: Labs;
  outbox: Outbox;
  logger: Logger;
  clock: Clock;
  /** A job whose output has more lines than this gets its full log attached as a file at the end. */
  logAttachLines: number;
  /** Bytes of log kept per job for the attachment (the newest are kept). */
  logMaxBytes: number;
  /** Runs work that outlives an event (the log upload), so that `idle` waits for it. */
  track: (work: () => Promise<void>) => void;
  /** POSTs the file to Slack's upload URL (fetch by default; tests may inject). */
  upload?: ((url: string, body: Uint8Array) => Promise<void>) | undefined;
  /** A person's own language (their Slack locale), for the copies of a card sent to them (issue 16 §2). */
  localeOf?: ((userId: string) => Promise<Locale | undefined>) | undefined;
}

/** Where the card went, for the requester's reply. */
export interface CardPlacement {
  /** Where the card (and later the job's thread) is. */
  ref: MessageRef;
  /** The bot could not post in the channel: the card went to the requester by direct message. */
  movedToDm: boolean;
  /** Approvers who got a copy by direct message. */
  dmApprovers: string[];
}

interface StepState {
  /** The step as it started. */
  record: StepRecord;
  tail: string[];
  progress?: { fraction: number; text: Text } | undefined;
  startedAt: number;
}

interface JobState {
  /** The job as it started. */
  job: JobRecord;
  /** Every step of the plan as it started (pending), each replaced as it starts and ends. */
  records: StepRecord[];
  steps: Map<number, StepState>;
  log: string[];
  logBytes: number;
  logLines: number;
}

/** A copy of the card in an approver's DM, as the store remembers it. */
interface CardRef extends MessageRef {
  user?: string | undefined;
}

/** Where a job's card is, as the store remembers it: with the language it is written in. */
interface ParentRef extends MessageRef {
  locale?: string | undefined;
}

/**
 * The job's life in Slack (design.md, "Jobs, plans and progress"): the approval card, its copies in
 * approvers' DMs — every copy edited together (issue 17 §2) — each decision edited in place, then
 * the card as the job's parent, and in its thread one progress message edited in place as steps
 * run (issue 17 §1). New posts only for what deserves a notification: a failed step's report, the
 * final summary naming the requester, the full log when long. Every message is a LiveMessage of
 * the outbox, so edits are coalesced and paced; the job's last progress edit goes in the card's
 * lane, right after the card's, so the card and its thread end within a moment of each other.
 */
export class JobReporter {
  private readonly options: JobReporterOptions;
  private readonly jobs = new Map<string, JobState>();
  /** Each job's card refresh in flight: the next starts after it, so edits land in order. */
  private readonly refreshing = new Map<string, Promise<void>>();
  /** The language of each job's card and thread while it is known here (also kept in its ref). */
  private readonly parentVoices = new Map<string, Voice>();
  private unsubscribe: (() => void) | undefined;

  constructor(options: JobReporterOptions) {
    this.options = options;
  }

  start(): void {
    this.unsubscribe = this.options.labs.bus.subscribe((event) => this.onEvent(event));
  }

  stop(): void {
    this.unsubscribe?.();
  }

  /**
   * Posts a new card in the channel it was asked in, in the lab's language, and a copy to each
   * approver who is not a member there, in theirs. When the bot is not in the channel, the card
   * goes to the requester by DM, in the requester's language (issue 16 §2).
   */
  async postCard(card: Card, requesterUserId: string): Promise<CardPlacement> {
    const { outbox } = this.options;
    const { store } = this.options.labs;
    const { job, approval } = card;
    const input = await this.cardInput(job);
    let voice = this.labVoice(job);
    let movedToDm = false;
    let parent = outbox.message(parentKey(job.id), {
      channel: job.channel,
      lane: 'card',
      priority: 0,
      group: parentKey(job.id),
    });
    parent.set(renderCard({ ...input, ...voice }), { final: true });
    let ref: MessageRef;
    try {
      ref = await parent.posted();
    } catch (error) {
      if (!isNotInChannel(error)) throw error;
      outbox.forget(parentKey(job.id));
      movedToDm = true;
      voice = await this.personVoice(job, requesterUserId);
      const dm = await this.openDm(requesterUserId);
      parent = outbox.message(parentKey(job.id), {
        channel: dm,
        lane: 'card',
        priority: 0,
        group: parentKey(job.id),
      });
      parent.set(renderCard({ ...input, ...voice }), { final: true });
      ref = await parent.posted();
    }
    this.parentVoices.set(job.id, voice);
    await store.setJobMessageRef(job.id, { ...ref, locale: voice.locale });
    await store.addApprovalCardRef(approval.id, { ...ref });

    const members = movedToDm ? new Set<string>() : await this.membersOf(ref.channel);
    const dmApprovers: string[] = [];
    for (const principal of approvalCandidates(approval)) {
      const user = /^slack:([UW][A-Z0-9]+)$/.exec(principal)?.[1];
      if (!user || members.has(user) || user === requesterUserId) continue;
      try {
        const dm = await this.openDm(user);
        // Every copy of the card in the card's lane, edited together with it (issue 17 §2).
        const copy = outbox.message(copyKey(job.id, user), {
          channel: dm,
          lane: 'card',
          priority: 0,
          group: parentKey(job.id),
        });
        const own = await this.personVoice(job, user);
        copy.set(renderCard({ ...input, ...own, copyOf: { channel: ref.channel } }), {
          final: true,
        });
        const copyRef = await copy.posted();
        await store.addApprovalCardRef(approval.id, { ...copyRef, user });
        dmApprovers.push(principal);
      } catch (error) {
        this.options.logger.warn(
          { user, err: String(error) },
          'could not send the card to an approver by DM',
        );
      }
    }
    // A decision made while the copies went out refreshed only the copies stored by then: draw
    // every copy again when the card changed since it was drawn, so none keeps live buttons.
    const now = await store.getApprovalForJob(job.id);
    if (describeCardState(now) !== describeCardState(input.approval)) await this.refreshCard(job.id);
    return { ref, movedToDm, dmApprovers };
  }

  /**
   * Re-renders the card and its copies from the store (after a decision, an expiry, a restart).
   * Refreshes of one job run one after the other, each reading the store when its turn comes, so
   * the last edit shows the newest state. Never rejects: a failure is logged. `alongside` runs
   * right after the card's edits are set, in the same turn (the job's last progress edit goes
   * with them, issue 17 §1) — or once the refresh gave up.
   */
  refreshCard(
    jobId: string,
    extra: { changes?: readonly Text[]; alongside?: (() => void) | undefined } = {},
  ): Promise<void> {
    const previous = this.refreshing.get(jobId) ?? Promise.resolve();
    let pending = extra.alongside;
    const alongside = () => {
      const run = pending;
      pending = undefined;
      run?.();
    };
    const next = previous
      .then(() => this.renderCardNow(jobId, { ...extra, alongside }))
      .catch((error: unknown) => {
        this.options.logger.warn({ jobId, err: String(error) }, 'could not refresh the card');
      })
      .finally(alongside);
    this.refreshing.set(jobId, next);
    this.options.track(async () => {
      await next;
      if (this.refreshing.get(jobId) === next) this.refreshing.delete(jobId);
    });
    return next;
  }

  private async renderCardNow(
    jobId: string,
    extra: { changes?: readonly Text[]; alongside?: (() => void) | undefined },
  ): Promise<void> {
    const job = await this.options.labs.store.getJob(jobId);
    if (!job) return;
    const cardInput = await this.cardInput(job);
    const input = { ...cardInput, ...(extra.changes ? { changes: extra.changes } : {}) };
    // With replicas, each edit is drawn again from the store when it is sent, under the card's
    // edit lock (Outbox editLock): another replica's newer edit is never followed by this older one.
    const shared = this.options.labs.store.shared;
    const parentVoice = this.parentVoice(job);
    const redraw = (voice: Voice, copyOf?: { channel: string }) =>
      shared
        ? async () => {
            const now = await this.options.labs.store.getJob(jobId);
            if (!now) return undefined;
            const fresh = {
              ...(await this.cardInput(now)),
              ...(extra.changes ? { changes: extra.changes } : {}),
            };
            return renderCard({ ...fresh, ...voice, ...(copyOf ? { copyOf } : {}) });
          }
        : undefined;
    // An approver's copy is in their own language: every language known first, then every copy
    // set in one turn, so that the outbox sends them together (issue 17 §2).
    const copies = await Promise.all(
      (cardInput.approval?.cardRefs ?? []).flatMap((raw) => {
        const ref = raw as Partial<CardRef>;
        if (!ref.user || !ref.channel || !ref.ts) return [];
        const { user, channel, ts } = ref;
        return [this.personVoice(job, user).then((own) => ({ user, channel, ts, own }))];
      }),
    );
    this.parentOf(job)?.set(renderCard({ ...input, ...parentVoice }), {
      final: true,
      render: redraw(parentVoice),
    });
    for (const { user, channel, ts, own } of copies) {
      const copy = this.options.outbox.message(copyKey(jobId, user), {
        channel,
        lane: 'card',
        priority: 0,
        group: parentKey(jobId),
        ref: { channel, ts },
      });
      copy.set(renderCard({ ...input, ...own, copyOf: { channel: job.channel } }), {
        final: true,
        render: redraw(own, { channel: job.channel }),
      });
    }
    extra.alongside?.();
  }

  /** The job's lab (issue 13 §2); a lab this bot no longer serves: the first. */
  private labOf(job: JobRecord): Labops {
    return this.options.labs.get(job.lab) ?? this.options.labs.first;
  }

  /** The job's lab's language and time zone: its channel's messages (issue 16 §2). */
  private labVoice(job: JobRecord): Voice {
    const { lab } = this.labOf(job);
    return { locale: lab.locale, timeZone: lab.timeZone };
  }

  /** One person's language (their Slack locale, else the lab's), times in the job's lab's zone. */
  private async personVoice(job: JobRecord, userId: string): Promise<Voice> {
    const locale = await this.options.localeOf?.(userId).catch(() => undefined);
    return { ...this.labVoice(job), ...(locale ? { locale } : {}) };
  }

  /** The language of a job's card and thread: the lab's, or the requester's when it went to their DM. */
  private parentVoice(job: JobRecord): Voice {
    const known = this.parentVoices.get(job.id);
    if (known) return known;
    const stored = parseLocale((job.messageRef as Partial<ParentRef> | undefined)?.locale);
    return { ...this.labVoice(job), ...(stored ? { locale: stored } : {}) };
  }

  private async cardInput(job: JobRecord): Promise<Omit<CardInput, 'locale'>> {
    const { store } = this.options.labs;
    const final = ['succeeded', 'failed', 'cancelled', 'interrupted'].includes(job.status);
    return {
      job,
      approval: await store.getApprovalForJob(job.id),
      now: this.options.clock(),
      simulated: this.labOf(job).lab.simulated,
      // Among several labs a card names its own (a card across labs names them in its summary).
      ...(this.options.labs.many && !job.plan.across ? { lab: job.lab } : {}),
      ...(final ? { steps: await store.listSteps(job.id) } : {}),
      ...(await this.findRevertOffer(job)),
    };
  }

  /** A succeeded job's Revert (issue 15 §3), while it is offered and no revert of it stands. */
  private async findRevertOffer(job: JobRecord): Promise<Pick<CardInput, 'revert'>> {
    const until = findRevertDeadline(job);
    const inverse = findInverse(job);
    const now = this.options.clock();
    if (until === undefined || !inverse || until <= now) return {};
    const standing = await findStandingRevert(this.options.labs.store, job.id, now);
    if ('revert' in standing) return {};
    return { revert: { command: `${inverse.command} ${inverse.text}`, until } };
  }

  /** The job's parent message: in memory, or from the store after a restart. */
  private parentOf(job: JobRecord): LiveMessage | undefined {
    const known = this.options.outbox.find(parentKey(job.id));
    if (known) return known;
    const ref = job.messageRef as Partial<MessageRef> | undefined;
    if (!ref?.channel || !ref.ts) return undefined;
    return this.options.outbox.message(parentKey(job.id), {
      channel: ref.channel,
      lane: 'card',
      priority: 0,
      group: parentKey(job.id),
      ref: { channel: ref.channel, ts: ref.ts },
    });
  }

  private onEvent(event: LabEvent): void {
    switch (event.type) {
      case 'approval:requested':
        return;
      case 'approval:decided':
      case 'approval:expired':
        void this.refreshCard(event.job.id);
        return;
      case 'approval:voided':
        void this.refreshCard(event.job.id, { changes: event.changeTexts });
        return;
      case 'job:started': {
        const records = [...event.steps].sort((a, b) => a.index - b.index);
        this.jobs.set(event.job.id, {
          job: event.job,
          records,
          steps: new Map(),
          log: [],
          logBytes: 0,
          logLines: 0,
        });
        void this.refreshCard(event.job.id);
        this.showProgress(event.job.id);
        return;
      }
      case 'step:started': {
        const state = this.jobs.get(event.job.id);
        if (!state) return;
        state.records[event.step.index] = event.step;
        state.steps.set(event.step.index, {
          record: event.step,
          tail: [],
          startedAt: event.step.startedAt ?? this.options.clock(),
        });
        this.showProgress(event.job.id);
        return;
      }
      case 'step:output': {
        const state = this.jobs.get(event.jobId);
        const step = state?.steps.get(event.index);
        if (!state || !step) return;
        // A line labops wrote is in the card's language (the lab's, in its channel).
        step.tail.push(event.text ? renderText(this.parentVoice(state.job).locale, event.text) : event.line);
        if (step.tail.length > TAIL_SHOWN) step.tail.shift();
        state.logLines++;
        const line = `[${event.index + 1}] ${event.line}\n`;
        state.log.push(line);
        state.logBytes += line.length;
        while (state.logBytes > this.options.logMaxBytes && state.log.length > 1) {
          state.logBytes -= state.log.shift()?.length ?? 0;
        }
        this.showProgress(event.jobId);
        return;
      }
      case 'step:progress': {
        const step = this.jobs.get(event.jobId)?.steps.get(event.index);
        if (!step) return;
        step.progress = { fraction: event.fraction, text: event.progressText };
        this.showProgress(event.jobId);
        return;
      }
      case 'step:finished': {
        // The end replaces the record kept since the start: a report arriving later (an upload
        // chunk still in flight) does not show the step running again.
        const state = this.jobs.get(event.job.id);
        if (!state) return;
        state.records[event.step.index] = event.step;
        const step = state.steps.get(event.step.index);
        if (step) step.record = event.step;
        this.showProgress(event.job.id);
        if (event.step.status === 'failed' || event.step.status === 'unknown')
          this.reportFailure(state, event.step);
        return;
      }
      case 'job:finished': {
        this.finishThread(event.job, event.steps);
        // The ref kept in the store says the card's language from now on.
        this.parentVoices.delete(event.job.id);
        return;
      }
      case 'job:reviewed': {
        void this.refreshCard(event.job.id);
        const parent = this.parentOf(event.job);
        if (!parent) return;
        this.threadMessage(event.job.id, 'review', parent, 4).set(
          renderReviewMessage(event.job, event.summaryText, this.parentVoice(event.job)),
          {
            final: true,
          },
        );
        return;
      }
    }
  }

  private threadMessage(jobId: string, name: string, parent: LiveMessage, priority: number): LiveMessage {
    return this.options.outbox.message(`thread:${jobId}:${name}`, {
      channel: parent.ref?.channel ?? parent.init.channel,
      lane: 'progress',
      priority,
      parent,
      // The progress message's last edit goes with the card's (Outbox.enqueueGroup).
      ...(name === 'progress' ? { group: parentKey(jobId) } : {}),
    });
  }

  /** The job's one progress message as the steps stand now (kept in memory, not re-read). */
  private renderProgress(state: JobState, final?: { job: JobRecord; steps: StepRecord[] }): MessageContent {
    const now = this.options.clock();
    const records = final ? [...final.steps].sort((a, b) => a.index - b.index) : state.records;
    const steps: ProgressStep[] = records.map((record) => {
      const live = state.steps.get(record.index);
      return record.status === 'running' && live
        ? { record, tail: live.tail, progress: live.progress, elapsedMs: now - live.startedAt }
        : { record };
    });
    return renderProgressMessage({
      ...this.parentVoice(state.job),
      job: final?.job ?? state.job,
      steps,
      final: final !== undefined,
    });
  }

  /**
   * The progress message again, with the newest state: its edits are paced (`liveUpdateMs`) and
   * coalesced by the outbox, so a burst of output or of short steps is one edit.
   */
  private showProgress(jobId: string): void {
    const state = this.jobs.get(jobId);
    const parent = state && this.parentOf(state.job);
    if (!state || !parent) return;
    // Posted at once; after that, live edits at most one per `liveUpdateMs`.
    this.threadMessage(jobId, 'progress', parent, 4).set(this.renderProgress(state));
  }

  /** A failed step's report: a new message, so that it notifies (issue 17 §1). */
  private reportFailure(state: JobState, step: StepRecord): void {
    const parent = this.parentOf(state.job);
    if (!parent) return;
    const live = state.steps.get(step.index);
    const content = renderStepMessage({
      ...this.parentVoice(state.job),
      step,
      total: state.records.length,
      tail: live?.tail ?? step.tail.split('\n').filter(Boolean),
    });
    this.threadMessage(state.job.id, `failure-${step.index}`, parent, 4).set(content, { final: true });
  }

  /**
   * The job's end: the card's final edit first, then the progress message's, in one turn of the
   * card's lane; the final summary naming the requester once the card shows the end, then the full
   * log when long (issue 17 §1: the card and its thread end within 2 s of each other).
   */
  private finishThread(job: JobRecord, steps: StepRecord[]): void {
    const state = this.jobs.get(job.id);
    this.jobs.delete(job.id);
    const parent = this.parentOf(job);
    const voice = this.parentVoice(job);
    if (!parent) {
      void this.refreshCard(job.id);
      return;
    }
    const progress = state && this.threadMessage(job.id, 'progress', parent, 4);
    const content = state && this.renderProgress(state, { job, steps });
    // In the card's lane, in the same turn as the card's edits: one turn of its budget for both.
    const card = this.refreshCard(job.id, {
      alongside: progress && content ? () => progress.set(content, { final: true, lane: 'card' }) : undefined,
    });
    // A job across labs ends with its table, a line per lab (issue 13 §3).
    const summary = renderJobSummary(job, steps, voice, summarizeAcross(job, steps));
    const text = state && state.logLines > this.options.logAttachLines ? state.log.join('') : undefined;
    this.options.track(async () => {
      // The summary notifies: it comes once the card says the same (the card's lane may be spent).
      await card;
      await parent.whenDelivered();
      const message = this.threadMessage(job.id, 'summary', parent, 4);
      message.set(summary, { final: true });
      await message.posted().catch(() => undefined);
      if (text !== undefined) {
        await this.attachLog(job, parent, text, voice).catch((error: unknown) =>
          this.options.logger.warn({ jobId: job.id, err: String(error) }, 'could not attach the full log'),
        );
      }
      // The thread is done: its messages leave the outbox (the card stays, for later edits).
      await progress?.whenDelivered();
      for (const name of ['progress', 'summary', ...steps.map((s) => `failure-${s.index}`)])
        this.options.outbox.forget(`thread:${job.id}:${name}`);
    });
  }

  /** The file upload Slack uses today: an upload URL, the bytes, then completion into the thread. */
  private async attachLog(job: JobRecord, parent: LiveMessage, text: string, voice: Voice): Promise<void> {
    const say = (message: Parameters<typeof renderText>[1]) =>
      renderText(voice.locale, message, { timeZone: voice.timeZone });
    const { outbox } = this.options;
    const ref = await parent.posted();
    const bytes = new TextEncoder().encode(text);
    const slot = await outbox.call<{ upload_url: string; file_id: string }>('files.getUploadURLExternal', {
      filename: `${job.id}.log`,
      length: bytes.length,
    });
    const upload =
      this.options.upload ??
      (async (url: string, body: Uint8Array) => {
        const answer = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'text/plain' } });
        if (!answer.ok) throw new Error(`the upload URL answered ${answer.status}`);
        await answer.arrayBuffer();
      });
    await upload(slot.upload_url, bytes);
    await outbox.call('files.completeUploadExternal', {
      files: [
        {
          id: slot.file_id,
          title: say(msg('slack.log.title', { job: job.id, status: msg(JOB_STATUS_WORD[job.status]) })),
        },
      ],
      channel_id: ref.channel,
      thread_ts: ref.ts,
      initial_comment: say(msg('slack.log.comment', { job: job.id, count: this.jobsLineCount(text) })),
    });
  }

  private jobsLineCount(text: string): number {
    return text.split('\n').length - 1;
  }

  private async openDm(user: string): Promise<string> {
    const answer = await this.options.outbox.call<{ channel?: { id?: string } }>('conversations.open', {
      users: user,
    });
    const id = answer.channel?.id;
    if (!id) throw new Error('conversations.open answered no channel');
    return id;
  }

  /** Members of a channel (all pages); none when Slack will not say (then every approver gets a DM). */
  private async membersOf(channel: string): Promise<Set<string>> {
    const members = new Set<string>();
    if (channel.startsWith('D')) return members;
    try {
      let cursor: string | undefined;
      do {
        const page = await this.options.outbox.call<{
          members?: string[];
          response_metadata?: { next_cursor?: string };
        }>('conversations.members', { channel, limit: 1000, ...(cursor ? { cursor } : {}) });
        for (const m of page.members ?? []) members.add(m);
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
    } catch (error) {
      this.options.logger.warn(
        { channel, err: String(error) },
        'could not list channel members; every approver gets a DM',
      );
    }
    return members;
  }
}

function parentKey(jobId: string): string {
  return `card:${jobId}`;
}

function copyKey(jobId: string, user: string): string {
  return `card:${jobId}:dm:${user}`;
}

/** What a card's buttons and status line depend on: the approval's status and its decisions. */
function describeCardState(approval: ApprovalRecord | undefined): string {
  return approval ? `${approval.status} ${approval.decisions.length}` : 'none';
}
