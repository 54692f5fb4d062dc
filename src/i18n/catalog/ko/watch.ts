import type { watch as en } from '../en/watch.js';
import type { Translation } from '../translation.js';

export const watch: Translation<typeof en> = {
  'watch.host.nonResponsive': '{host}이(가) non_responsive 상태임: 엔진이 vdsm에 연결할 수 없음',
  'watch.host.nonOperational': '{host}이(가) non_operational 상태임: 엔진이 사용을 중단함',
  'watch.domain.inactive': '스토리지 도메인 {domain}이(가) inactive 상태임',
  'watch.domain.maintenance':
    '스토리지 도메인 {domain}이(가) {status} 상태가 됨 (labops 작업이 요청하지 않음)',
  'watch.vm.pausedIo': 'VM {vm}이(가) 스토리지 I/O 오류로 일시 중지됨',
  'watch.migration.failed': 'VM {vm}의 마이그레이션이 실패함',
  'watch.migration.failedSomewhere': 'VM 마이그레이션이 실패함',
  'watch.transfer.paused': '{domain}(으)로의 이미지 전송이 일시 중지됨',
  'watch.transfer.pausedSomewhere': '이미지 전송이 일시 중지됨',

  'watch.digest.title': '실습 환경 이벤트',
  'watch.digest.titleLab': '실습 환경 이벤트 — {lab}',
  'watch.digest.state': '{start} 이후 이벤트 {count, plural, other {#}}개',
  'watch.digest.afterQuiet': '조용한 시간({hours}) 동안 보류했다가 끝난 뒤 게시함:',
  'watch.digest.more': '… 그 이전 이벤트 {count, plural, other {#}}개',
  'watch.alert.line': '{at} {text}',
  'watch.alert.engine': '엔진: {description} (이벤트 {code}, {name})',
  'watch.alert.doctor': '/lab doctor: {title}',

  'watch.job.heading': '이 작업 중 엔진이 보고한 내용:',
  'watch.shell.line': '실습 환경 이벤트 ({lab}): {text}',
  'watch.home.heading': '최근 실습 환경 이벤트',
};
