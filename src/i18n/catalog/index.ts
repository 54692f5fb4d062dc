/**
 * The one message catalog (issue 16): English is the source, Korean a translation with exactly its
 * keys (a missing or extra key is a type error) and, checked by test/i18n, its arguments. Each area
 * of labops has its own file in en/ and ko/; args/ is generated from en/ by `npm run i18n:args`.
 */
import type { Locale } from '../locale.js';
import type { ApprovalsArgs } from './args/approvals.js';
import type { CommonArgs } from './args/common.js';
import type { ConfigArgs } from './args/config.js';
import type { DoctorArgs } from './args/doctor.js';
import type { EngineArgs } from './args/engine.js';
import type { HostArgs } from './args/host.js';
import type { IsoArgs } from './args/iso.js';
import type { JobsArgs } from './args/jobs.js';
import type { LabArgs } from './args/lab.js';
import type { PipelineArgs } from './args/pipeline.js';
import type { RemindArgs } from './args/remind.js';
import type { RevertArgs } from './args/revert.js';
import type { ScheduleArgs } from './args/schedule.js';
import type { ShellArgs } from './args/shell.js';
import type { SlackArgs } from './args/slack.js';
import type { SshArgs } from './args/ssh.js';
import type { StorageArgs } from './args/storage.js';
import type { WatchArgs } from './args/watch.js';
import { approvals as enApprovals } from './en/approvals.js';
import { common as enCommon } from './en/common.js';
import { config as enConfig } from './en/config.js';
import { doctor as enDoctor } from './en/doctor.js';
import { engine as enEngine } from './en/engine.js';
import { host as enHost } from './en/host.js';
import { iso as enIso } from './en/iso.js';
import { jobs as enJobs } from './en/jobs.js';
import { lab as enLab } from './en/lab.js';
import { pipeline as enPipeline } from './en/pipeline.js';
import { remind as enRemind } from './en/remind.js';
import { revert as enRevert } from './en/revert.js';
import { schedule as enSchedule } from './en/schedule.js';
import { shell as enShell } from './en/shell.js';
import { slack as enSlack } from './en/slack.js';
import { ssh as enSsh } from './en/ssh.js';
import { storage as enStorage } from './en/storage.js';
import { watch as enWatch } from './en/watch.js';
import { approvals as koApprovals } from './ko/approvals.js';
import { common as koCommon } from './ko/common.js';
import { config as koConfig } from './ko/config.js';
import { doctor as koDoctor } from './ko/doctor.js';
import { engine as koEngine } from './ko/engine.js';
import { host as koHost } from './ko/host.js';
import { iso as koIso } from './ko/iso.js';
import { jobs as koJobs } from './ko/jobs.js';
import { lab as koLab } from './ko/lab.js';
import { pipeline as koPipeline } from './ko/pipeline.js';
import { remind as koRemind } from './ko/remind.js';
import { revert as koRevert } from './ko/revert.js';
import { schedule as koSchedule } from './ko/schedule.js';
import { shell as koShell } from './ko/shell.js';
import { slack as koSlack } from './ko/slack.js';
import { ssh as koSsh } from './ko/ssh.js';
import { storage as koStorage } from './ko/storage.js';
import { watch as koWatch } from './ko/watch.js';

const en = {
  ...enCommon,
  ...enPipeline,
  ...enApprovals,
  ...enJobs,
  ...enLab,
  ...enDoctor,
  ...enHost,
  ...enIso,
  ...enStorage,
  ...enEngine,
  ...enSsh,
  ...enConfig,
  ...enSlack,
  ...enShell,
  ...enSchedule,
  ...enRemind,
  ...enRevert,
  ...enWatch,
};

/** Every message's key: `area.what` (`host.maintenance.summary`). */
export type MessageKey = keyof typeof en;

/** For each key, the arguments its message takes and their kind (generated in args/). */
export type MessageArgs = CommonArgs &
  PipelineArgs &
  ApprovalsArgs &
  JobsArgs &
  LabArgs &
  DoctorArgs &
  HostArgs &
  IsoArgs &
  StorageArgs &
  EngineArgs &
  SshArgs &
  ConfigArgs &
  SlackArgs &
  ShellArgs &
  ScheduleArgs &
  RemindArgs &
  RevertArgs &
  WatchArgs;

export const CATALOGS: Readonly<Record<Locale, Readonly<Record<MessageKey, string>>>> = {
  en,
  ko: {
    ...koCommon,
    ...koPipeline,
    ...koApprovals,
    ...koJobs,
    ...koLab,
    ...koDoctor,
    ...koHost,
    ...koIso,
    ...koStorage,
    ...koEngine,
    ...koSsh,
    ...koConfig,
    ...koSlack,
    ...koShell,
    ...koSchedule,
    ...koRemind,
    ...koRevert,
    ...koWatch,
  },
};

/** The areas, in the order above: the tests read each area's files. */
export const CATALOG_AREAS = [
  'common',
  'pipeline',
  'approvals',
  'jobs',
  'lab',
  'doctor',
  'host',
  'iso',
  'storage',
  'engine',
  'ssh',
  'config',
  'slack',
  'shell',
  'schedule',
  'remind',
  'revert',
  'watch',
] as const;
