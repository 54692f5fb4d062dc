import type { jobs as en } from '../en/jobs.js';
import type { Translation } from '../translation.js';

export const jobs: Translation<typeof en> = {
  'jobs.join.items': '{first}; {rest}',
  'jobs.join.sentences': '{first} {rest}',
  'jobs.status.awaitingApproval': '승인 대기',
  'jobs.status.queued': '대기 중',
  'jobs.status.running': '실행 중',
  'jobs.status.succeeded': '성공',
  'jobs.status.failed': '실패',
  'jobs.status.cancelled': '취소됨',
  'jobs.status.interrupted': '중단됨',
  'jobs.status.denied': '거부됨',
  'jobs.status.expired': '만료됨',
  'jobs.status.void': '무효',
  'jobs.end.stepFailed': '{n}단계({title})가 실패했습니다: {error}',
  'jobs.end.stepUnknown': '{n}단계({title})의 결과를 알 수 없습니다: {error}',
  'jobs.end.stoppedBefore': '{n}단계({title}) 전에 멈췄습니다.',
  'jobs.end.alreadyChanged': '이미 변경한 단계: {steps}.',
  'jobs.end.quotedStep': '"{title}"',
  'jobs.end.startUnrecorded': 'labops가 작업 시작을 기록하지 못해 작업을 실행하지 않았습니다: {reason}',
  'jobs.end.storeStopped': '진행 상황을 기록할 수 없어 labops가 작업을 멈췄습니다: {reason}',
  'jobs.step.timeout': '단계가 {seconds}초 안에 끝나지 않았습니다.',
  'jobs.cancel.by': '{by}이(가) 취소했습니다.',
  'jobs.cancel.shutdown': 'labops가 종료되면서 취소했습니다.',
  'jobs.error.noJob': '작업 {job}이(가) 없습니다.',
  'jobs.error.noJobHint': '{command}에서 작업 목록을 볼 수 있습니다.',
  'jobs.error.interrupted': '이 작업이 실행되는 동안 labops가 멈췄습니다. 작업을 다시 이어 하지 않았습니다.',
  'jobs.error.stranded':
    '실행 중으로 기록되어 있지만 실행하는 곳이 없는 작업입니다(끝을 기록하지 못했습니다). 중단됨으로 표시하고 잠금을 풀었습니다. 마지막 단계가 대상을 바꿨을 수 있으니 대상을 확인하십시오.',
  'jobs.error.unknownStep': '이 단계가 실행되는 동안 labops가 멈췄습니다. 결과를 알 수 없습니다.',
  'jobs.bug.noStep': '"{kind}" 단계의 구현이 없습니다.',
  'jobs.report.nothingChanged': '바뀐 것은 없습니다.',
  'jobs.report.changed': '바뀜: {items}.',
  'jobs.report.unknown': '알 수 없음: {items}.',
  'jobs.report.sentButSame': '변경 요청을 보냈지만 모든 대상이 이전과 같습니다.',
  'jobs.report.unchanged': '그대로: {items}.',
  'jobs.report.more': '그 밖에 {count}개',
  'jobs.report.targetChange': '{target} {from} → {to}',
  'jobs.report.targetNote': '{target}({note})',
  'jobs.note.changed': '바뀜',
  'jobs.note.notReadable': '읽을 수 없음',
  'jobs.note.sentUnreadable': '변경 요청을 보냈고 엔진을 읽을 수 없었습니다: {reason}',
  'jobs.note.nothingSent': '보낸 요청 없음',
  'jobs.note.unreadBefore': '작업 전에 읽지 못했습니다: {reason}',
  'jobs.note.noRecord': '기록 없음',
  'jobs.note.machineUncertain': '명령을 보냈지만 결과를 알 수 없습니다({commands})',
  'jobs.note.machineUncertainAfter':
    '명령을 보냈지만 결과를 알 수 없습니다({commands}). 그 전에 바뀜: {changed}',
  'jobs.note.noCommand': '바꾼 명령 없음',
  'jobs.note.stepError': '{title}: {error}',
  'jobs.target.lab': '실습 환경 전체',
  'jobs.target.host': '호스트 {name}',
  'jobs.target.vm': 'VM {name}',
  'jobs.target.cd': 'VM {vm}의 CD',
  'jobs.target.cdNow': 'VM {vm}의 CD(현재)',
  'jobs.target.domain': '스토리지 도메인 {name}',
  'jobs.target.disk': '{domain}의 디스크 {name}',
  'jobs.target.machine': '머신 {name}',
  'jobs.target.export': 'export 디렉터리 {name}',
  'jobs.state.absent': '없음',
  'jobs.state.empty': '비어 있음',
  'jobs.state.unattached': '연결 안 됨',
  'jobs.state.unknown': '알 수 없음',
  'jobs.state.master': '{status}, 마스터',
  'jobs.state.on': '{host}에서 {status}',
  'jobs.recovery.reread': '다시 시작한 뒤 다시 읽음: {targets}',
  'jobs.recovery.stoppedWhileRunning': '실행 중에 labops가 멈춤',
  'jobs.download.failed': '{machine}에서 다운로드가 실패했습니다: {reason}. 받다 만 파일은 지웠습니다.',
  'jobs.download.failedHint':
    'URL을 확인하거나, {command}를 다시 실행해 소스가 지금 제공하는 내용으로 계획을 세우십시오.',
  'jobs.preflight.failed': '변경하기 전에 사전 점검이 실패했습니다',
  'jobs.preflight.passed': '읽기 전용 점검 {count, plural, other {{count}개}}를 통과했습니다',
  'jobs.cancel.forbidden':
    '{by}은(는) {job}을(를) 취소할 수 없습니다. 요청한 {requester} 또는 승인자만 취소할 수 있습니다.',
  'jobs.cancel.cancelling':
    '{job}을(를) 취소하는 중입니다. 지금 단계를 멈추고 있으며 다음 단계는 실행되지 않습니다.',
  'jobs.cancel.cancellingUnrecorded':
    '{job}을(를) 취소하는 중입니다. 다음 단계는 실행되지 않습니다. 작업의 끝과 잠금 해제는 labops가 상태 저장소에 다시 쓸 수 있을 때 기록됩니다: {reason}',
  'jobs.cancel.stranded':
    '{job}은(는) 실행 중으로 기록되어 있지만 실행하는 곳이 없습니다. 중단됨으로 표시하고 잠금을 풀었습니다. 마지막 단계가 대상을 바꿨을 수 있으니 대상을 확인하십시오.',
  'jobs.cancel.waiting': '{job}은(는) 대기 중이었습니다. 취소되어 실행되지 않습니다.',
  'jobs.cancel.cardVoid': '{by}이(가) 취소함',
  'jobs.cancel.nothing': '{job}은(는) {status} 상태입니다. 취소할 것이 없습니다.',
  'jobs.cancel.gone': '{job}은(는) 없어졌습니다. 취소할 것이 없습니다.',
  'jobs.store.jobExists': '작업 {job}이(가) 이미 있습니다.',
  'jobs.store.approvalExists': '승인 {id}이(가) 이미 있습니다.',
  'jobs.store.jobVanished': '작업 {job}이(가) 상태 저장소에서 사라졌습니다.',
  'jobs.store.approvalVanished': '승인 {id}이(가) 상태 저장소에서 사라졌습니다.',
  'jobs.store.noJob': '작업 {job}이(가) 없습니다.',
  'jobs.store.noStep': '작업 {job}에 {index}번 단계가 없습니다.',
  'jobs.store.noApproval': '승인 {id}이(가) 없습니다.',
  'jobs.store.badFingerprint': '{fingerprint}은(는) SSH 키 지문(SHA256:…)이 아닙니다.',
  'jobs.store.notSqlite': 'SQLite 저장소가 아닙니다.',
  'jobs.store.noWal': '상태 저장소 {path}에서 WAL 모드를 쓸 수 없습니다(SQLite가 답한 저널 모드: "{mode}").',
  'jobs.store.noWalHint':
    '데이터 디렉터리를 로컬 파일 시스템(NFS나 SMB가 아닌 곳)에 두고 LABOPS_DATA_DIR을 설정하십시오.',
  'jobs.store.memoryReadOnly': '메모리 저장소는 읽기 전용으로 열 수 없습니다.',
  'jobs.store.missing': '{path}에 상태 저장소가 없습니다.',
  'jobs.store.missingHint': '읽으려는 labops의 데이터 디렉터리를 LABOPS_DATA_DIR로 지정하십시오.',
  'jobs.store.oldSchema':
    '상태 저장소 {path}의 스키마 버전은 {version}이지만, 이 labops는 버전 {current}을(를) 읽습니다.',
  'jobs.store.oldSchemaHint':
    '이 데이터 디렉터리로 labops를 한 번 시작해 저장소를 업그레이드한 뒤 다시 읽으십시오.',
  'jobs.store.newerSchema':
    '상태 저장소 {path}의 스키마 버전은 {version}이지만, 이 labops는 버전 {latest}까지만 압니다. 더 새로운 labops가 쓴 저장소입니다.',
  'jobs.store.newerSchemaHint':
    '새 버전의 labops를 다시 실행하거나 LABOPS_DATA_DIR을 다른 디렉터리로 지정하십시오. labops는 저장소를 다운그레이드하지 않습니다.',
  'jobs.store.upgradeFailed':
    '상태 저장소 {path}을(를) 스키마 버전 {version}({name})으로 업그레이드하지 못했습니다: {reason}.',
  'jobs.store.upgradeFailedHint':
    '바뀐 것은 없습니다. 파일을 보관하고 스키마 버전과 함께 알려 주십시오. 백업 사본이 있으면 다시 시도할 수 있습니다.',
  'jobs.store.dirCreate': '상태 저장소 디렉터리 {dir}을(를) 만들 수 없습니다: {reason}.',
  'jobs.store.dirCreateHint':
    '{dir}을(를) 쓰기 가능한 디렉터리로 만들거나, LABOPS_DATA_DIR을 그런 디렉터리로 지정하십시오.',
  'jobs.store.dirNotWritable': '상태 저장소 디렉터리 {dir}에 쓸 수 없습니다: {reason}.',
  'jobs.store.dirNotWritableHint':
    'labops를 실행하는 사용자에게 {dir} 쓰기 권한을 주거나, LABOPS_DATA_DIR을 쓰기 가능한 디렉터리로 지정하십시오.',
  'jobs.store.notFile': '상태 저장소 경로 {path}은(는) 일반 파일이 아닙니다.',
  'jobs.store.notFileHint':
    'LABOPS_DATA_DIR을 labops가 데이터베이스 파일을 둘 수 있는 디렉터리로 지정하십시오.',
  'jobs.store.fileAccess': '상태 저장소 파일 {path}을(를) 읽고 쓸 수 없습니다: {reason}.',
  'jobs.store.fileAccessHint':
    'labops를 실행하는 사용자에게 {path} 읽기·쓰기 권한을 주거나, LABOPS_DATA_DIR을 다른 디렉터리로 지정하십시오.',
  'jobs.store.notDatabase':
    '상태 저장소 파일 {path}은(는) SQLite 데이터베이스가 아닙니다(잘렸거나 다른 파일일 수 있습니다). labops는 파일을 건드리지 않았습니다.',
  'jobs.store.notDatabaseHint':
    '파일을 옮겨 두면({command}) labops가 그 자리에 빈 저장소를 만듭니다. 백업에서 복원하거나 LABOPS_DATA_DIR을 다른 디렉터리로 지정해도 됩니다.',
  'jobs.store.corrupt': '상태 저장소 파일 {path}이(가) 손상되었습니다. labops는 파일을 건드리지 않았습니다.',
  'jobs.store.corruptHint':
    '백업에서 복원하거나, 파일을 옮겨 두면({command}) labops가 빈 저장소로 시작합니다. {recover}로 내용을 살릴 수 있을지도 모릅니다.',
  'jobs.store.readOnly': '상태 저장소 {path}이(가) labops에게 읽기 전용입니다({reason}).',
  'jobs.store.readOnlyHint':
    'labops를 실행하는 사용자에게 {path}와 {dir}(SQLite가 -wal, -shm 파일을 두는 곳) 쓰기 권한을 주거나, LABOPS_DATA_DIR을 쓰기 가능한 디렉터리로 지정하십시오.',
  'jobs.store.locked': '다른 프로세스가 상태 저장소 {path}을(를) 잠그고 있습니다.',
  'jobs.store.lockedHint':
    '같은 데이터 디렉터리로 다른 labops가 실행 중입니까? 그것을 멈추거나 LABOPS_DATA_DIR을 다른 디렉터리로 지정하십시오.',
  'jobs.store.full': '상태 저장소 {path}에 쓸 수 없습니다: 디스크가 가득 찼습니다.',
  'jobs.store.fullHint': '{dir}이(가) 있는 파일 시스템의 공간을 확보하십시오.',
  'jobs.store.cannotOpen': '상태 저장소 {path}을(를) 열 수 없습니다: {reason}.',
  'jobs.store.cannotOpenHint':
    '{dir}이(가) 쓰기 가능한 로컬 디렉터리이고 {path}이(가) labops 데이터베이스인지 확인하거나, LABOPS_DATA_DIR을 다른 디렉터리로 지정하십시오.',
  'jobs.store.openedReadOnly':
    '상태 저장소 {path}은(는) 읽기 전용으로 열렸습니다. labops는 여기에 쓰지 않습니다.',
  'jobs.store.unwritable': 'labops가 상태 저장소 {path}에 쓸 수 없습니다: {reason}.',
  'jobs.store.unwritableHint':
    '{dir}(데이터 디렉터리)의 디스크 공간을 확보하거나 권한을 고치십시오. labops는 실행 중인 작업을 계속 기록하려 하고, 저장소에 쓸 수 있게 되면 새 요청을 받습니다.',
  'jobs.store.stayedLocked': '다른 프로세스가 상태 저장소 {path}을(를) 계속 잠그고 있었습니다.',
  'jobs.store.stayedLockedHint':
    '같은 데이터 디렉터리를 다른 labops가 쓰고 있습니까? 저장소 하나에는 labops 하나만 실행할 수 있습니다.',
  'jobs.store.refusedWrite': '상태 저장소가 쓰기를 거부했습니다: {reason}.',
  'jobs.lease.expired':
    '이 작업을 실행하던 labops 복제본이 임대를 갱신하지 않아(중지되었거나 데이터베이스 연결이 끊김) 다른 복제본이 중단됨으로 표시했습니다. 다시 시작하지 않았습니다.',
  'jobs.lease.lost':
    '{job}은(는) 더 이상 이 복제본({replica})이 실행하지 않습니다. 임대가 만료되어 중단됨으로 표시되었으며, 여기서는 더 이상 기록하지 않습니다.',
  'jobs.store.failed': '상태 저장소 {path}에서 오류가 났습니다: {reason}.',
  'jobs.store.failedHint': '데이터 디렉터리가 있는 디스크를 확인하십시오(공간, 권한, 시스템 로그의 오류).',
  'jobs.pg.badUrl': '상태 저장소 URL이 PostgreSQL URL(postgres://user@host/database)이 아닙니다: {reason}.',
  'jobs.pg.badUrlHint':
    'DATABASE_URL을 postgres://USER@HOST:PORT/DATABASE로 지정하십시오(비밀번호는 ~/.pgpass 또는 URL에).',
  'jobs.pg.cannotConnect': 'labops가 상태 저장소 {path}에 연결할 수 없습니다: {reason}.',
  'jobs.pg.cannotConnectHint':
    'PostgreSQL 서버가 실행 중이고 연결할 수 있는지, DATABASE_URL이 그 서버와 존재하는 데이터베이스, 로그인할 수 있는 사용자를 가리키는지 확인하십시오.',
  'jobs.pg.missingHint': '읽으려는 labops의 데이터베이스를 DATABASE_URL로 지정하십시오.',
  'jobs.pg.oldSchemaHint':
    '이 데이터베이스로 labops를 한 번 시작해 저장소를 업그레이드한 뒤 다시 읽으십시오.',
  'jobs.pg.newerSchemaHint':
    '새 버전의 labops를 다시 실행하거나 DATABASE_URL을 다른 데이터베이스로 지정하십시오. labops는 저장소를 다운그레이드하지 않습니다.',
  'jobs.pg.upgradeFailedHint':
    '바뀐 것은 없습니다. 데이터베이스를 보관하고 스키마 버전과 함께 알려 주십시오. 백업(pg_dump)이 있으면 다시 시도할 수 있습니다.',
  'jobs.pg.unreachable': 'PostgreSQL 서버에 연결할 수 없습니다({code})',
  'jobs.pg.unwritableHint':
    '{path}의 PostgreSQL 서버가 실행 중이고 연결할 수 있으며 디스크 공간이 남아 있는지 확인하십시오. labops는 실행 중인 작업을 계속 기록하려고 시도하며, 저장소에 다시 쓸 수 있게 되면 새 요청을 받습니다.',
  'jobs.pg.busy': '상태 저장소 {path}이(가) 다른 트랜잭션 때문에 계속 바빴습니다.',
  'jobs.pg.busyHint':
    '다시 시도하십시오. 계속되면 서버에서 잠금을 오래 잡고 있는 트랜잭션을 찾아보십시오(pg_stat_activity).',
  'jobs.pg.failedHint': 'PostgreSQL 서버의 로그에서 이 오류를 확인하십시오.',
  'jobs.fs.notDirectory': '경로의 일부가 디렉터리가 아니라 파일입니다',
  'jobs.fs.exists': '이미 있으며 디렉터리가 아닙니다',
  'jobs.fs.permission': '권한이 없습니다',
  'jobs.fs.readOnly': '파일 시스템이 읽기 전용입니다',
  'jobs.fs.full': '디스크가 가득 찼습니다',
  'jobs.fs.ioError': '디스크가 I/O 오류를 냈습니다({code})',
  'jobs.fs.becameReadOnly': '읽기 전용이 되었습니다({code})',
  'jobs.fs.cannotOpen': '파일을 열 수 없습니다({code})',
  'jobs.owner.pidUnwritable': 'labops가 {path}에 쓸 수 없습니다: {reason}.',
  'jobs.owner.pidUnwritableHint':
    'labops를 실행하는 사용자에게 {dir} 쓰기 권한을 주거나, LABOPS_DATA_DIR을 다른 디렉터리로 지정하십시오.',
  'jobs.owner.running': '이 데이터 디렉터리로 labops가 이미 실행 중입니다(pid {pid}): {dir}.',
  'jobs.owner.runningUnknown': '이 데이터 디렉터리로 labops가 이미 실행 중입니다(pid 알 수 없음): {dir}.',
  'jobs.owner.runningHint':
    '데이터 디렉터리 하나는 labops 하나만 씁니다. 다른 labops를 멈추거나({kill}) LABOPS_DATA_DIR을 다른 디렉터리로 지정하십시오. 실행 중에도 감사 기록은 읽을 수 있습니다: {export}.',
  'jobs.owner.runningUnknownHint':
    '데이터 디렉터리 하나는 labops 하나만 씁니다. 다른 labops를 멈추거나 LABOPS_DATA_DIR을 다른 디렉터리로 지정하십시오. 실행 중에도 감사 기록은 읽을 수 있습니다: {export}.',
  'jobs.owner.lockFile': 'labops가 {path}로 데이터 디렉터리를 잠글 수 없습니다: {reason}.',
  'jobs.owner.lockFileHint':
    '{path}은(는) labops 전용의 빈 잠금 파일입니다. 내용이 있으면 지우고, 데이터 디렉터리는 로컬 파일 시스템(NFS나 SMB가 아닌 곳)에 두십시오.',
  'jobs.across.noPort': '이 단계는 여러 실습 환경을 맡은 봇에서만 실행됩니다.',
  'jobs.across.noneRan': '어느 실습 환경도 실행되지 않았습니다. 변경된 것은 없습니다.',
  'jobs.across.labFailed': '{lab}: {error}',
  'jobs.across.labCancelled': '{lab}: 취소됨.',
  'jobs.across.labLeftOut': '{lab}: {reason}',
  'jobs.across.labNotStarted': '{lab}: 시작하지 않음.',
  'jobs.across.labsDone': '완료: {labs}.',
  'jobs.across.cancelled': '실습 환경 {count, plural, other {#}}개에 걸친 작업이 취소되었습니다.',
  'jobs.across.failedCount': '실습 환경 {count, plural, other {#}}개 중 {failed}개가 실패했습니다.',
  'jobs.across.status.pending': '대기',
  'jobs.across.status.running': '실행 중',
  'jobs.across.status.ok': '변경 없음',
  'jobs.across.status.changed': '변경됨',
  'jobs.across.status.failed': '실패',
  'jobs.across.status.unknown': '결과 알 수 없음',
  'jobs.across.status.cancelled': '취소됨',
  'jobs.across.status.skipped': '제외됨',
  'jobs.across.row': '{lab} · {status}',
  'jobs.across.rowDetail': '{lab} · {status} — {detail}',
  'jobs.across.rowTook': '{lab} · {status} · {took}',
  'jobs.across.rowTookDetail': '{lab} · {status} · {took} — {detail}',
  'jobs.across.summaryHeading': '요약, 실습 환경 {count, plural, other {#}}개:',
  'jobs.across.noneClaimed': '실행할 실습 환경이 남지 않았습니다: {labs}.',
  'jobs.across.claimed': '실습 환경 {count, plural, other {#}}개 중 {claimed}개를 잠그고 준비했습니다.',
  'jobs.across.replanFailed': '다시 계획할 수 없습니다: {reason}',
  'jobs.across.noClaim': '{lab}은(는) 이 작업의 첫 단계에서 잡히지 않았습니다.',
  'jobs.across.leftOut': '제외됨: 카드 이후 계획이 바뀌었습니다({changes}). {again}(으)로 다시 요청하세요.',
  'jobs.across.progress': '{lab}: {n}/{count}단계, {title}',
  'jobs.across.progressDone': '{lab}: {count}단계 중 {n}단계 완료',
  'jobs.across.stepDone': '{lab} [{n}/{count}] {status} {title}',
  'jobs.across.partDone': '{job}: {count, plural, other {#}}단계, {changed}단계 변경.',
  'jobs.across.partEnded': '{job} {status}: {error}',
  'jobs.across.notRun': '실행하지 않음: 이 실습 환경 차례 전에 작업 {job}이(가) 끝났습니다.',
  'jobs.across.claimLocked':
    '{lab}: 계획 그대로, 잠금 완료. {job}(으)로 실행합니다({count, plural, other {#}}단계).',
  'jobs.across.claimChanged': '{lab}: 카드 이후 바뀌어({changes}) 제외합니다.',
  'jobs.across.claimRefused': '{lab}: {reason}',
  'jobs.recovery.acrossPart': '{lab}의 {job}',
  'jobs.recovery.across': '각 실습 환경의 작업은 그 실습 환경에서 다시 읽습니다: {jobs}.',
  'jobs.migrate.missingTo': '상태를 옮길 PostgreSQL 데이터베이스를 지정하십시오: {usage}.',
  'jobs.migrate.unknownArg': 'labops migrate는 {arg}을(를) 받지 않습니다: {usage}.',
  'jobs.migrate.usageHint':
    '데이터베이스는 이미 있고 비어 있어야 합니다({createdb}). SQLite 저장소는 LABOPS_DATA_DIR(기본값 ./data)에서 읽습니다.',
  'jobs.migrate.noStore': '{path}에 옮길 SQLite 저장소가 없습니다.',
  'jobs.migrate.noStoreHint':
    'LABOPS_DATA_DIR을 봇이 쓰던 데이터 디렉터리로 지정하십시오(기본값 ./data, systemd에서는 /var/lib/labops).',
  'jobs.migrate.unfinished':
    '{dir}의 SQLite 저장소에 끝나지 않은 작업이 {count, plural, other {#}}개 있습니다: {jobs}.',
  'jobs.migrate.unfinishedJob': '{job}({status}, {command})',
  'jobs.migrate.unfinishedHint':
    '끝난 작업만 옮길 수 있습니다. 봇이 실행 중이면 작업이 끝나기를 기다린 뒤 봇을 멈추십시오. 실행 중인 봇이 없으면(작업 도중 멈춘 경우) 이 데이터 디렉터리로 labops를 한 번 시작했다가 멈추십시오. 그러면 그 작업들이 중단됨으로 표시됩니다. 그런 다음 다시 옮기십시오.',
  'jobs.migrate.liveReplica': '{url}에서 labops가 실행 중입니다: {replicas}.',
  'jobs.migrate.replicaLeads':
    '복제본 {replica}이(가) {duty}을(를) {seconds, plural, other {#}}초 더 맡고 있음',
  'jobs.migrate.replicaRuns':
    '복제본 {replica}이(가) {job}을(를) 실행 중(임대 {seconds, plural, other {#}}초 남음)',
  'jobs.migrate.liveReplicaHint':
    '저장소는 어떤 labops도 쓰지 않는 데이터베이스로만 옮길 수 있습니다. 그 데이터베이스의 복제본을 모두 멈추거나, 비어 있는 새 데이터베이스를 만들어({createdb}) 그곳으로 옮기십시오.',
  'jobs.migrate.notEmpty': '{url}이(가) 비어 있지 않습니다: {contents}.',
  'jobs.migrate.holdsSchema': 'labops 스키마(버전 {version})',
  'jobs.migrate.holdsRows': '{table}의 행 {count, plural, other {#}}개',
  'jobs.migrate.notEmptyHint':
    'labops는 두 저장소를 합치지 않습니다. 비어 있는 새 데이터베이스를 만들어({createdb}) --to에 그 이름을 지정하십시오. 이 데이터베이스의 내용이 전혀 필요 없을 때만 비우고({drop}) 다시 옮기십시오.',
  'jobs.migrate.failed': '{url}(으)로 아무것도 옮기지 않았습니다. 옮기던 내용은 되돌렸습니다: {reason}',
  'jobs.migrate.failedHint':
    '데이터베이스는 이전 그대로이고 SQLite 저장소도 바뀌지 않았습니다. 원인을 고친 뒤 같은 명령을 다시 실행하십시오.',
  'jobs.migrate.done':
    '작업 {jobs, plural, other {#}}개, 승인 {approvals, plural, other {#}}개(대기 중 {pending}개), 감사 이벤트 {audit, plural, other {#}}개, 고정된 호스트 키 {keys, plural, other {#}}개를 {dir}에서 {url}(으)로 복사했습니다.',
  'jobs.migrate.next':
    '다음: DATABASE_URL={url}(비밀번호가 있으면 함께)로 labops를 시작하십시오. {dir}은(는) 그대로 두었습니다. 백업으로 보관하고, 다시 그 디렉터리로 봇을 시작하지 마십시오.',
};
