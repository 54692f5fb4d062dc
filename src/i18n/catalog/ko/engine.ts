import type { engine as en } from '../en/engine.js';
import type { Translation } from '../translation.js';

export const engine: Translation<typeof en> = {
  'engine.fault.credentials': '엔진이 자격 증명을 거부했습니다 ({request}: 401).',
  'engine.fault.credentialsHint':
    'lab.yml의 엔진 사용자와 비밀번호 변수를 확인하세요. 계정이 잠겼거나 만료되었을 수 있습니다.',
  'engine.fault.notFoundSaid': '엔진 응답: {detail}',
  'engine.fault.notFound': '엔진에 해당 객체가 없습니다 ({request}: 404).',
  'engine.fault.serverErrorSaid': '엔진이 {request} 요청에서 실패했습니다 (상태 {status}): {detail}',
  'engine.fault.serverError': '엔진이 {request} 요청에서 실패했습니다 (상태 {status}).',
  'engine.fault.serverErrorHint': '엔진이 시작 중이거나 과부하 상태일 수 있습니다. 1분 후에 다시 시도하세요.',
  'engine.fault.refusedSaid': '엔진이 {request} 요청을 거부했습니다: {detail}',
  'engine.fault.refused': '엔진이 {request} 요청을 거부했습니다 (상태 {status}).',
  'engine.fault.pageSaid':
    '엔진이 {request} 요청에 상태 {status}({said})로 응답했고, API의 JSON이 아니라 {kind, select, html {HTML 페이지} typed {{type} 응답} other {JSON이 아닌 응답}}였습니다.',
  'engine.fault.notJsonFailing':
    '엔진이 {request} 요청에 상태 {status}로 응답했고, API의 JSON이 아니라 {kind, select, html {HTML 페이지} typed {{type} 응답} other {JSON이 아닌 응답}}였습니다.',
  'engine.fault.notJsonFailingHint':
    '엔진 또는 그 앞의 프록시가 실패했거나 시작 중이거나 과부하 상태입니다. 엔진 머신에서 systemctl status ovirt-engine을 확인한 뒤 1분 후에 다시 시도하세요.',
  'engine.fault.pageTitled':
    '엔진이 {request} 요청에 {kind, select, html {HTML 페이지} typed {JSON이 아닌 응답({type})} other {JSON이 아닌 응답(content type 없음)}}로 응답했습니다 (제목 "{title}", 상태 {status}).',
  'engine.fault.notJson':
    '엔진이 {request} 요청에 {kind, select, html {HTML 페이지} typed {JSON이 아닌 응답({type})} other {JSON이 아닌 응답(content type 없음)}}로 응답했습니다 (상태 {status}).',
  'engine.fault.proxyAnsweredHint':
    '엔진 대신 그 앞의 프록시가 응답했습니다. ovirt-engine이 실행 중인지(systemctl status ovirt-engine), 엔진 URL이 포털 페이지가 아니라 호스트 주소에서 끝나는지 확인하세요.',
  'engine.fault.notEngineHint': '엔진 URL이 oVirt 엔진을 가리키는지, 엔진이 정상인지 확인하세요.',
  'engine.network.untrusted': '{origin}의 엔진이 labops가 신뢰하지 않는 인증서를 제시했습니다.',
  'engine.network.untrustedHint':
    'engine.ca_file이 엔진 CA(pki-resource?resource=ca-certificate&format=X509-PEM-CA)를 가리키게 하세요. 엔진을 다시 설치했다면 CA가 바뀌었습니다.',
  'engine.network.dropped': '{request} 요청 중에 엔진과의 연결이 끊겼습니다.',
  'engine.network.droppedHint':
    '엔진 또는 프록시가 연결을 닫았습니다. ovirt-engine이 실행 중인지 확인하세요.',
  'engine.network.notResolved':
    '{origin}의 엔진에 연결할 수 없습니다: 이름을 해석할 수 없습니다 (ENOTFOUND).',
  'engine.network.notResolvedHint':
    'lab.yml의 engine.url에 적힌 호스트 이름과, 이 머신이 그 이름을 해석하는지(DNS 또는 /etc/hosts) 확인하세요.',
  'engine.network.unreachable': '{origin}의 엔진에 연결할 수 없습니다 ({code}).',
  'engine.network.unreachableHint': 'lab.yml의 engine.url과 엔진 머신이 켜져 있는지 확인하세요.',
  'engine.network.failed': '엔진에 보낸 {request} 요청이 실패했습니다: {message}',
  'engine.transport.noCa': '엔진 클라이언트에 엔진 CA 인증서가 필요합니다.',
  'engine.transport.noCaHint':
    'lab.yml에 engine.ca_file을 설정하세요(엔진이 /ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA 에 게시합니다). 버려도 되는 실습 환경이라면 engine.insecure: true로 둘 수 있습니다.',
  'engine.transport.actionFailed': '엔진이 {request} 요청을 거부했습니다: 작업이 실패했습니다',
  'engine.transport.closedBeforeAnswer': '엔진이 응답하기 전에 엔진 클라이언트가 닫혔습니다.',
  'engine.transport.closedBeforeAnswerHint': 'labops가 종료되는 중이었습니다. 명령을 다시 실행하세요.',
  'engine.transport.unreadableJson': '엔진이 {request} 요청에 labops가 읽을 수 없는 JSON으로 응답했습니다.',
  'engine.transport.unreadableJsonHint':
    '지원하지 않는 엔진 버전이거나(labops는 API v4를 사용합니다) 프록시가 응답을 바꿨을 수 있습니다.',
  'engine.transport.noVersion': '엔진이 실행 중인 버전을 알려 주지 않았습니다.',
  'engine.transport.noVersionHint':
    'GET /ovirt-engine/api 응답에 product_info.version이 없습니다. engine.url이 oVirt 엔진을 가리키는지 확인하세요.',
  'engine.transport.timeout': '엔진이 {request} 요청에 {seconds}초 안에 응답하지 않았습니다.',
  'engine.transport.timeoutHint':
    '엔진이 과부하 상태일 수 있습니다. 이 제한은 lab.yml의 engine.timeout_ms로 정합니다.',
  'engine.transport.usedAfterClose': '닫힌 엔진 클라이언트가 사용되었습니다.',
  'engine.transport.notUrl': '엔진 URL "{url}"은(는) URL이 아닙니다.',
  'engine.transport.notUrlHint': 'https://ENGINE-HOST 형식으로 쓰세요 (예: https://ovirt.abc.local).',
  'engine.transport.notHttps': '엔진 URL은 {protocol}이 아니라 https를 사용해야 합니다.',
  'engine.transport.notHttpsHint': '엔진은 API를 HTTPS로만 제공합니다: https://ENGINE-HOST.',
  'engine.sso.refused': '엔진이 {user}의 로그인을 거부했습니다: {reason}',
  'engine.sso.refusedHint':
    'lab.yml의 engine.user와, engine.password_env가 가리키는 변수의 비밀번호를 확인하세요.',
  'engine.sso.noToken': '엔진 SSO가 액세스 토큰 없이 응답했습니다.',
  'engine.answer.notEngineHint': '엔진 URL이 oVirt 엔진을 가리키는지 확인하세요.',
  'engine.pki.status': 'CA 인증서 요청에 대한 엔진의 응답 상태가 {status}입니다.',
  'engine.pki.statusHint':
    '엔진 URL을 확인하세요. CA는 /ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA 에 있습니다.',
  'engine.pki.notPem': '엔진이 PEM 인증서로 응답하지 않았습니다.',
  'engine.pki.notPemHint': 'URL이 oVirt 엔진을 가리키는지 확인하세요.',
  'engine.pki.notCa': '엔진이 게시한 인증서가 CA 인증서가 아닙니다.',
  'engine.pki.fetchFailed': '{origin}에서 엔진 CA를 가져올 수 없습니다: {message}',
  'engine.pki.fetchFailedHint': 'lab.yml의 engine.url과 엔진 머신에 연결할 수 있는지 확인하세요.',
  'engine.pki.noSshKey': '엔진이 pki-resource에 SSH 공개 키를 게시하지 않았습니다.',
  'engine.pki.noSshKeyHint':
    '엔진 URL을 확인하세요. 키는 /ovirt-engine/services/pki-resource?resource=engine-certificate&format=OPENSSH-PUBKEY 에 있습니다.',
  'engine.answer.addWithout':
    '{kind, select, disk {엔진이 디스크 추가에 응답했지만 디스크 정보가 없습니다.} host {엔진이 호스트 추가에 응답했지만 호스트 정보가 없습니다.} domain {엔진이 도메인 추가에 응답했지만 도메인 정보가 없습니다.} other {엔진이 이미지 전송 요청에 응답했지만 전송 정보가 없습니다.}}',
  'engine.answer.emptyBody': '엔진이 {request} 요청에 빈 본문으로 응답했습니다.',
  'engine.answer.noneNamed':
    '엔진에 이름이 "{name}"인 {kind, select, host {호스트가} dataCenter {데이터 센터가} storageDomain {스토리지 도메인이} other {VM이}} 없습니다.',
  'engine.vm.noCdDrive': 'VM {vm}에 CD 드라이브가 없습니다.',
  'engine.vm.noCdDriveHint': '관리 포털에서 추가하세요 (VM 편집 → 부트 옵션 → CD 연결).',
  'engine.version.badRequest': 'labops가 엔진이 거부할 요청을 만들었습니다: {problem}',
  'engine.wait.nothingYet': '아직 없음',
  'engine.wait.stateThenBlip': '{state}, 이후 {blip}',
  'engine.wait.stillWaiting': '엔진 연결 불가 ({blip}). 계속 기다립니다',
  'engine.wait.stopped': '{what}를 기다리던 중 중단했습니다: {reason}',
  'engine.wait.stoppedByEvents': '{what}를 기다리던 중 중단했습니다. 엔진이 보고한 이벤트: {events}',
  'engine.wait.lastSeen': '마지막 상태: {seen}.',
  'engine.wait.timedOut': '{what}를 {seconds}초 동안 기다렸지만 시간이 초과되었습니다 (마지막 상태: {seen}).',
  'engine.wait.timedOutHint':
    '엔진이 아직 작업을 끝낼 수도 있습니다. 엔진 이벤트를 확인한 뒤 명령을 다시 실행하세요.',
  'engine.wait.timedOutBlipHint':
    '마지막에는 엔진이 응답하지 않았습니다. ovirt-engine이 실행 중인지 확인하고, 엔진 이벤트를 본 뒤 명령을 다시 실행하세요.',
  'engine.wait.eventsAndMore': '{events} 외 {more}개 (엔진 이벤트 참고)',
  'engine.wait.blipStatus': '엔진 응답 {status}',
  'engine.wait.blipTimeout': '엔진이 요청 제한 시간 안에 응답하지 않음',
  'engine.wait.blipUnreachable': '엔진에 연결할 수 없음 ({reason})',
  'engine.wait.hostStatus': '{host} 호스트가 {states} 상태가 되기',
  'engine.wait.hostIs': '{host} 호스트가 {status} 상태입니다',
  'engine.wait.seen': '{object}: {state}',
  'engine.wait.hostMigrating': '{status}, VM {count}개 마이그레이션 중',
  'engine.wait.vmStatus': '{vm} VM이 {states} 상태가 되기',
  'engine.wait.vmStartFailed':
    '{vm} VM이 {left} 이후 down으로 돌아가 {polls}번 연속 down이었습니다: 시작에 실패했습니다',
  'engine.wait.vmIs': '{vm} VM이 {status} 상태입니다',
  'engine.wait.vmPaused':
    '{vm} VM이 paused 상태입니다 (시작 중에 스토리지 오류가 나면 엔진이 VM을 일시 정지합니다)',
  'engine.wait.domainStatus': '{domain} 스토리지 도메인이 {states} 상태가 되기',
  'engine.wait.domainNotAttached': '도메인이 데이터 센터에 연결되어 있지 않습니다',
  'engine.wait.statusUnknown': '상태를 알 수 없습니다',
  'engine.wait.notAttached': '연결되지 않음',
  'engine.wait.attached': '연결됨',
  'engine.wait.domainCreated': '{domain} 스토리지 도메인이 생성되기',
  'engine.wait.transferReady': '{transfer} 이미지 전송이 준비되기',
  'engine.wait.transferRemoved': '엔진이 이미지 전송과 그 디스크를 제거했습니다',
  'engine.wait.transferIs': '이미지 전송이 {phase} 상태입니다',
  'engine.wait.removed': '제거됨',
  'engine.wait.noStatus': '상태 없음',
  'engine.wait.transferFinish': '{transfer} 이미지 전송이 끝나기',
  'engine.wait.transferGone': '전송 없음',
  'engine.wait.transferAndDisk': '{transfer}, 디스크 {disk}',
  'engine.wait.dataCenterUp': '데이터 센터가 up 상태가 되기',
  'engine.wait.diskStatus': '{disk} 디스크가 {states} 상태가 되기',
  'engine.wait.diskRemovedNow': '디스크가 제거되었습니다',
  'engine.wait.diskIllegal': '디스크가 illegal 상태입니다',
  'engine.wait.diskToBeRemoved': '{disk} 디스크가 제거되기',
  'engine.wait.diskToLeaveLocked': '{disk} 디스크가 locked 상태에서 벗어나기',
  'engine.transfer.diskGone': '이미지 전송은 끝났지만 디스크가 없습니다',
  'engine.transfer.dropped': '엔진이 이미지 전송을 없앴습니다',
  'engine.transfer.pausedSystem': '엔진이 이미지 전송을 일시 중지했습니다 (paused_system)',
  'engine.transfer.reports': '엔진이 {phase} 상태를 보고했습니다',
  'engine.wait.diskMarked': '{name} 디스크에 완료 표시가 나타나기',
  'engine.version.older':
    '엔진이 oVirt {version}을(를) 실행 중이며, labops가 아는 버전(4.3, 4.4)보다 오래되었습니다. 요청은 4.3 기준으로 만들어지므로 일부는 실패할 수 있습니다. 엔진을 4.3.11 이상으로 업그레이드하세요.',
  'engine.version.newer':
    '엔진이 oVirt {version}을(를) 실행 중이며, labops가 아는 버전(4.3, 4.4)보다 새롭습니다. 요청은 {engine}(API 모델 {model}) 기준으로 만들어집니다. 엔진이 요청을 거부하면 작업 보고서에 그 응답이 나오니 labops 관리자에게 알려 주세요.',
  'engine.diskMark.changed': '완료로 표시되었지만 현재 {status} 상태이고 크기는 {size}바이트입니다',
  'engine.diskMark.unknownStatus': '상태 불명',
  'engine.diskMark.neverCompleted': '업로드가 끝나지 않았습니다',
  'engine.diskMark.unknownJob': 'labops가 모르는 작업 {job}이(가) 완료로 표시하지 않았습니다',
  'engine.diskMark.changedSinceJob': '작업 {job}은(는) 성공했지만 그 뒤 디스크가 바뀌었습니다',
  'engine.diskMark.jobEnded': '작업 {job}이(가) {status} 상태로 끝났습니다',
  'engine.upload.noUrl': '이미지 전송 {transfer}에 업로드할 URL이 없습니다 (단계 {phase}).',
  'engine.upload.sourceTooLong': '원본이 알린 크기 {size}바이트보다 많이 보냈습니다.',
  'engine.upload.sourceShort':
    '원본이 {size}바이트 중 {sent}바이트만 보내고 끝났습니다. 업로드가 완료되지 않았습니다.',
  'engine.upload.noOutcome': '업로드가 결과 없이 끝났습니다.',
  'engine.upload.ticketRefused': '{host}의 imageio가 티켓을 거부했습니다: {detail}',
  'engine.upload.ticketRefusedHint': '이미지 전송이 만료되었거나 취소되었습니다. 업로드를 다시 시작하세요.',
  'engine.upload.pastDiskSize': '{host}의 imageio가 디스크 크기를 넘는 쓰기를 거부했습니다: {detail}',
  'engine.upload.pastDiskSizeHint':
    '디스크가 이미지보다 작게 만들어졌습니다. 업로드 중에 파일 크기가 바뀌지 않았는지 확인하세요.',
  'engine.upload.imageioStatus': '{host}의 imageio 응답 상태 {status}: {detail}',
  'engine.upload.failed': '{name} 업로드에 실패했습니다: {reason}.',
  'engine.upload.failedHint':
    '원인은 엔진 이벤트(관리 포털 → 이벤트)에 있습니다. 스토리지 도메인이 active이고 이미지를 담을 공간이 있는지 확인한 뒤 /iso upload를 다시 실행하세요.',
  'engine.upload.diskMismatch':
    '업로드한 디스크 {name}은(는) {status} 상태이고 크기는 {size}바이트입니다. 보낸 크기는 {sent}바이트입니다.',
  'engine.upload.diskMismatchHint':
    '/iso upload를 다시 실행하세요. 같은 방식으로 실패하면 그 디스크에 대한 엔진 이벤트를 읽어 보세요.',
  'engine.upload.diskGone': '업로드한 디스크 {name}이(가) 사라졌습니다.',
  'engine.upload.stayedLocked': '기다리는 시간이 지나도록 locked 상태였습니다',
  'engine.upload.removalRefused': '엔진이 제거를 거부했습니다: {reason}',
  'engine.upload.stillThere': '제거한 뒤에도 남아 있었습니다',
  'engine.upload.engineRemovedDisk': '엔진이 디스크 {name}을(를) 제거했습니다.',
  'engine.upload.labopsRemovedDisk': 'labops가 디스크 {name}을(를) 제거했습니다.',
  'engine.upload.diskLeft': '디스크 {name}(id {disk}, {status})이(가) 남아 있습니다: {reason}.',
  'engine.upload.failureThen': '{failure} {cleanup}',
  'engine.upload.removeOnceUnlockedHint': '엔진이 잠금을 풀면 {command}로 제거한 뒤 다시 업로드하세요.',
  'engine.upload.removeHint': '{command}로 제거한 뒤 다시 업로드하세요.',
  'engine.upload.removeAction': '{name} 제거',
};
