import type { revert as en } from '../en/revert.js';
import type { Translation } from '../translation.js';

export const revert: Translation<typeof en> = {
  'revert.note.reverts': '{job}({command})을(를) 되돌립니다.',
  'revert.note.vmsStay':
    '{host}을(를) 활성화해도 유지 보수에 들어갈 때 다른 곳으로 옮겨 간 VM({vms})은 돌아오지 않습니다. 지금 실행 중인 곳에 그대로 있습니다.',
  'revert.note.vmsStayNone':
    '{host}을(를) 활성화해도 옮겨 간 VM은 돌아오지 않습니다. 유지 보수에 들어갈 때 이 호스트에서 실행 중인 VM은 없었습니다.',
  'revert.noJob': '되돌릴 작업 {job}이(가) 없습니다.',
  'revert.noJobHint': '{command}이(가) 작업 목록을 보여 줍니다.',
  'revert.notSucceeded': '성공한 작업만 되돌릴 수 있습니다: {job}({command})의 상태는 {status}입니다.',
  'revert.notSucceededHint':
    '{status}로 지금 실습 환경의 상태를 확인하고, 되돌리려면 {inverse}을(를) 실행하세요.',
  'revert.notSucceededHintStatus': '{status}로 지금 실습 환경의 상태를 확인하고, 필요한 명령을 실행하세요.',
  'revert.tooLate':
    '되돌리기는 작업이 끝난 뒤 24시간 동안만 제공됩니다. {job}({command})은(는) {time}에 끝났습니다.',
  'revert.tooLateHint':
    '대신 {inverse}을(를) 실행하세요. 지금 실습 환경의 상태로 계획되고 다른 명령처럼 승인을 받습니다.',
  'revert.noInverse': '{job}({command})에는 labops가 되돌릴 수 있는 단계가 없습니다.',
  'revert.noInverseHint':
    '되돌리기는 /host maintenance(activate), /storage detach(attach), 그리고 VM의 CD에 이전 ISO가 있던 /iso attach(그 ISO 다시 넣기)에 제공됩니다.',
  'revert.already': '{job}은(는) 이미 {revert}({status})로 되돌리는 중입니다.',
  'revert.alreadyHint': '{command}에서 볼 수 있습니다.',
  'revert.busy': '지금 다른 사람이 {job}의 되돌리기를 요청하고 있습니다.',
  'revert.busyHint': '곧 카드가 나타납니다. 나타나지 않으면 다시 시도하세요.',
  'revert.button': '되돌리기',
  'revert.offer': '↩️ 되돌리기는 {command}을(를) 계획합니다. {time}까지 제공됩니다.',
  'revert.dialog.title': '{job}을(를) 되돌릴까요?',
  'revert.dialog.text':
    'labops가 지금 실습 환경의 상태로 {command}을(를) 요청자로서 계획합니다. 다른 명령처럼 승인을 받습니다.',
  'revert.dialog.confirm': '계획하기',
  'revert.dialog.deny': '뒤로',
  'revert.shell.offer': '되돌리려면: revert {job} ({time}까지)',
  'revert.shell.usage': 'revert에는 작업 id 하나가 필요합니다: revert job-1a2b.',
  'shell.help.revert': '성공한 작업을 되돌리는 계획을 세웁니다(24시간)',
};
