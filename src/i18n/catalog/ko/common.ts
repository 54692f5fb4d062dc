import type { common as en } from '../en/common.js';
import type { Translation } from '../translation.js';

export const common: Translation<typeof en> = {
  'common.duration.milliseconds': '{ms}ms',
  'common.duration.seconds': '{s}초',
  'common.duration.minutes': '{min}분',
  'common.duration.minutesSeconds': '{min}분 {s}초',
  'common.duration.hoursMinutes': '{h}시간 {min}분',
  'common.error.hint': '도움말: {hint}',
  'common.cancelled': '작업이 취소되었습니다.',
  'common.error.unexpected': '예상하지 못한 오류: {message}',
  // The lab guide's FAQ entries with the guide's own titles (lab-guide.md, "10.0 기술지원 FAQ").
  'common.faq.0': 'FAQ 0 (파일 시스템 추가시 용량이 부족한 경우)',
  'common.faq.1': 'FAQ 1 (storage 추가 작업시, 이전에 삭제했던 storage 파일이 남아있어서 진행이 안될 경우)',
  'common.faq.2': 'FAQ 2 (storage 추가 작업시, ovirt.abc.local 의 도메인을 인식하지 못하는 경우)',
  'common.faq.3': 'FAQ 3 (부팅 시, storage가 비활성화되어 연결이 되지 않는 경우)',
  'common.faq.4':
    'FAQ 4 (storage 목록을 지우려면 해당 storage를 관리하는 호스트를 management 상태로 변경해야 함)',
};
