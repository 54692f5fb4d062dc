import type { schedule as en } from '../en/schedule.js';
import type { Translation } from '../translation.js';

export const schedule: Translation<typeof en> = {
  'schedule.atFlag': '나중에 실행: 실습 환경 시간대의 시각(HH:MM) 또는 날짜와 시각(YYYY-MM-DDTHH:MM)',
  'schedule.everyFlag': '이 간격으로 반복 실행: 최소 15m (m, h, d: 30m, 1h, 1d)',
  'schedule.at.form': '"{typed}"은(는) labops가 읽을 수 있는 시각이 아닙니다.',
  'schedule.at.formHint':
    '실습 환경 시간대({zone})의 시각을 HH:MM으로(예: {example}), 또는 날짜와 시각을(예: {dayExample}) 주세요.',
  'schedule.at.past':
    '{zone} 기준으로 {when}은(는) 이미 지났습니다: 예약 시각은 앞으로 올 시각이어야 합니다.',
  'schedule.at.pastHint': '더 늦은 시각을 주세요. 다른 날이면 날짜도 함께 주세요(예: {example}).',
  'schedule.every.form': '"{typed}"은(는) labops가 읽을 수 있는 간격이 아닙니다.',
  'schedule.every.formHint': '숫자와 단위 — m(분), h(시간), d(일) — 를 주세요(예: {example}).',
  'schedule.every.floor': '{typed}마다는 너무 잦습니다: 예약 작업은 최소 {minimum} 간격으로 실행됩니다.',
  'schedule.every.ceiling': '{typed}마다는 너무 드뭅니다: 예약 작업은 최대 {maximum} 간격으로 실행됩니다.',
  'schedule.every.limitHint': '{minimum}부터 {maximum} 사이의 간격을 주세요(예: {example}).',
  'schedule.dryRun': '시험 실행은 지금의 계획만 보여 줄 뿐 예약할 수 없습니다.',
  'schedule.dryRunHint':
    '예약하려면 --dry-run을 빼고({example}), 지금 계획을 보려면 --at과 --every를 빼세요.',
  'schedule.plan.summary': '{when}에 {command}',
  'schedule.plan.summaryEvery': '{every}마다 {command}, 처음은 {when}',
  'schedule.plan.when': '{when}에 실행합니다: 실습 환경의 잠금은 기다리는 동안이 아니라 실행할 때 잡습니다.',
  'schedule.plan.whenEvery': '{when}부터 {every}마다 실행합니다: 실습 환경의 잠금은 실행할 때마다 잡습니다.',
  'schedule.plan.replanned':
    '실행할 때 그때의 실습 환경으로 계획을 다시 세웁니다: 이 카드가 보여 준 것보다 더 많이 지우게 되거나, 승인자가 실습 환경의 정책상 더는 승인자가 아니면 실행하지 않고 새 카드로 다시 묻습니다.',
  'schedule.plan.readsOnly':
    '실행할 때마다 실습 환경을 읽고 지난 실행 이후 바뀐 것만 게시합니다. 바뀐 것이 없으면 아무것도 게시하지 않습니다.',
  'schedule.plan.blockerNow': '지금: {blocker}',
  'schedule.step.arm': '{when}에 {command} 예약',
  'schedule.step.armEvery': '{every}마다 {command} 예약, 처음은 {when}',
  'schedule.step.armed': '{id}(으)로 예약했습니다: {when}에 실행합니다.',
  'schedule.step.passed':
    '카드가 승인되기 전에 {when}이(가) 지났고, {minutes, plural, other {#}}분 넘게 지났습니다: 아무것도 예약하지 않았습니다.',
  'schedule.step.passedHint': '더 늦은 시각으로 다시 예약하세요.',
  'schedule.step.idTaken': '{lab}의 다른 예약이 이미 {id}입니다: 아무것도 예약하지 않았습니다.',
  'schedule.step.idTakenHint': '다시 요청하세요: 새 카드는 새 예약 ID를 받습니다.',
  'schedule.across.summary':
    '실습 환경 {count, plural, other {#}}곳에서 각 실습 환경 시간대로 {at}에 {command}',
  'schedule.across.summaryEvery':
    '실습 환경 {count, plural, other {#}}곳에서 각 실습 환경 시간대로 {every}마다 {command}, 처음은 {at}',
  'schedule.across.lab': '{lab}: {summary}, {when}',
  'schedule.across.labOut': '{lab}은(는) 빠집니다: {reason}',
  'schedule.across.step': '{labs}에서 {command} 예약',
  'schedule.across.parts':
    '실습 환경마다 따로 실행합니다: 계획을 다시 세우고, 이 카드가 보여 준 것과 그 실습 환경의 정책에 비추어 확인한 뒤, 따로 실행하거나 다시 묻습니다.',
  'schedule.step.armedAcross':
    '{id}(으)로 실습 환경 {count, plural, other {#}}곳에 예약했습니다: 첫 실행은 {when}.',
  'schedule.notice.running': '예약 {id}: {command}을(를) 지금 작업 {job}(으)로 실행합니다.',
  'schedule.notice.askAgain':
    '예약 {id}: {reasons} 때문에 {command}을(를) 실행하지 않았습니다. 새 카드로 다시 묻습니다.',
  'schedule.notice.lateSkipped':
    '예약 {id}: labops가 멈춰 있던 {when}에 {command}을(를) 실행할 차례였습니다. {minutes, plural, other {#}}분 늦은 것은 너무 늦어서 이번 실행은 건너뛰었습니다.',
  'schedule.notice.lateRuns':
    '예약 {id}: labops가 멈춰 있던 {when}에 {command}을(를) 실행할 차례였습니다. {minutes, plural, other {#}}분 늦게 지금 실행합니다.',
  'schedule.notice.next': '다음 실행: {when}.',
  'schedule.notice.notStarted': '예약 {id}: {command}을(를) 시작하지 못했습니다: {reason}',
  'schedule.notice.doctorFirst':
    '예약 {id}: /lab doctor의 첫 실행에서 {count, plural, =0 {문제를 찾지 못했습니다} other {문제 #개를 찾았습니다}}.',
  'schedule.notice.doctorChanged':
    '예약 {id}: /lab doctor가 {since} 이후 바뀐 것을 찾았습니다: 새 문제 {added, plural, other {#}}개, 사라진 문제 {gone, plural, other {#}}개.',
  'schedule.notice.added': '새 문제: {finding}',
  'schedule.notice.gone': '사라짐: {finding}',
  'schedule.notice.cancelled': '{by}이(가) 예약 {id}({command})을(를) 취소했습니다.',
  'schedule.reason.newStep': '계획에 카드가 보여 주지 않은 파괴적 단계({step})가 생겼기',
  'schedule.reason.moreLocks': '계획이 승인되지 않은 {target}을(를) 잠그게 되었기',
  'schedule.reason.risk': '위험도가 {risk}(으)로 올랐기',
  'schedule.reason.requesterGone': '{requester}이(가) 실습 환경의 정책상 더는 {command}을(를) 요청할 수 없기',
  'schedule.reason.approverGone': '{principal}이(가) 실습 환경의 정책상 더는 {command}의 승인자가 아니기',
  'schedule.reason.tooFew':
    '실습 환경의 정책상 승인 {required, plural, other {#}}개가 필요한데 유효한 승인은 {count, plural, other {#}}개뿐이기',
  'schedule.list.heading': '예약됨',
  'schedule.list.line': '{id} {command} — {when} · {approved}',
  'schedule.list.lineEvery': '{id} {command} — {every}마다, 다음 {when} · {approved}',
  'schedule.list.approvedBy': '승인: {who}',
  'schedule.list.confirmedBy': '확인: {who}',
  'schedule.cancel.done': '예약 {id}을(를) 취소했습니다: {command}은(는) 다시 실행되지 않습니다.',
  'schedule.cancel.running': '예약 {id}({command})은(는) 지금 실행 중이라 더 이상 취소할 수 없습니다.',
  'schedule.cancel.runningHint':
    '작업이 대기열에 들어가면 /lab jobs에 나오며, 그 작업 ID로 /lab cancel을 실행하면 멈춥니다.',
  'schedule.cancel.forbidden':
    '{by}은(는) 예약 {id}을(를) 취소할 수 없습니다: 요청자({requester})나 {command}의 승인자만 취소할 수 있습니다.',
};
