import type { doctor as en } from '../en/doctor.js';
import type { Translation } from '../translation.js';

export const doctor: Translation<typeof en> = {
  'doctor.about': '실습 가이드의 알려진 문제를 점검하고, 문제마다 근거와 해결 방법을 보여 줌',

  // The guide's own titles (lab-guide.md, "The guide's own words (Korean)").

  'doctor.title': '실습 환경 점검',
  'doctor.titleSimulated': '실습 환경 점검 — 시뮬레이션',
  'doctor.state.problems': '{count, plural, other {문제 #개}}',
  'doctor.state.allClear': '이상 없음',
  'doctor.finding.heading': '{n}. {title}',
  'doctor.finding.fix': '해결: {fix}',
  'doctor.finding.guide': '실습 가이드: {faq}',
  'doctor.notes.heading': '참고',

  'doctor.checked.footer': '점검 항목(머신에서 {count}개, 그리고 엔진): {storage} {hosts} {engine}',
  'doctor.checked.storage':
    '{server} — {paths}: 남은 파일(FAQ 1), 36:36과 setgid(FAQ 3), 여유 공간 {free}로 마운트(FAQ 0), export 여부; {services}.',
  'doctor.checked.hosts': '{hosts} — {parts}.',
  'doctor.checked.hostsEntries': 'hosts 항목',
  'doctor.checked.resolves': '{name} 이름 확인(FAQ 2)',
  'doctor.checked.engineKey': '엔진 키',
  'doctor.checked.typos': '가이드의 오타 authorized.keys와 sh-rsa',
  'doctor.checked.engine':
    '엔진 — 데이터 센터, 호스트 up, 도메인 active(FAQ 3), 멈춘 도메인 없음(FAQ 4는 도메인을 제거할 때만 나타남).',

  'doctor.action.prepareStorage': '스토리지 서버 준비',
  'doctor.action.prepareHost': '{host} 준비',
  'doctor.action.clean': '{name} 비우기',
  'doctor.action.fixPermissions': '{name} 권한 수정',
  'doctor.action.addHost': '{host} 추가',
  'doctor.action.activateHost': '{host} 활성화',
  'doctor.action.maintenanceHost': '{host} 유지 보수 전환',

  'doctor.unrun.title': '점검하지 못한 머신: {machines}',
  'doctor.unrun.count': '{count, plural, other {점검 #개를 실행하지 못함}}',
  'doctor.unrun.fix': 'labops에서 SSH로 머신에 접속할 수 있게 한 뒤 /lab doctor를 다시 실행하십시오.',

  'doctor.export.missing': '{path} 없음',
  'doctor.export.missing.fix':
    '/storage prepare 명령이 36:36 소유와 setgid로 디렉터리를 만들고 export합니다.',
  'doctor.export.unjudged':
    '{path}에 항목 {count, plural, other {#개}}가 있습니다. 남은 파일인지는 엔진을 읽어야 판단할 수 있습니다.',
  'doctor.stale.title': '{path}에 이전 도메인의 파일이 남아 있음',
  'doctor.stale.count': '{path}의 항목 {count, plural, other {#개}}:',
  'doctor.stale.more': '  … 외 {count}개',
  'doctor.stale.noDomain': '엔진의 스토리지 도메인 중 여기에 저장된 것 없음',
  'doctor.stale.fix': '{command} 명령이 모든 항목을 지웁니다(파괴적: 승인자가 결정합니다).',
  'doctor.stale.fixOwners': '그 뒤에도 소유자가 틀리면 doctor가 fix-permissions를 제안합니다.',
  'doctor.owner.title': '{path}의 소유자가 vdsm이 아님',
  'doctor.owner.needs': 'vdsm에는 하위 전체에 36:36과 setgid가 필요함',
  'doctor.owner.fix': '{command}: chown -R 36:36, chmod -R g+s.',
  'doctor.owner.fixReactivate': '{command}: chown -R 36:36, chmod -R g+s 후 다시 활성화: {domains}.',
  'doctor.mount.title': '{path}: 여유 공간이 있는 디스크가 마운트되지 않음',
  'doctor.mount.noCommand': '디스크를 추가하는 명령은 없습니다(FAQ 0). 직접 하십시오:',
  'doctor.mount.ifPresent': '디스크가 있으면 /etc/fstab에 다음 줄을 넣고 mount -a:',
  'doctor.mount.else': '없으면 libvirt 호스트에서 엔진 VM에 디스크를 붙이십시오:',
  'doctor.mount.then': '그다음 스토리지 서버에서 {device}에 파티션을 하나 만들고,',
  'doctor.mount.thenFormat': '  {mkfs}, 위의 fstab 줄, mount -a.',
  'doctor.exported.title': '{path}: export되지 않음',
  'doctor.exported.fix': '/storage prepare 명령이 {file} 파일을 쓰고 exportfs -arv를 실행합니다.',
  'doctor.nfs.title': '{server}에서 NFS 서비스가 실행 중이 아님',
  'doctor.nfs.fix': '/storage prepare 명령이 서비스를 활성화하고 시작합니다.',
  'doctor.firewall.title': '{server}의 firewalld가 NFS를 막음',
  'doctor.firewall.fix':
    '/storage prepare 명령이 방화벽에서 {services} 서비스를 영구 허용하고 다시 읽어 들입니다.',

  'doctor.resolve.title': '{host}: {name} 이름 확인 실패',
  'doctor.resolve.fix': '{command} 명령이 {file} 파일에 실습 환경의 항목을 씁니다.',
  'doctor.resolve.orAddress': '또는 경로에 이름 대신 주소를 쓰십시오: {example}',
  'doctor.hostsFile.title': '{host}: {file}에 실습 환경의 이름이 없음',
  'doctor.hostsFile.fix': '{command} 명령이 빠진 줄을 씁니다.',
  'doctor.key.misnamed': '{host}: 엔진 키가 authorized.keys에 들어감(오타)',
  'doctor.key.shRsa': '{host}: 키 줄이 sh-rsa로 시작함(가이드의 오타)',
  'doctor.key.missing': '{host}: 엔진 키 없음',
  'doctor.key.fix': '{command} 명령이 {file} 파일에 엔진 키를 설치합니다.',
  'doctor.key.harmless': '{host}: {evidence} — 엔진 키가 제자리에 있으므로 이제 문제없습니다.',

  'doctor.engine.unread': '엔진을 읽지 못함',
  'doctor.engine.noAnswer': '응답 없음',
  'doctor.engine.unreadFix': '엔진이 실행 중인지 확인한 뒤 /lab doctor를 다시 실행하십시오.',
  'doctor.engine.says': '엔진: {name}: {status}',
  'doctor.engine.saysDomain': '엔진: {domain} 상태 {status}',
  'doctor.dc.title': '데이터 센터 {dc}: {status}',
  'doctor.dc.evidence': '엔진: 데이터 센터 {dc}: {status}',
  'doctor.dc.fix': '호스트 하나가 up이 되고 master 도메인이 active가 되면 올라옵니다.',
  'doctor.host.absent': '엔진에 {host} 없음',
  'doctor.host.absentEvidence': '엔진: 이름이 {host}인 호스트 없음',
  'doctor.host.absentFix': '{command} 명령이 엔진 키로 호스트를 추가합니다.',
  'doctor.host.stuck': '{host}: 유지보수 모드 전환이 멈춤',
  'doctor.host.going': '{host}: 유지보수 모드로 전환 중',
  'doctor.host.pinned': '{vm}: 호스트에 고정됨 — 마이그레이션할 수 없음',
  'doctor.host.manualOnly': '{vm}: 수동 마이그레이션만 허용 — 자동으로 옮겨지지 않음',
  'doctor.host.unmovable': '{vm}: {affinity} — 마이그레이션할 수 없음',
  'doctor.host.stillOn': '{vm}: 아직 이 호스트에 있음({status})',
  'doctor.host.stuckFix': '{command} 명령이 유지보수를 취소합니다. VM은 그대로 남습니다.',
  'doctor.host.stuckOr': '또는 다음 VM을 중지하거나 고정을 풀면 전환이 끝납니다: {vms}',
  'doctor.host.goingFix': 'VM이 마이그레이션 중입니다. 1분 뒤 /lab doctor를 다시 실행하십시오.',
  'doctor.host.status': '{host} 상태: {status}',
  'doctor.host.activateFix': '{command} 명령이 호스트를 다시 up으로 올립니다.',
  'doctor.host.eventsFix': '원인은 엔진 이벤트에 있습니다. /host status로 볼 수 있습니다.',
  'doctor.host.nonResponsiveFix':
    '엔진이 이 호스트의 vdsm에 연결할 수 없습니다. 호스트에서 vdsmd를 확인하세요(systemctl status vdsmd). 그동안 {command} 명령으로 사용을 중단하고, vdsm이 응답하면 활성화하세요.',
  'doctor.domain.stuck': '{domain}: {status} 상태에서 멈춤',
  'doctor.domain.stuckFix':
    '아직 이 도메인을 쓰는 호스트가 있습니다. 먼저 그 호스트를 유지보수 모드로 전환하십시오({command}).',
  'doctor.domain.status': '{domain} 상태: {status}',
  'doctor.domain.fixPermissions':
    '{command} 명령이 36:36과 setgid를 확인한 뒤 {domain} 도메인을 다시 활성화합니다.',
  'doctor.domain.activate': 'export에 접근할 수 있게 되면 엔진에서 {domain} 도메인을 활성화하십시오.',

  'doctor.note.engineKey': '엔진 키는 점검하지 못했습니다: {reason}',
  'doctor.note.hostsEntries': 'hosts 항목은 점검하지 못했습니다: {reason}',
  'doctor.note.hostsEntriesHint': 'hosts 항목은 점검하지 못했습니다: {reason} {hint}',
};
