/** Words every part of labops uses: units, durations. */
export const common = {
  'common.duration.milliseconds': '{ms} ms',
  'common.duration.seconds': '{s} s',
  'common.duration.minutes': '{min} min',
  'common.duration.minutesSeconds': '{min} min {s} s',
  'common.duration.hoursMinutes': '{h} h {min} min',
  'common.error.hint': 'Hint: {hint}',
  'common.cancelled': 'The operation was cancelled.',
  'common.error.unexpected': 'Unexpected failure: {message}',
  // The lab guide's FAQ entries (lab-guide.md), with a faithful English title.
  'common.faq.0': 'FAQ 0 (adding a filesystem fails for lack of space)',
  'common.faq.1': 'FAQ 1 (adding storage fails: files left by a domain removed earlier)',
  'common.faq.2': 'FAQ 2 (adding storage fails: the name ovirt.abc.local is not recognized)',
  'common.faq.3': 'FAQ 3 (after a reboot, storage is inactive and does not connect)',
  'common.faq.4': 'FAQ 4 (to remove a storage domain, first put the host that manages it into maintenance)',
} as const;
