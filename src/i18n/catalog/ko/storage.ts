import type { storage as en } from '../en/storage.js';
import type { Translation } from '../translation.js';

export const storage: Translation<typeof en> = {
  // FAQ 제목은 실습 가이드의 문구 그대로 (lab-guide.md).
  'storage.hint.activateHost': '먼저 {command}를 실행하십시오.',

  'storage.help.command': '스토리지: 도메인과 NFS 서버 — {subcommands}',
  'storage.help.status': '스토리지 도메인: 데이터 센터 안의 상태, 유형, 마스터 여부, 여유 공간, export 경로',
  'storage.help.prepare':
    'NFS 스토리지 서버 준비: export 디렉터리(36:36, setgid), /etc/exports, NFS 서비스, 방화벽',
  'storage.help.attach': 'export 디렉터리를 검사한 뒤 NFS 스토리지 도메인을 추가하고 데이터 센터에 연결',
  'storage.help.detach': '스토리지 도메인을 유지보수 모드로 전환하고 데이터 센터에서 분리',
  'storage.help.remove': '엔진에서 스토리지 도메인 제거 (--format이면 export 디렉터리의 파일도 지움)',
  'storage.help.clean': '이전 도메인의 파일이 남은 export 디렉터리 비우기 (실습 가이드 FAQ 1)',
  'storage.help.fixPermissions':
    'export 디렉터리 소유권을 vdsm에 돌려주고(36:36, setgid) 도메인 다시 활성화 (실습 가이드 FAQ 3)',
  'storage.arg.domain': '스토리지 도메인',
  'storage.arg.newDomain': '새 도메인 이름',
  'storage.arg.type': 'data 또는 iso',
  'storage.arg.path': 'NFS export 경로, SERVER:/EXPORT',
  'storage.arg.format': 'export 디렉터리에서 도메인 파일까지 지움 (지우지 않으면 남음: FAQ 1)',
  'storage.arg.export': 'export 디렉터리 (이름 또는 경로)',
  'storage.arg.oneExport': 'export 디렉터리 하나 (기본: 전체)',
  'storage.arg.domainForm': 'nfs-data 같은 스토리지 도메인 이름이어야 합니다',
  'storage.arg.pathForm': 'SERVER:/EXPORT 형식이어야 합니다(예: 192.168.122.10:/export/data)',
  'storage.arg.exportForm': 'data 또는 /export/data 같은 export 이름이나 경로여야 합니다',

  'storage.domain.notFound': '"{name}" 스토리지 도메인이 없습니다.',
  'storage.domain.notFoundHint':
    '도메인: {count, plural, =0 {없음} other {{domains}}}. /storage status에서 볼 수 있습니다.',
  'storage.export.notFound': '실습 환경에 "{ref}" export 디렉터리가 없습니다.',
  'storage.export.notFoundHint': 'export 디렉터리: {exports}.',

  'storage.status.title': '스토리지',
  'storage.status.state':
    '연결된 도메인 {attached}개 중 {active}개 active{loose, plural, =0 {} other {, 미연결 #개}}',
  'storage.status.dataCenter': '데이터 센터 {dataCenter}',
  'storage.status.unattached': '미연결',
  'storage.status.none': '없음',
  'storage.status.master': '{type} 마스터',
  'storage.status.domain': '{name}  {status}  {kind}  여유 {free}  {export}',
  'storage.status.domainNoSpace': '{name}  {status}  {kind}  {export}',
  'storage.status.domainNoExport': '{name}  {status}  {kind}  여유 {free}',
  'storage.status.domainBare': '{name}  {status}  {kind}',

  'storage.attach.exists': '엔진에 이미 {name} 스토리지 도메인이 있습니다.',
  'storage.attach.existsHint': '/storage status에서 목록을 보고 다른 이름을 고르십시오.',
  'storage.attach.exportTaken': '{path} 경로에는 이미 {domain} 도메인이 있습니다.',
  'storage.attach.exportTakenAttached': '그 도메인은 연결되어 있습니다({status}).',
  'storage.attach.exportTakenRemove': '먼저 제거하십시오: /storage remove {domain}',
  'storage.attach.noHostUp': 'export 디렉터리를 마운트할 up 상태의 호스트가 없습니다.',
  'storage.attach.notReady':
    '{path} 경로에 새 도메인을 만들 수 없습니다: 검사 {count, plural, other {#개}} 실패.',
  'storage.attach.notReadyHint': '아래 문제를 고친 뒤 같은 /storage attach를 다시 실행하십시오.',
  'storage.attach.checkFailed': '{check}: 실패',
  'storage.attach.checkFix': '  해결: {fix}',
  'storage.attach.checkGuide': '  실습 가이드: {faq}',

  'storage.attach.checkEmpty': '{path} 디렉터리가 비어 있음 (실습 가이드 FAQ 1)',
  'storage.attach.checkOwner': '{path} 소유권이 vdsm:kvm (36:36)임 (FAQ 3)',
  'storage.attach.checkMounted': '{path} 파일 시스템이 마운트되어 있음 (FAQ 0)',
  'storage.attach.checkExported': '{path} 디렉터리가 export되어 있음',
  'storage.attach.checkResolves': '{host} 호스트에서 {server} 이름이 해석됨 (FAQ 2)',
  'storage.attach.fixClean': '/storage clean {export} 명령으로 비웁니다 (이전 도메인의 파일).',
  'storage.attach.fixOwner': '{command} 명령으로 소유권을 vdsm에 돌려줍니다.',
  'storage.attach.fixMount':
    '디스크를 마운트하십시오(/etc/fstab에 줄을 넣고 mount -a). 빠진 것은 /lab doctor에서 볼 수 있습니다.',
  'storage.attach.fixExports': '/storage prepare 명령이 exports를 쓰고 다시 읽어 들입니다.',
  'storage.attach.fixHostsOrAddress':
    '/host prepare {host} 명령으로 실습 환경의 hosts 항목을 추가하거나, 주소를 쓰십시오: --path {path}',
  'storage.attach.fixHostsOrIp':
    '/host prepare {host} 명령으로 실습 환경의 hosts 항목을 추가하거나, --path에 서버의 IP 주소를 쓰십시오.',
  'storage.attach.actionClean': '{export} 비우기',
  'storage.attach.actionFixPermissions': '{export} 권한 수정',
  'storage.attach.actionPrepareStorage': '스토리지 준비',
  'storage.attach.actionPrepareHost': '{host} 준비',

  'storage.attach.summary': '{name} 도메인({type})을 {path} 경로에 추가하고 {dataCenter}에 연결',
  'storage.attach.impactMount':
    '{host} 호스트가 {path} 경로를 마운트하고, vdsm이 {export}에 도메인 구조를 만듭니다.',
  'storage.attach.impactAttach':
    '{name} 도메인을 {dataCenter}에 연결하고 활성화합니다{master, select, yes {. 이 도메인이 마스터 도메인이 됩니다} other {}}.',
  'storage.attach.impactChecked': '검사 통과: {check}',
  'storage.attach.isoDeprecated':
    'ISO 도메인은 oVirt 4.3부터 사용 중단(deprecated)되었습니다. ISO는 데이터 도메인에도 둘 수 있습니다.',
  'storage.attach.isoNeedsMaster':
    'ISO 도메인을 추가하려면 먼저 active 상태의 마스터 데이터 도메인이 있어야 합니다.',
  'storage.attach.step': '{name} 도메인 추가 및 연결',
  'storage.attach.reattachSummary': '{name} 도메인({type}, {path})을 {dataCenter}에 다시 연결하고 활성화',
  'storage.attach.reattachImpact':
    '{name} 도메인은 엔진에 있지만 어느 데이터 센터에도 연결되어 있지 않습니다. 담긴 내용 그대로 {dataCenter}에 연결하고 활성화합니다.',
  'storage.attach.reattachStep': '{name} 도메인 연결 및 활성화',

  'storage.detach.notAttached': '{domain} 도메인은 데이터 센터에 연결되어 있지 않습니다.',
  'storage.detach.notAttachedHint': '/storage remove {domain} 명령으로 엔진에서 제거할 수 있습니다.',
  'storage.detach.summary': '{dataCenter}에서 {domain} 도메인 분리',
  'storage.detach.impact': '{domain} 도메인에 디스크가 있는 VM은 분리된 동안 실행할 수 없습니다.',

  'storage.takeOut.lastMaster':
    '{domain} 도메인은 데이터 센터의 마지막 마스터 데이터 도메인이라 엔진이 분리할 수 없습니다.',
  'storage.takeOut.lastMasterHint':
    '마스터 역할이 옮겨 갈 수 있도록 먼저 다른 데이터 도메인을 연결하고 활성화하십시오.',
  'storage.takeOut.masterMoves':
    '마스터 역할이 {domain} 도메인에서 다른 active 데이터 도메인으로 옮겨 갑니다.',
  'storage.takeOut.isoHoldsMaster':
    'active 상태의 ISO/export 도메인({domains}) 때문에 마스터 도메인이 비활성화되지 않을 수 있습니다.',
  'storage.takeOut.hostsMount':
    '지금 마운트한 호스트: {hosts}. 사용 중인 호스트가 있으면 유지보수 모드로 전환되지 않습니다(실습 가이드 FAQ 4).',
  'storage.takeOut.deactivateStep': '{domain} 도메인을 유지보수 모드로 전환',
  'storage.takeOut.detachStep': '데이터 센터에서 {domain} 도메인 분리',
  'storage.takeOut.notInMaintenance': '{domain} 도메인의 상태가 {status}입니다.',
  'storage.takeOut.inMaintenance': '{domain} 도메인이 maintenance 상태임',
  'storage.takeOut.stillAttached': '{domain} 도메인이 아직 연결되어 있습니다({status}).',
  'storage.takeOut.unattached': '{domain} 도메인이 unattached 상태임',

  'storage.remove.noHostUp':
    'up 상태의 호스트가 없습니다. 엔진이 도메인을 제거하려면 호스트가 하나 필요합니다.',
  'storage.remove.summary': '{domain} 도메인 제거',
  'storage.remove.summaryFormat': '{domain} 도메인 제거 및 파일 삭제',
  'storage.remove.itsExport': '해당 export 디렉터리',
  'storage.remove.impactWipe':
    '{where}에서 도메인의 파일을 지웁니다. 그 도메인의 디스크와 VM 데이터는 사라집니다.',
  'storage.remove.impactKeep':
    '도메인의 파일이 {where}에 남습니다. /storage clean으로 비우기 전에는 그곳에 새 도메인을 추가할 수 없습니다(FAQ 1).',
  'storage.remove.step': '{domain} 도메인 제거',
  'storage.remove.stepFormat': '{domain} 도메인 제거 (format)',
  'storage.remove.alreadyRemoved': '{domain} 도메인은 이미 제거됨',
  'storage.remove.noHostForStep': '도메인을 제거하는 데 쓸 up 상태의 호스트가 없습니다.',
  'storage.remove.stillThere': '{domain} 도메인이 아직 엔진에 있습니다.',
  'storage.remove.gone': '{domain} 도메인이 엔진에서 제거됨',

  'storage.prepare.summary': '스토리지 서버 {machine} 준비',
  'storage.prepare.impactExports':
    '{exports}: 소유권 36:36과 setgid 설정, 마운트와 여유 공간 확인, 실습 환경 네트워크로 export.',
  'storage.prepare.impactServices':
    'nfs-server를 활성화하고 실행하며, firewalld에서 {services}를 허용합니다. 각 단계는 먼저 확인하고 빠진 것만 바꿉니다.',

  'storage.clean.alreadyEmpty': '{path} 디렉터리는 이미 비어 있어 비울 것이 없습니다.',
  'storage.clean.summary': '{machine}의 {path} 비우기',
  'storage.clean.impact': '{path} 삭제',

  'storage.fixPermissions.notMounted':
    '{count, plural, other {{paths}}}: 마운트되어 있지 않습니다. 여기서 소유권을 고치면 export가 아니라 루트 파일 시스템이 바뀝니다.',
  'storage.fixPermissions.notMountedHint':
    '먼저 export 디렉터리를 마운트하십시오(/etc/fstab에 줄을 넣고 mount -a). 빠진 것은 /lab doctor에서 볼 수 있습니다. 실습 가이드: {faq}',
  'storage.fixPermissions.summary': '{paths} 소유권 수정',
  'storage.fixPermissions.impactOwner': '{path} 및 그 안의 모든 것: 소유자 36:36 (vdsm:kvm), 디렉터리 setgid',
  'storage.fixPermissions.impactReactivate': '{domain}: {status} → active',
  'storage.fixPermissions.step': '{domain} 도메인 다시 활성화',
};
