import type { iso as en } from '../en/iso.js';
import type { Translation } from '../translation.js';

/*
 * Names (ISO, VM, domain) are followed by a noun that carries the particle ("{iso} 이미지를",
 * "{vm} VM이", "{domain} 도메인에"): a name's last sound, which picks 을/를, is not known.
 */
export const iso: Translation<typeof en> = {
  'iso.lab.notFound': '실습 환경에 "{iso}" ISO가 없습니다.',
  'iso.lab.listHint': 'ISO 목록은 /iso list에서 볼 수 있습니다.',
  'iso.domain.gone': '{domain} 스토리지 도메인이 더 이상 없습니다.',
  'iso.holder.now': '{vm} (지금)',
  'iso.holder.nextBoot': '{vm} (다음 부팅 시)',
  'iso.holder.nowAndNextBoot': '{vm} (지금, 다음 부팅 시)',
  'iso.held.removed': '{iso} 이미지가 VM의 CD 드라이브에 들어 있어 삭제할 수 없습니다: {holders}.',
  'iso.held.replaced': '{iso} 이미지가 VM의 CD 드라이브에 들어 있어 교체할 수 없습니다: {holders}.',
  'iso.held.hint': '먼저 다른 ISO를 넣거나(/iso attach VM OTHER.iso) 관리 포털에서 꺼내십시오.',

  'iso.list.title': 'ISO 이미지',
  'iso.list.count': '{count, plural, other {이미지 #개}}',
  'iso.list.empty': '아직 없습니다: /iso upload URL',
  'iso.list.file': '{name}  {where}',
  'iso.list.disk': '{name}  {where}  {size}',
  'iso.list.diskNoted': '{name}  {where}  {size}  {note}',
  'iso.list.twoNotes': '{status}, {note}',
  'iso.list.incomplete': '완료되지 않은 업로드',
  'iso.list.uploading': '업로드 중 ({job})',
  'iso.list.leftovers':
    '업로드 실패로 남은 디스크이며 ISO로 쓰인 적이 없습니다: {names}. /iso remove NAME 명령으로 하나씩 삭제할 수 있고, 같은 이름으로 다시 업로드하면 교체됩니다.',

  'iso.isoDomain.notLabExport':
    '{domain} 도메인은 {address}:{path}에 있으며, 이 실습 환경 스토리지 서버의 export 디렉터리가 아닙니다.',
  'iso.isoDomain.notLabExportHint': 'labops는 실습 환경 스토리지 서버의 ISO 도메인만 변경할 수 있습니다.',
  'iso.isoDomain.uploadSummary': 'ISO 도메인 {domain}에 {iso} ({size}) 업로드',
  'iso.isoDomain.download':
    '{machine} 서버가 {source}에서 {iso} 파일을 내려받아 {path}에 둡니다(소유자 36:36, 모드 0640, 제한 시간 {limit}).',
  'iso.isoDomain.keepsChecked':
    '크기가 {bytes}바이트이고 32769바이트 위치에 CD001이 있으며 sha256 값이 다음과 같을 때만 파일을 남깁니다: {sha256}.',
  'iso.isoDomain.keeps':
    '크기가 {bytes}바이트이고 32769바이트 위치에 CD001이 있을 때만 파일을 남깁니다. 보고서에 sha256 값이 표시됩니다.',
  'iso.isoDomain.refreshed': '엔진에 있는 {domain} 도메인의 파일 목록을 새로 고칩니다.',
  'iso.isoDomain.notCdName':
    '엔진은 이름이 .iso로 끝나는 파일만 CD 드라이브에 넣습니다. {iso} 파일은 VM에 연결할 수 없습니다.',
  'iso.isoDomain.refreshStep': '{domain} 도메인 파일 목록 새로 고침',
  'iso.isoDomain.removeSummary': 'ISO 도메인 {domain}에서 ISO {iso} 삭제',
  'iso.isoDomain.removes': '{machine} 서버가 {path} 파일을 삭제합니다.',
  'iso.isoDomain.stillListed': '엔진의 {domain} 도메인 파일 목록에 아직 {iso} 파일이 있습니다.',
  'iso.isoDomain.notListed': '엔진의 {domain} 도메인 파일 목록에 {iso} 파일이 없습니다.',
  'iso.isoDomain.listed': '{domain} 도메인 파일 목록에 {iso} 파일이 있습니다',
  'iso.isoDomain.noLongerListed': '{domain} 도메인 파일 목록에 {iso} 파일이 더 이상 없습니다',

  'iso.upload.noSuchDomain': '데이터 센터에 "{domain}" 스토리지 도메인이 없습니다.',
  'iso.upload.domainsHint': '도메인: {domains}.',
  'iso.upload.noDomainsHint': '도메인: 없음.',
  'iso.upload.noDataDomain': '업로드할 active 상태의 데이터 도메인이 없습니다.',
  'iso.upload.noDataDomainHint': '도메인은 /storage status에서 확인하고 /storage attach로 추가합니다.',
  'iso.upload.notIso9660': '{file} 파일은 ISO 9660 이미지가 아닙니다(32769바이트 위치에 CD001이 없음).',
  'iso.upload.notIso9660Hint': 'URL을 확인하십시오. 웹 페이지나 압축 파일은 ISO가 아닙니다.',
  'iso.upload.badName': '실습 환경의 ISO 이름으로 쓸 수 없습니다: "{name}".',
  'iso.upload.badNameHint': '--name으로 이름을 정하십시오. 예: --name alma9.iso.',
  'iso.upload.inProgress': '{job} 작업이 지금 {iso} 이미지를 업로드하고 있습니다.',
  'iso.upload.inProgressHint': '/lab jobs에서 확인하고 작업이 끝날 때까지 기다리십시오.',
  'iso.upload.exists': '{where}에 {iso} ISO가 이미 있습니다.',
  'iso.upload.existsHint': '--name으로 다른 이름을 정하거나 이미 있는 ISO를 사용하십시오.',
  'iso.upload.domainState': '{domain} 도메인이 {status} 상태입니다. 업로드하려면 active 상태여야 합니다.',
  'iso.upload.domainNotActive':
    '{domain} 도메인이 active 상태가 아닙니다. 업로드하려면 active 상태여야 합니다.',
  'iso.upload.noSpace':
    '{domain} 도메인의 여유 공간은 {free}인데 {iso} 이미지에는 {size}의 공간이 필요합니다.',
  'iso.upload.leftoverElsewhere':
    '완료되지 않은 업로드 {iso} 디스크가 {domains}에 있습니다. ISO 도메인에 업로드해도 이 디스크는 교체되지 않습니다.',
  'iso.upload.leftoverElsewhereHint':
    '/iso remove {iso} 명령으로 삭제하거나, --domain 없이 데이터 도메인에 업로드하십시오.',
  'iso.upload.replaces':
    '이전 작업이 남긴 완료되지 않은 업로드 {iso} ({size}) 디스크를 교체합니다. 그 디스크({disk}, {status})를 먼저 삭제합니다.',
  'iso.upload.replacesOfJob':
    '이전 작업({job})이 남긴 완료되지 않은 업로드 {iso} ({size}) 디스크를 교체합니다. 그 디스크({disk}, {status})를 먼저 삭제합니다.',
  'iso.upload.unknownJob':
    '{iso} ({disk}) 디스크에 적힌 작업을 labops가 알지 못합니다. 4.3 엔진에서는 디스크 표시가 "incomplete"로 남으므로 완료된 업로드일 수 있습니다.',
  'iso.upload.summary': '{domain}에 {iso} ({size}) 업로드',
  'iso.upload.newDisk':
    '{domain}에 {size} 크기의 새 ISO 디스크를 만들고 {source}에서 {iso} 이미지를 스트리밍합니다.',
  'iso.upload.sha256Required':
    'sha256 값이 다음과 같아야 합니다: {sha256}. 다르면 업로드가 실패하고 아무것도 남지 않습니다.',
  'iso.upload.sha256Shown':
    '보고서에 저장된 데이터의 sha256 값이 표시됩니다(--sha256을 주지 않아 확인하지 않음).',
  'iso.upload.step': '{domain}에 {iso} 업로드',
  'iso.upload.progress': '{total} 중 {sent}',
  'iso.upload.progressRate': '{total} 중 {sent} · {rate}/s',
  'iso.upload.progressRateLeft': '{total} 중 {sent} · {rate}/s · {left} 남음',

  'iso.upload.alreadyThere': '{iso} 이미지가 이미 있습니다({bytes}바이트, 완료된 업로드)',
  'iso.upload.appeared':
    '계획 이후 {iso} 디스크({disk}, {status})가 생겼으며, 이 소스를 완료까지 업로드한 디스크가 아닙니다. 업로드로 간주하지 않았고 아무것도 바꾸지 않았습니다.',
  'iso.upload.appearedHint':
    '/iso list에서 확인하고 /iso remove {iso} 명령으로 삭제한 뒤 /iso upload를 다시 실행하십시오.',
  'iso.upload.leftoverStays':
    '완료되지 않은 업로드 {iso} 디스크({disk}, {status})를 삭제하지 못했습니다: {reason}. 아무것도 업로드하지 않았습니다.',
  'iso.upload.leftoverStaysHint':
    '엔진이 디스크를 놓아주면 /iso remove {iso} 명령으로 삭제한 뒤 다시 업로드하십시오.',
  'iso.upload.sourceChanged':
    '소스 크기가 지금 {now}바이트로, 계획의 {planned}바이트와 다릅니다. /iso upload를 다시 실행하십시오.',
  'iso.upload.detail': 'sha256 {sha256}',
  'iso.upload.detailChecked': 'sha256 {sha256} (--sha256 값과 일치)',
  'iso.upload.detailUnmarked':
    'sha256 {sha256}. 4.4 이전 엔진은 floating 디스크의 설명을 바꿀 수 없습니다. 디스크에는 "incomplete" 표시가 남지만, 이 작업의 기록에는 완료로 남습니다.',
  'iso.upload.detailCheckedUnmarked':
    'sha256 {sha256} (--sha256 값과 일치). 4.4 이전 엔진은 floating 디스크의 설명을 바꿀 수 없습니다. 디스크에는 "incomplete" 표시가 남지만, 이 작업의 기록에는 완료로 남습니다.',
  'iso.upload.noMarkedDisk': '{iso} 디스크 중 이 작업의 표시나 완료 표시가 있는 디스크가 없습니다({found}).',
  'iso.upload.missing': '{iso} 디스크가 없습니다. ok 상태에 {bytes}바이트여야 합니다.',
  'iso.upload.wrongState':
    '{iso} 디스크가 {status} 상태에 {bytes}바이트입니다. ok 상태에 {expected}바이트여야 합니다.',
  'iso.upload.notMarked': '{iso} 디스크에 완료 표시가 없습니다({description}).',
  'iso.upload.endState': '{iso} 이미지가 {domain}에 있습니다: 상태 ok, {size}',
  'iso.upload.endStateSha256': '{iso} 이미지가 {domain}에 있습니다: 상태 ok, {size}, sha256 {sha256}',

  'iso.attach.paused':
    '{vm} VM이 {status} 상태입니다. labops는 VM이 up(지금 적용) 또는 down(다음 부팅 시 적용) 상태일 때만 CD 드라이브를 바꿉니다.',
  'iso.attach.pausedHint': '관리 포털에서 VM을 재개하거나 종료한 뒤 명령을 다시 실행하십시오.',
  'iso.attach.migrating':
    '{vm} VM이 다른 호스트로 마이그레이션 중입니다. 마이그레이션이 끝날 때까지 CD 드라이브를 바꿀 수 없습니다.',
  'iso.attach.migratingHint':
    'up 상태로 돌아올 때까지 기다린 뒤(/host status에서 확인) 명령을 다시 실행하십시오.',
  'iso.attach.between':
    '{vm} VM이 {status} 상태입니다. CD를 바꾸려면 up(지금 적용) 또는 down(다음 부팅 시 적용) 상태여야 합니다.',
  'iso.attach.betweenHint': 'up 또는 down 상태가 될 때까지 기다린 뒤 명령을 다시 실행하십시오.',

  'iso.attach.persistWithRunOnce':
    '--persist는 --run-once와 함께 쓸 수 없습니다. 한 번 부팅(run once)은 저장된 설정을 바꾸지 않습니다.',
  'iso.attach.noVm': '"{vm}" VM이 없습니다.',
  'iso.attach.noVmHint': 'VM 목록은 /host status HOST에서 볼 수 있습니다.',
  'iso.attach.notFoundHint': 'ISO 목록은 /iso list에서 볼 수 있고, /iso upload URL로 추가합니다.',
  'iso.attach.incomplete': '{iso} 이미지는 완료되지 않은 업로드입니다. VM이 부팅할 수 있는 ISO가 아닙니다.',
  'iso.attach.incompleteHint':
    '/iso remove {iso} 명령으로 삭제하거나 /iso upload URL --name {iso} 명령으로 교체하십시오.',
  'iso.attach.notCdFile':
    '{iso} 파일은 CD 드라이브에 넣을 수 없습니다. 엔진은 디스크 id나 .iso로 끝나는 파일 이름만 받습니다.',
  'iso.attach.notCdFileHint':
    '스토리지 서버에서 이름이 .iso로 끝나게 바꾸거나, 그런 이름으로 다시 업로드하십시오: /iso upload URL --name {stem}.iso.',
  'iso.attach.runOnceNotDown':
    '{vm} VM이 {status} 상태입니다. 한 번 부팅은 VM을 시작하므로 down 상태여야 합니다.',
  'iso.attach.runOnceNotDownHint': '먼저 VM을 종료하거나 --run-once 없이 넣으십시오: /iso attach {vm} {iso}.',
  'iso.attach.runOnceSummary': '{vm} VM을 {iso}에서 한 번 부팅',
  'iso.attach.runOnceImpact':
    '{vm} VM이 시작되어 {iso}에서 한 번 부팅합니다. 다음 부팅은 다시 디스크에서 합니다.',
  'iso.attach.runOnceStep': '{iso}에서 {vm} VM 시작',
  'iso.attach.summaryNow': '{vm} VM의 CD 드라이브에 {iso} 넣기 (지금, 정지할 때까지)',
  'iso.attach.summaryAlways': '{vm} VM의 CD 드라이브에 {iso} 넣기 (지금과 매 부팅 시)',
  'iso.attach.summaryNextBoot': '{vm} VM의 CD 드라이브에 {iso} 넣기 (다음 부팅 시)',
  'iso.attach.impactNow':
    '{vm} VM의 CD 드라이브에 지금부터 정지할 때까지 {iso} 이미지가 들어갑니다. 저장된 설정은 바뀌지 않습니다(--persist를 주면 매 부팅 시 유지).',
  'iso.attach.impactAlways':
    '{vm} VM의 CD 드라이브에 지금 {iso} 이미지가 들어가고, 저장된 설정에도 남아 매 부팅 시 유지됩니다.',
  'iso.attach.impactNextBoot':
    '{vm} VM이 down 상태입니다. 저장된 설정에 {iso} 이미지를 넣으며, 다음 부팅 시 보입니다.',
  'iso.attach.stepNow': '{vm} VM에 {iso} 넣기 (지금, 정지할 때까지)',
  'iso.attach.stepAlways': '{vm} VM에 {iso} 넣기 (지금과 매 부팅 시)',
  'iso.attach.stepNextBoot': '{vm} VM에 {iso} 넣기 (다음 부팅 시)',

  'iso.attach.notRunning':
    '{vm} VM이 지금 {status} 상태입니다. 계획은 실행 중인 VM의 CD 드라이브를 바꾸는 것이었습니다.',
  'iso.attach.againHint': '/iso attach {vm} {iso} 명령을 다시 실행하십시오.',
  'iso.attach.alreadyThere': '{iso} 이미지가 이미 들어 있습니다',
  'iso.attach.holdsNow': '{vm} VM의 CD 드라이브에 지금 {iso} 이미지가 아닌 {file} 파일이 들어 있습니다.',
  'iso.attach.holdsNothingNow':
    '{vm} VM의 CD 드라이브가 지금 비어 있습니다. {iso} 이미지가 들어 있어야 합니다.',
  'iso.attach.holdsSaved':
    '{vm} VM의 저장된 설정에서 CD 드라이브에 {iso} 이미지가 아닌 {file} 파일이 들어 있습니다.',
  'iso.attach.holdsNothingSaved':
    '{vm} VM의 저장된 설정에서 CD 드라이브가 비어 있습니다. {iso} 이미지가 들어 있어야 합니다.',
  'iso.attach.holdsNowHint':
    '엔진은 변경을 받았지만 실행 중인 VM에 반영되지 않았습니다. {vm} VM의 엔진 이벤트를 확인한 뒤(관리 포털 → 이벤트) /iso attach {vm} {iso} 명령을 다시 실행하십시오.',
  'iso.attach.holdsSavedHint':
    '그사이 누군가 CD를 바꿨을 수 있습니다. 관리 포털에서 {vm} VM의 부트 옵션(Edit VM → Boot Options)을 확인한 뒤 /iso attach {vm} {iso} 명령을 다시 실행하십시오.',
  'iso.attach.heldNow': '{vm} VM의 CD 드라이브에 지금 {iso} 이미지가 들어 있습니다(정지할 때까지)',
  'iso.attach.heldAlways': '{vm} VM의 CD 드라이브에 지금과 저장된 설정 모두 {iso} 이미지가 들어 있습니다',
  'iso.attach.heldNextBoot':
    '{vm} VM의 저장된 설정에서 CD 드라이브에 {iso} 이미지가 들어 있습니다(다음 부팅부터)',
  'iso.attach.notUp': '{vm} VM이 up이 아닌 {status} 상태입니다.',
  'iso.attach.bootedFrom': '{vm} VM이 {iso}에서 부팅되어 up 상태입니다',

  'iso.remove.notInDomain': '{domain}에 "{iso}" ISO가 없습니다. 있는 곳: {places}.',
  'iso.remove.ambiguous': '{iso} 이미지가 여러 곳에 있습니다: {places}.',
  'iso.remove.ambiguousHint': '하나를 지정하십시오: /iso remove {iso} --domain {domain}.',
  'iso.remove.summary': '{where}에서 ISO {iso} 삭제',
  'iso.remove.disk': '{where}에서 {iso} 디스크({disk}, {size}, {status})를 삭제합니다.',
  'iso.remove.incompleteDisk':
    '{where}에서 {iso} 디스크({disk}, {size}, {status}, 완료되지 않은 업로드)를 삭제합니다.',
  'iso.remove.foreignDisk':
    '{where}에서 {iso} 디스크({disk}, {size}, {status}, labops가 업로드하지 않음)를 삭제합니다.',
  'iso.remove.step': '{where}에서 {iso} 디스크({disk}) 삭제',
  'iso.remove.alreadyGone': '{iso} 디스크({disk})가 이미 없습니다',
  'iso.remove.stays': '{iso} 디스크({disk}, {status})가 아직 남아 있습니다: {reason}.',
  'iso.remove.staysHint':
    '엔진이 디스크를 놓아주면 /iso remove 명령을 다시 실행하십시오(이유는 엔진 이벤트에 나옵니다).',
  'iso.remove.stillThere': '{iso} 디스크({disk})가 아직 남아 있습니다({status}).',
  'iso.remove.gone': '{iso} 디스크({disk})가 {domain}에서 삭제되었습니다',
  'iso.help.summary': 'ISO 이미지: 목록, 업로드, VM에 연결, 삭제',
  'iso.help.list': 'ISO 도메인과 데이터 도메인의 ISO 이미지와 크기',
  'iso.help.upload': 'URL의 ISO를 데이터 도메인(스트리밍)이나 4.3 ISO 도메인(스토리지 서버에서)에 업로드',
  'iso.help.uploadUrl': 'ISO 이미지의 http(s) URL',
  'iso.help.uploadName': '실습 환경에서 쓸 이름 (기본값: URL의 파일 이름)',
  'iso.help.uploadDomain': '스토리지 도메인 (기본값: 마스터 데이터 도메인)',
  'iso.help.uploadSha256': '미러가 게시한 체크섬 (저장된 데이터의 값이 다르면 업로드 실패)',
  'iso.help.attach': 'VM의 CD 드라이브에 ISO 넣기, 또는 그 ISO로 한 번 부팅 (--run-once)',
  'iso.help.attachVm': '대상 VM',
  'iso.help.isoFromList': '/iso list에 나오는 ISO',
  'iso.help.attachPersist': '실행 중인 VM이 매 부팅 시에도 ISO 유지 (기본값: 정지할 때까지만)',
  'iso.help.attachRunOnce': 'CD로 부팅해 VM을 한 번 시작 (VM이 down 상태여야 함)',
  'iso.help.remove': 'ISO 삭제: 데이터 도메인의 디스크 또는 ISO 도메인의 파일',
  'iso.help.removeDomain': '스토리지 도메인 (같은 이름이 여러 곳에 있을 때)',
  'iso.arg.vmForm': 'VM 이름이어야 합니다',
  'iso.arg.isoForm': '영문자, 숫자, ".", "_", "+", "-"로 된 파일 이름이어야 합니다',
  'iso.arg.sha256Form': 'SHA-256 체크섬(16진수 64자리)이어야 합니다',

  'iso.upload.shows.deleteIncomplete': '{call} (완료되지 않은 업로드)',
  'iso.upload.shows.createDisk': 'POST /disks ({name}, iso, raw, {size}, "{mark}" 표시)',
  'iso.upload.shows.copy': 'GET {url} ({address}에 연결) → PUT transfer_url (보내면서 sha256 계산)',
  'iso.upload.shows.copyChecked':
    'GET {url} ({address}에 연결) → PUT transfer_url (보내면서 sha256 계산, {sha256}이어야 함)',
  'iso.upload.shows.markComplete': '{call} (크기와 sha256과 함께 "{mark}" 표시, 엔진 4.4부터)',
};
