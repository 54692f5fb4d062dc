/** The events watcher's messages in English (issue 15 §1): the lab's events in its channel. */
export const watch = {
  // What happened, one line each.
  'watch.host.nonResponsive': '{host} is non_responsive: the engine cannot reach its vdsm',
  'watch.host.nonOperational': '{host} is non_operational: the engine took it out of use',
  'watch.domain.inactive': 'Storage domain {domain} is inactive',
  'watch.domain.maintenance': 'Storage domain {domain} went into {status}, and no labops job asked for it',
  'watch.vm.pausedIo': 'VM {vm} is paused on a storage I/O error',
  'watch.migration.failed': 'Migration of VM {vm} failed',
  'watch.migration.failedSomewhere': 'A VM migration failed',
  'watch.transfer.paused': 'An image transfer to {domain} was paused',
  'watch.transfer.pausedSomewhere': 'An image transfer was paused',

  // The channel's message.
  'watch.digest.title': 'Lab events',
  'watch.digest.titleLab': 'Lab events — {lab}',
  'watch.digest.state': '{count, plural, one {# event} other {# events}} since {start}',
  'watch.digest.afterQuiet': 'Held during quiet hours ({hours}), posted as they ended:',
  'watch.digest.more': '… and {count, plural, one {# earlier event} other {# earlier events}}',
  'watch.alert.line': '{at} {text}',
  'watch.alert.engine': 'The engine: {description} (event {code}, {name})',
  'watch.alert.doctor': '/lab doctor: {title}',

  // A job's thread, the shell, App Home.
  'watch.job.heading': 'The engine reports, during this job:',
  'watch.shell.line': 'lab event ({lab}): {text}',
  'watch.home.heading': 'Latest lab events',
} as const;
