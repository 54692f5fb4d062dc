/** The jobs area's messages in English: the source of the catalog (issue 16). */
export const jobs = {
  // Joints between texts that are each whole (src/jobs/texts.ts).
  'jobs.join.items': '{first}; {rest}',
  'jobs.join.sentences': '{first} {rest}',
  // Job statuses, as words others use too.
  'jobs.status.awaitingApproval': 'awaiting approval',
  'jobs.status.queued': 'queued',
  'jobs.status.running': 'running',
  'jobs.status.succeeded': 'succeeded',
  'jobs.status.failed': 'failed',
  'jobs.status.cancelled': 'cancelled',
  'jobs.status.interrupted': 'interrupted',
  'jobs.status.denied': 'denied',
  'jobs.status.expired': 'expired',
  'jobs.status.void': 'void',
  // How a job ended (src/jobs/executor.ts).
  'jobs.end.stepFailed': 'Step {n} ({title}) failed: {error}',
  'jobs.end.stepUnknown': 'Step {n} ({title}) has an unknown outcome: {error}',
  'jobs.end.stoppedBefore': 'Stopped before step {n} ({title}).',
  'jobs.end.alreadyChanged': 'Already changed: {steps}.',
  'jobs.end.quotedStep': '"{title}"',
  'jobs.end.startUnrecorded': 'labops could not record the job’s start, so it did not run: {reason}',
  'jobs.end.storeStopped': 'labops stopped the job because it could not record its progress: {reason}',
  'jobs.step.timeout': 'The step did not finish within {seconds} s.',
  'jobs.cancel.by': 'Cancelled by {by}.',
  'jobs.cancel.shutdown': 'Cancelled by labops shutting down.',
  'jobs.error.noJob': 'There is no job {job}.',
  'jobs.error.noJobHint': '{command} lists them.',
  'jobs.error.interrupted': 'labops stopped while this job was running; it was not resumed.',
  'jobs.error.stranded':
    'labops found this job recorded as running with nothing running it (its end could not be recorded); it was marked interrupted and its locks released. Check its targets: its last step may have changed them.',
  'jobs.error.unknownStep': 'labops stopped while this step was running; its outcome is unknown.',
  'jobs.bug.noStep': 'No step implementation for "{kind}".',
  // What a job did to its targets (src/jobs/targets.ts).
  'jobs.report.nothingChanged': 'Nothing was changed.',
  'jobs.report.changed': 'Changed: {items}.',
  'jobs.report.unknown': 'Unknown: {items}.',
  'jobs.report.sentButSame': 'A change was sent, but every target reads as before.',
  'jobs.report.unchanged': 'Unchanged: {items}.',
  'jobs.report.more': 'and {count} more',
  'jobs.report.targetChange': '{target} {from} → {to}',
  'jobs.report.targetNote': '{target} ({note})',
  'jobs.note.changed': 'changed',
  'jobs.note.notReadable': 'not readable',
  'jobs.note.sentUnreadable': 'a change was sent and the engine could not be read: {reason}',
  'jobs.note.nothingSent': 'nothing was sent to it',
  'jobs.note.unreadBefore': 'labops could not read it before the job: {reason}',
  'jobs.note.noRecord': 'no record',
  'jobs.note.machineUncertain': 'a command was sent and its outcome is not known ({commands})',
  'jobs.note.machineUncertainAfter':
    'a command was sent and its outcome is not known ({commands}); changed before it: {changed}',
  'jobs.note.noCommand': 'no command changed it',
  'jobs.note.stepError': '{title}: {error}',
  'jobs.target.lab': 'the lab',
  'jobs.target.host': 'host {name}',
  'jobs.target.vm': 'vm {name}',
  'jobs.target.cd': 'cd of vm {vm}',
  'jobs.target.cdNow': 'cd of vm {vm} (now)',
  'jobs.target.domain': 'domain {name}',
  'jobs.target.disk': 'disk {name} in {domain}',
  'jobs.target.machine': 'machine {name}',
  'jobs.target.export': 'export {name}',
  'jobs.state.absent': 'absent',
  'jobs.state.empty': 'empty',
  'jobs.state.unattached': 'unattached',
  'jobs.state.unknown': 'unknown',
  'jobs.state.master': '{status}, master',
  'jobs.state.on': '{status} on {host}',
  // After a restart (src/jobs/recovery.ts).
  'jobs.recovery.reread': 'Re-read after the restart: {targets}',
  'jobs.recovery.stoppedWhileRunning': 'labops stopped while it ran',
  // Runbook steps (src/jobs/runbook-steps.ts).
  'jobs.download.failed': 'The download on {machine} failed: {reason}. The partial file was removed.',
  'jobs.download.failedHint': 'Check the URL, or run {command} again to plan what the source serves now.',
  'jobs.preflight.failed': 'The pre-flight failed, before any change',
  'jobs.preflight.passed':
    '{count, plural, one {{count} read-only check passed} other {{count} read-only checks passed}}',
  // Cancelling (src/jobs-port.ts).
  'jobs.cancel.forbidden': '{by} may not cancel {job}: only {requester}, who asked, or an approver may.',
  'jobs.cancel.cancelling': 'Cancelling {job}: the current step is being stopped; later steps will not run.',
  'jobs.cancel.cancellingUnrecorded':
    'Cancelling {job}: no later step will run. Its end is recorded, and its locks released, once labops can write its state store again: {reason}',
  'jobs.cancel.stranded':
    '{job} was recorded as running, but nothing runs it: it is marked interrupted and its locks are released. Check its targets: its last step may have changed them.',
  'jobs.cancel.waiting': '{job} was waiting; it is cancelled and will not run.',
  'jobs.cancel.cardVoid': 'cancelled by {by}',
  'jobs.cancel.nothing': '{job} is {status}; there is nothing to cancel.',
  'jobs.cancel.gone': '{job} is gone; there is nothing to cancel.',
  // The state store (src/store): what its operators read at start-up and when it cannot be written.
  'jobs.store.jobExists': 'Job {job} already exists.',
  'jobs.store.approvalExists': 'Approval {id} already exists.',
  'jobs.store.jobVanished': 'Job {job} vanished from the store.',
  'jobs.store.approvalVanished': 'Approval {id} vanished from the store.',
  'jobs.store.noJob': 'Job {job} does not exist.',
  'jobs.store.noStep': 'Job {job} has no step {index}.',
  'jobs.store.noApproval': 'Approval {id} does not exist.',
  'jobs.store.badFingerprint': '{fingerprint} is not an SSH key fingerprint (SHA256:…).',
  'jobs.store.notSqlite': 'Not a SQLite store.',
  'jobs.store.noWal':
    'The state store {path} cannot use write-ahead logging (SQLite answered journal mode "{mode}").',
  'jobs.store.noWalHint':
    'Put the data directory on a local file system (not NFS or SMB); set LABOPS_DATA_DIR.',
  'jobs.store.memoryReadOnly': 'A store in memory cannot be opened read-only.',
  'jobs.store.missing': 'There is no state store at {path}.',
  'jobs.store.missingHint':
    'Set LABOPS_DATA_DIR to the data directory of the labops whose state you want to read.',
  'jobs.store.oldSchema':
    'The state store {path} has schema version {version}; this labops reads version {current}.',
  'jobs.store.oldSchemaHint':
    'Start labops once on this data directory (it upgrades the store), then read it again.',
  'jobs.store.newerSchema':
    'The state store {path} has schema version {version}, but this labops knows versions up to {latest}: it was written by a newer labops.',
  'jobs.store.newerSchemaHint':
    'Run the newer labops again, or set LABOPS_DATA_DIR to another directory; labops never downgrades a store.',
  'jobs.store.upgradeFailed':
    'The state store {path} could not be upgraded to schema version {version} ({name}): {reason}.',
  'jobs.store.upgradeFailedHint':
    'Nothing was changed. Keep the file, and report this with its schema version; a backup copy lets you retry.',
  'jobs.store.dirCreate': 'The state store directory {dir} cannot be created: {reason}.',
  'jobs.store.dirCreateHint': 'Create {dir} as a writable directory, or set LABOPS_DATA_DIR to one.',
  'jobs.store.dirNotWritable': 'The state store directory {dir} is not writable: {reason}.',
  'jobs.store.dirNotWritableHint':
    'Give the user running labops write access to {dir}, or set LABOPS_DATA_DIR to a writable directory.',
  'jobs.store.notFile': 'The state store path {path} is not a regular file.',
  'jobs.store.notFileHint': 'Point LABOPS_DATA_DIR at a directory where labops can keep its database file.',
  'jobs.store.fileAccess': 'The state store file {path} cannot be read and written: {reason}.',
  'jobs.store.fileAccessHint':
    'Give the user running labops read and write access to {path}, or set LABOPS_DATA_DIR to another directory.',
  'jobs.store.notDatabase':
    'The state store file {path} is not a SQLite database (it may be truncated or another file); labops left it untouched.',
  'jobs.store.notDatabaseHint':
    'Move it aside ({command}) to let labops start an empty store there, restore it from a backup, or set LABOPS_DATA_DIR to another directory.',
  'jobs.store.corrupt': 'The state store file {path} is corrupt; labops left it untouched.',
  'jobs.store.corruptHint':
    'Restore it from a backup, or move it aside ({command}) to let labops start an empty store; {recover} may save its contents.',
  'jobs.store.readOnly': 'The state store {path} is read-only to labops ({reason}).',
  'jobs.store.readOnlyHint':
    'Give the user running labops write access to {path} and to {dir} (SQLite keeps its -wal and -shm files there), or set LABOPS_DATA_DIR to a writable directory.',
  'jobs.store.locked': 'The state store {path} is locked by another process.',
  'jobs.store.lockedHint':
    'Is another labops running on the same data directory? Stop it, or set LABOPS_DATA_DIR to another one.',
  'jobs.store.full': 'The state store {path} cannot be written: the disk is full.',
  'jobs.store.fullHint': 'Free space on the file system holding {dir}.',
  'jobs.store.cannotOpen': 'The state store {path} cannot be opened: {reason}.',
  'jobs.store.cannotOpenHint':
    'Check that {dir} is a local, writable directory and {path} a labops database, or set LABOPS_DATA_DIR to another directory.',
  'jobs.store.openedReadOnly': 'The state store {path} was opened read-only; labops does not write it.',
  'jobs.store.unwritable': 'labops cannot write its state store {path}: {reason}.',
  'jobs.store.unwritableHint':
    'Free disk space under {dir} (the data directory) or fix its permissions. labops keeps trying to record the jobs it runs, and takes new requests once the store can be written.',
  'jobs.store.stayedLocked': 'The state store {path} stayed locked by another process.',
  'jobs.store.stayedLockedHint':
    'Is another labops using the same data directory? Only one may run per store.',
  'jobs.store.refusedWrite': 'The state store refused a write: {reason}.',
  'jobs.lease.expired':
    'The labops replica running this job stopped renewing its lease (it stopped, or lost the database); another replica marked it interrupted. It was not resumed.',
  'jobs.lease.lost':
    '{job} is no longer run by this replica ({replica}): its lease ran out and it was marked interrupted; nothing more of it is recorded here.',
  'jobs.store.failed': 'The state store {path} failed: {reason}.',
  'jobs.store.failedHint':
    'Check the disk holding the data directory (space, permissions, errors in the system log).',
  // The PostgreSQL state store (src/store/pg-*.ts, issue 14): {path} is its URL without the password.
  'jobs.pg.badUrl': 'The state store URL is not a PostgreSQL URL (postgres://user@host/database): {reason}.',
  'jobs.pg.badUrlHint':
    'Set DATABASE_URL to postgres://USER@HOST:PORT/DATABASE (the password in ~/.pgpass or the URL).',
  'jobs.pg.cannotConnect': 'labops cannot connect to its state store {path}: {reason}.',
  'jobs.pg.cannotConnectHint':
    'Check that the PostgreSQL server is running and reachable, and that DATABASE_URL names it, a database that exists and a user that may log in to it.',
  'jobs.pg.missingHint': 'Set DATABASE_URL to the database of the labops whose state you want to read.',
  'jobs.pg.oldSchemaHint': 'Start labops once on this database (it upgrades the store), then read it again.',
  'jobs.pg.newerSchemaHint':
    'Run the newer labops again, or set DATABASE_URL to another database; labops never downgrades a store.',
  'jobs.pg.upgradeFailedHint':
    'Nothing was changed. Keep the database, and report this with its schema version; a backup (pg_dump) lets you retry.',
  'jobs.pg.unreachable': 'the PostgreSQL server cannot be reached ({code})',
  'jobs.pg.unwritableHint':
    'Check that the PostgreSQL server of {path} is running, reachable and has free disk space. labops keeps trying to record the jobs it runs, and takes new requests once the store can be written.',
  'jobs.pg.busy': 'The state store {path} stayed busy with other transactions.',
  'jobs.pg.busyHint':
    'Try again. If it lasts, look for a long transaction holding locks on the server (pg_stat_activity).',
  'jobs.pg.failedHint': "Check the PostgreSQL server's log for this error.",
  'jobs.fs.notDirectory': 'a part of the path is a file, not a directory',
  'jobs.fs.exists': 'it exists and is not a directory',
  'jobs.fs.permission': 'permission denied',
  'jobs.fs.readOnly': 'the file system is read-only',
  'jobs.fs.full': 'the disk is full',
  'jobs.fs.ioError': 'the disk reported an I/O error ({code})',
  'jobs.fs.becameReadOnly': 'it became read-only ({code})',
  'jobs.fs.cannotOpen': 'its files cannot be opened ({code})',
  'jobs.owner.pidUnwritable': 'labops cannot write {path}: {reason}.',
  'jobs.owner.pidUnwritableHint':
    'Give the user running labops write access to {dir}, or set LABOPS_DATA_DIR to another directory.',
  'jobs.owner.running': 'labops is already running with this data directory (pid {pid}): {dir}.',
  'jobs.owner.runningUnknown': 'labops is already running with this data directory (pid unknown): {dir}.',
  'jobs.owner.runningHint':
    'One labops owns a data directory at a time. Stop the other one ({kill}), or set LABOPS_DATA_DIR to another directory. Reading its audit trail works while it runs: {export}.',
  'jobs.owner.runningUnknownHint':
    'One labops owns a data directory at a time. Stop the other one, or set LABOPS_DATA_DIR to another directory. Reading its audit trail works while it runs: {export}.',
  'jobs.owner.lockFile': 'labops cannot lock its data directory with {path}: {reason}.',
  'jobs.owner.lockFileHint':
    '{path} is labops’ own, empty lock file: remove it if it holds anything, and keep the data directory on a local file system (not NFS or SMB).',
  'jobs.across.noPort': 'This step runs only in a bot that serves several labs.',
  'jobs.across.noneRan': 'No lab’s part ran: nothing was changed.',
  'jobs.across.labFailed': '{lab}: {error}',
  'jobs.across.labCancelled': '{lab}: cancelled.',
  'jobs.across.labLeftOut': '{lab}: {reason}',
  'jobs.across.labNotStarted': '{lab}: not started.',
  'jobs.across.labsDone': 'Finished: {labs}.',
  'jobs.across.cancelled': 'Cancelled across {count, plural, one {# lab} other {# labs}}.',
  'jobs.across.failedCount': '{failed} of {count, plural, one {# lab} other {# labs}} failed.',
  'jobs.across.status.pending': 'pending',
  'jobs.across.status.running': 'running',
  'jobs.across.status.ok': 'ok',
  'jobs.across.status.changed': 'changed',
  'jobs.across.status.failed': 'failed',
  'jobs.across.status.unknown': 'unknown outcome',
  'jobs.across.status.cancelled': 'cancelled',
  'jobs.across.status.skipped': 'left out',
  'jobs.across.row': '{lab} · {status}',
  'jobs.across.rowDetail': '{lab} · {status} — {detail}',
  'jobs.across.rowTook': '{lab} · {status} · {took}',
  'jobs.across.rowTookDetail': '{lab} · {status} · {took} — {detail}',
  'jobs.across.summaryHeading': 'Summary, {count, plural, one {# lab} other {# labs}}:',
  'jobs.across.noneClaimed': 'No lab is left to run: {labs}.',
  'jobs.across.claimed': '{claimed} of {count, plural, one {# lab} other {# labs}} locked and ready.',
  'jobs.across.replanFailed': 'could not be planned again: {reason}',
  'jobs.across.noClaim': '{lab} was not taken by the first step of this job.',
  'jobs.across.leftOut': 'Left out: its plan changed since the card ({changes}). Ask again with {again}.',
  'jobs.across.progress': '{lab}: step {n}/{count}, {title}',
  'jobs.across.progressDone': '{lab}: {n} of {count} steps done',
  'jobs.across.stepDone': '{lab} [{n}/{count}] {status} {title}',
  'jobs.across.partDone': '{job}: {count, plural, one {# step} other {# steps}}, {changed} changed.',
  'jobs.across.partEnded': '{job} {status}: {error}',
  'jobs.across.notRun': 'Not run: job {job} ended before this lab’s turn.',
  'jobs.across.claimLocked':
    '{lab}: plan unchanged, locked; runs as {job} ({count, plural, one {# step} other {# steps}}).',
  'jobs.across.claimChanged': '{lab}: changed since the card ({changes}), left out.',
  'jobs.across.claimRefused': '{lab}: {reason}',
  'jobs.recovery.acrossPart': '{job} in {lab}',
  'jobs.recovery.across': 'Each lab’s part is re-read in its own lab: {jobs}.',
  // labops migrate --to postgres://… (src/store/migrate.ts, issue 14 §1): {url} is without its password.
  'jobs.migrate.missingTo': 'Say which PostgreSQL database to move the state into: {usage}.',
  'jobs.migrate.unknownArg': 'labops migrate does not take {arg}: {usage}.',
  'jobs.migrate.usageHint':
    'The database must exist and be empty ({createdb}). The SQLite store is read from LABOPS_DATA_DIR (default ./data).',
  'jobs.migrate.noStore': 'There is no SQLite store to move at {path}.',
  'jobs.migrate.noStoreHint':
    'Set LABOPS_DATA_DIR to the data directory the bot ran with (./data by default, /var/lib/labops under systemd).',
  'jobs.migrate.unfinished':
    'The SQLite store in {dir} has {count, plural, one {a job} other {# jobs}} that did not end: {jobs}.',
  'jobs.migrate.unfinishedJob': '{job} ({status}, {command})',
  'jobs.migrate.unfinishedHint':
    'Only ended jobs move. If a bot runs on it, let them end and stop it; if none does (it stopped while they ran), start labops once on this data directory and stop it again: it marks them interrupted. Then move again.',
  'jobs.migrate.liveReplica': 'labops is running on {url}: {replicas}.',
  'jobs.migrate.replicaLeads':
    'replica {replica} leads {duty} for {seconds, plural, one {# second} other {# seconds}} more',
  'jobs.migrate.replicaRuns':
    'replica {replica} runs {job} under a lease of {seconds, plural, one {# second} other {# seconds}} more',
  'jobs.migrate.liveReplicaHint':
    'A store moves only into a database no labops uses: stop every replica on it, or create a new, empty database ({createdb}) and move into that.',
  'jobs.migrate.notEmpty': '{url} is not empty: it holds {contents}.',
  'jobs.migrate.holdsSchema': 'the labops schema (version {version})',
  'jobs.migrate.holdsRows': '{count, plural, one {# row} other {# rows}} in {table}',
  'jobs.migrate.notEmptyHint':
    'labops never merges two stores: move into a new, empty database ({createdb}, then --to with its name). Only if nothing in this one is needed, empty it ({drop}) and move again.',
  'jobs.migrate.failed': 'Nothing was moved into {url}; the move was undone: {reason}',
  'jobs.migrate.failedHint':
    'The database is left as it was, and the SQLite store unchanged. Fix the cause, then run the same command again.',
  'jobs.migrate.done':
    'Copied {jobs, plural, one {# job} other {# jobs}}, {approvals, plural, one {# approval} other {# approvals}} ({pending} pending), {audit, plural, one {# audit event} other {# audit events}}, {keys, plural, one {# pinned key} other {# pinned keys}} from {dir} to {url}.',
  'jobs.migrate.next':
    'Next: start labops with DATABASE_URL={url} (and its password, if it has one). {dir} is left as it was: keep it as a backup, and start no bot on it again.',
} as const;
