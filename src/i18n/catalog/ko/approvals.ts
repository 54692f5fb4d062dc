import type { approvals as en } from '../en/approvals.js';
import type { Translation } from '../translation.js';

export const approvals: Translation<typeof en> = {
  'approvals.risk.read': '읽기',
  'approvals.risk.change': '변경',
  'approvals.risk.destructive': '파괴적',
  'approvals.risk.critical': '중대',
  'approvals.status.pending': '승인 대기',
  'approvals.status.approved': '승인됨',
  'approvals.status.denied': '거부됨',
  'approvals.status.expired': '만료됨',
  'approvals.status.void': '무효',
  'approvals.list.or': '{a} 또는 {b}',
  'approvals.list.comma': '{a}, {b}',
  'approvals.channel.shell': '셸',
  'approvals.policy.noChannel':
    '{command}은(는) lab.yml에서 어느 채널에서도 허용되지 않습니다({channel}에서 요청함).',
  'approvals.policy.channels': '{command}은(는) {channels}에서만 실행할 수 있습니다({channel}에서 요청함).',
  'approvals.policy.nobodyAsks':
    '{requester}은(는) {command}을(를) 실행할 수 없습니다. lab.yml에 따라 아무도 요청할 수 없습니다.',
  'approvals.policy.onlyAsk':
    '{requester}은(는) {command}을(를) 실행할 수 없습니다. {askers}만 요청할 수 있습니다.',
  'approvals.policy.tooFewApprovers':
    '{command}은(는) 위험도 {risk} 명령이라 요청자 외에 {required, plural, other {승인자 {required}명}}이 필요하지만, lab.yml의 정책에 요청자 외 승인자는 {names} — {key}에 승인자를 추가하십시오.',
  'approvals.policy.namesNone': '없습니다',
  'approvals.policy.namesSome': '{count}명({approvers})뿐입니다',
  'approvals.click.noApproval': '승인 {id}이(가) 없습니다.',
  'approvals.click.noPending': '승인 대기 중인 요청이 없습니다.',
  'approvals.click.recheckFailed': '승인하기 전에 계획을 다시 확인하지 못했습니다: {reason}',
  'approvals.click.denied': '{principal}이(가) {id}을(를) 거부했습니다. 작업 {job}은(는) 실행되지 않습니다.',
  'approvals.click.approved': '{approvers}이(가) {id}을(를) 승인했습니다. 작업 {job}을(를) 실행합니다.',
  'approvals.click.recorded':
    '{principal}이(가) {id}을(를) 승인했습니다({required}명 중 {count}명). 다른 승인자를 기다립니다.',
  'approvals.click.expired':
    '{id}은(는) 만료되어 아무것도 실행되지 않습니다. 새 계획을 받으려면 명령을 다시 실행하십시오.',
  'approvals.click.notPending': '{id}은(는) 이미 {status} 상태입니다. 바뀐 것은 없습니다.',
  'approvals.click.repeated': '{principal}은(는) 이미 {id}을(를) 결정했습니다. 다시 눌러도 바뀌지 않습니다.',
  'approvals.click.selfApproval':
    '{principal}은(는) {id}의 요청자라서 승인할 수 없습니다. 위험도 {risk} 작업에는 {required, plural, =2 {다른 승인자 두 명} other {다른 승인자}}이 필요합니다.',
  'approvals.click.notEligible':
    '{principal}은(는) {id}의 승인자가 아닙니다. 다음 중 {required, plural, =2 {두 명} other {한 명}}이 승인해야 합니다: {candidates}.',
  'approvals.click.notEligibleNobody':
    '{principal}은(는) {id}의 승인자가 아닙니다. {required, plural, =2 {두 명} other {한 명}}의 승인이 필요하지만 설정된 승인자가 없습니다.',
  'approvals.bug.noJob': '승인 {id}에 해당하는 작업 {job}이(가) 없습니다.',
  'approvals.object':
    '{kind, select, host {호스트 {name}} domain {스토리지 도메인 {name}} vm {VM {name}} iso {ISO {name}} hostKey {{name} 호스트 키} export {export 디렉터리 {name}} other {{name}}}',
  'approvals.change.added': '{object}: 새로 {now}',
  'approvals.change.gone': '{object}: 없어짐(이전 {was})',
  'approvals.change.changed': '{object}: {was} → {now}',
  'approvals.change.noLonger': '더 이상 할 수 없음: {reason}',
  'approvals.void.reason': '계획을 세운 뒤 실습 환경이 바뀌었습니다: {changes}',
  'approvals.void.answer':
    '{id}은(는) 무효입니다. 계획을 세운 뒤 실습 환경이 바뀌었습니다({changes}). 새 계획을 받으려면 명령을 다시 실행하십시오.',
};
