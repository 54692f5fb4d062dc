import type { common as en } from '../en/common.js';
import type { Translation } from '../translation.js';

export const common: Translation<typeof en> = {
  'common.duration.milliseconds': '{ms}ms',
  'common.duration.seconds': '{s}초',
  'common.duration.minutes': '{min}분',
  'common.duration.minutesSeconds': '{min}분 {s}초',
  'common.duration.hoursMinutes': '{h}시간 {min}분',
  'common.error.hint': '도움말: {hint}',
  'common.error.unexpected': '예상하지 못한 오류: {message}',
};
