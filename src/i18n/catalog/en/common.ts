/** Words every part of labops uses: units, durations. */
export const common = {
  'common.duration.milliseconds': '{ms} ms',
  'common.duration.seconds': '{s} s',
  'common.duration.minutes': '{min} min',
  'common.duration.minutesSeconds': '{min} min {s} s',
  'common.duration.hoursMinutes': '{h} h {min} min',
  'common.error.hint': 'Hint: {hint}',
  'common.error.unexpected': 'Unexpected failure: {message}',
} as const;
