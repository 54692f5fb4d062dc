import type { host as en } from '../en/host.js';
import type { Translation } from '../translation.js';

export const host: Translation<typeof en> = {
  'host.error.notFound': '엔진에 "{host}" 호스트가 없습니다.',
  'host.error.notFoundHint': '엔진의 호스트: {hosts}.',
  'host.error.noHostsHint': '엔진에 아직 호스트가 없습니다. {command} 명령으로 추가하십시오.',
  'host.error.nothingToDo': '할 일이 없습니다.',
  'host.verify.up': '{host} 호스트는 up 상태입니다',
  'host.verify.notUp': '{host} 호스트는 up이 아니라 {status} 상태입니다.',

  'host.status.title': '호스트',
  'host.status.titleOne': '호스트 {host}',
  'host.status.upCount': '{total}대 중 {up}대 up',
  'host.status.line': '{host}  {status}  {count, plural, other {VM #개}}',
  'host.status.lineSpm': '{host}  {status} · SPM  {count, plural, other {VM #개}}',
  'host.status.vms': 'VM: {vms}',
  'host.status.noVms': 'VM: 없음',
  'host.status.vmState': '{vm} ({status})',
  'host.status.details': '주소 {address}, 메모리 {memory}',
  'host.status.noHosts': '엔진에 호스트가 없습니다.',

  'host.maintenance.alreadyIn': '{host} 호스트는 이미 유지보수 모드입니다.',
  'host.maintenance.alreadyInHint': '/host activate {host} 명령으로 다시 활성화할 수 있습니다.',
  'host.maintenance.alreadyGoing':
    '{host} 호스트는 이미 유지보수 모드로 전환하는 중입니다(preparing_for_maintenance).',
  'host.maintenance.alreadyGoingHint':
    'VM이 마이그레이션되는 중이며, 진행 상황은 /host status로 볼 수 있습니다. 마이그레이션할 수 없는 VM이 있으면 이 상태에 머뭅니다.',
  'host.maintenance.blockerPinned':
    '{vm} VM은 {host}에 고정되어 있어 엔진이 옮기지 않습니다. 이 VM을 중지하거나 마이그레이션할 때까지 {host} 호스트는 preparing_for_maintenance 상태로 남습니다.',
  'host.maintenance.blockerManual':
    '{vm} VM은 {host}에서 수동으로만 마이그레이션할 수 있어 엔진이 옮기지 않습니다. 이 VM을 중지하거나 마이그레이션할 때까지 {host} 호스트는 preparing_for_maintenance 상태로 남습니다.',
  'host.maintenance.blockerNoTarget':
    '{vm} VM을 옮길 곳이 없습니다. 클러스터에 up 상태인 다른 호스트가 없습니다.',
  'host.maintenance.migrates': '{vm} → {target} (라이브 마이그레이션)',
  'host.maintenance.noVms': '{host}에서 실행 중인 VM이 없어 마이그레이션할 것이 없습니다.',
  'host.maintenance.spmMoves':
    '{host} 호스트가 SPM입니다. 역할이 다른 호스트로 넘어가는 동안 데이터 센터가 잠시 up 상태가 아닙니다.',
  'host.maintenance.spmStops':
    '{host} 호스트가 SPM인데 역할을 넘겨받을 up 상태의 호스트가 없습니다. 스토리지 작업이 멈춥니다.',
  'host.maintenance.lastActive': '{host} 호스트는 클러스터에 남은 마지막 활성 호스트입니다.',
  'host.maintenance.stranded': '옮기지 못한 VM이 이 호스트에 남습니다.',
  'host.maintenance.title': '{host} 유지보수 모드 전환',
  'host.maintenance.titleReason': '{host} 유지보수 모드 전환 ({reason})',
  'host.maintenance.waitDataCenter': '{dataCenter} 데이터 센터가 새 SPM으로 up 될 때까지 대기',
  'host.maintenance.failed':
    '엔진이 {host} 호스트를 유지보수 모드로 전환하지 못했습니다. 엔진의 보고: {events}',
  'host.maintenance.failedHint':
    '엔진이 옮기지 못하는 VM이 있으면 {host} 호스트는 preparing_for_maintenance 상태에 머뭅니다. 그 VM을 중지하거나 마이그레이션한 뒤 /host maintenance {host} 명령을 다시 실행하십시오(취소하려면 /host activate {host}).',
  'host.maintenance.wasAlready': '{host} 호스트는 이미 유지보수 모드였습니다',
  'host.maintenance.notIn': '{host} 호스트는 유지보수 모드가 아니라 {status} 상태입니다.',
  'host.maintenance.stillRun': '{host}에서 아직 실행 중인 VM이 {count, plural, other {#개}} 있습니다: {vms}.',
  'host.maintenance.done': '{host} 호스트는 VM 없이 유지보수 모드입니다',
  'host.dataCenter.state': '{dataCenter} 데이터 센터는 {status} 상태입니다',
  'host.dataCenter.stateSpm': '{dataCenter} 데이터 센터는 {status} 상태입니다(SPM: {spm})',

  'host.activate.title': '{host} 활성화',
  'host.activate.cancelTitle': '{host} 유지보수 모드 취소 후 다시 활성화',
  'host.activate.alreadyUp': '{host} 호스트는 이미 up 상태입니다.',
  'host.activate.impact': '{host}: {status} → up. 엔진이 이 호스트에 다시 VM을 배치합니다.',
  'host.activate.impactCancel':
    '{host}: preparing_for_maintenance → up. 유지보수 모드 전환을 취소하며, 아직 이 호스트에 있는 VM은 그대로 남습니다.',
  'host.activate.wasAlready': '{host} 호스트는 이미 up 상태였습니다',

  'host.add.title': '{cluster} 클러스터에 {host} ({address}) 추가',
  'host.add.stepTitle': '{host} 추가 후 up 상태까지 대기',
  'host.add.impact':
    '엔진이 자신의 SSH 키로 {address}에 root로 로그인해 VDSM을 설치하고 {host} 호스트를 up 상태로 만듭니다.',
  'host.add.keyWarning':
    '{address}의 root authorized_keys에 엔진 키가 있어야 합니다(--install-key 또는 /host prepare). 없으면 설치가 실패합니다.',
  'host.add.exists': '엔진에 이미 {host} ({address}) 호스트가 있습니다.',
  'host.add.existsHint': '다른 이름을 쓰거나, 먼저 /host remove 명령으로 제거하십시오.',
  'host.add.keyNeedsLabHost':
    '--install-key를 쓰려면 {machine} 머신이 lab.yml의 hosts에 있어야 합니다. labops는 그 머신에 SSH로 접속합니다.',
  'host.add.keyNeedsLabHostHint':
    'lab.yml의 hosts에 {machine} 머신을 추가하고 /host trust {machine} 명령을 실행하거나, 키를 직접 설치하십시오.',
  'host.add.keyStepTitle': '{machine}의 {path}에 엔진 SSH 키 등록',
  'host.add.alreadyUp': '{host} 호스트는 이미 up 상태입니다',
  'host.add.failed': '{error} 엔진의 메시지: {events}',
  'host.add.failedHint':
    '{address}의 root authorized_keys에 엔진 키가 있는지 확인하십시오(/host prepare {host}).',

  'host.remove.title': '{host} 제거',
  'host.remove.titleWithMaintenance': '{host} 유지보수 모드 전환 후 제거',
  'host.remove.stepTitle': '엔진에서 {host} 제거',
  'host.remove.impact': '{host} 호스트가 엔진에서 빠집니다. 다시 넣으려면 /host add를 실행해야 합니다.',
  'host.remove.wasAlready': '{host} 호스트는 이미 제거되었습니다',
  'host.remove.stillThere': '{host} 호스트가 아직 엔진에 있습니다.',
  'host.remove.done': '{host} 호스트가 엔진에서 제거되었습니다',

  'host.machine.unknown': 'labops가 아는 머신 중에 "{machine}" 머신은 없습니다.',
  'host.machine.unknownHint': '머신: {machines} (lab.yml의 hosts와 storage.server).',
  'host.trust.title': '{machine} SSH 호스트 키 신뢰',
  'host.trust.alreadyTrusted': '{machine}의 호스트 키({fingerprint})는 이미 신뢰된 키입니다.',
  'host.trust.pinnedInConfig':
    'lab.yml에 고정된 {machine}의 호스트 키는 {pinned}인데, {machine} 머신이 제시한 키는 {presented}입니다.',
  'host.trust.pinnedInConfigHint':
    '호스트를 다시 설치했다면 그 호스트에서 새 키를 확인한 뒤 lab.yml의 hosts[].ssh.host_key를 고치십시오.',
  'host.trust.keyChanged': '{machine} 머신이 고정된 키와 다른 키를 제시합니다.',
  'host.trust.presented': '제시된 키: {fingerprint}',
  'host.trust.pinnedNow': '현재 고정된 키: {fingerprint} (교체 예정)',
  'host.trust.pinnedNowNothing': '현재 고정된 키: 없음',
  'host.trust.compare': '{machine}에서 비교: {command}',
  'host.trust.keyChangedWarning':
    '호스트 키가 바뀌었습니다. 호스트를 다시 설치했거나 누군가 중간에 끼어든 것입니다. 승인하기 전에 확인하십시오.',
  'host.trust.stepTitle': '{machine} 호스트 키 {fingerprint} 고정',
  'host.trust.pinned': '{machine}에 고정된 호스트 키: {fingerprint}',
  'host.trust.pinnedOther': '{machine}에 고정된 호스트 키는 {pinned}입니다.',
  'host.trust.pinnedNone': '{machine}에 고정된 호스트 키가 없습니다.',
  'host.prepare.title': '{host} 준비',
  'host.prepare.titleInsecure': '{host} 준비 (보안을 낮추는 실습용 지름길)',
  'host.prepare.insecureReason': '--insecure는 firewalld를 중지하고 SELinux를 permissive로 바꿉니다.',
  'host.prepare.impact':
    '{host}: 실습 환경의 hosts 항목과 {path}의 엔진 SSH 키. 각 단계는 먼저 확인하고 빠진 것만 바꿉니다.',
  'host.prepare.impactInsecure': '이 호스트의 firewalld 중지, SELinux permissive (가이드의 실습용 지름길).',
  'host.help.summary': '하이퍼바이저: 상태, 유지보수 모드, 활성화, 호스트 키 신뢰, 준비, 추가와 제거',
  'host.help.status': '호스트별 상태, VM, SPM 역할',
  'host.help.statusHost': '자세히 볼 호스트 하나',
  'host.help.maintenance': 'VM을 마이그레이션하고 호스트를 유지보수 모드로 전환',
  'host.help.maintenanceHost': '유지보수 모드로 전환할 호스트',
  'host.help.maintenanceReason': '사유 (엔진과 감사 기록에 표시)',
  'host.help.activate': '유지보수 모드의 호스트를 다시 활성화',
  'host.help.activateHost': '활성화할 호스트',
  'host.help.trust': '머신의 SSH 호스트 키 지문을 승인받은 뒤 고정',
  'host.help.trustHost': '하이퍼바이저 또는 스토리지 서버',
  'host.help.prepare':
    '하이퍼바이저 준비: 실습 환경의 hosts 항목과 엔진 SSH 키 (--insecure: 가이드의 지름길)',
  'host.help.prepareHost': '하이퍼바이저',
  'host.help.prepareInsecure':
    'firewalld 중지와 SELinux permissive 전환까지 (실습 환경 전용, 엔진이 호스트를 설치하지 못할 때)',
  'host.help.add': '엔진 SSH 키로 하이퍼바이저를 클러스터에 추가하고 up 상태까지 대기',
  'host.help.addName': '엔진에 표시될 이름',
  'host.help.addAddress': '엔진이 접속할 호스트 이름 또는 주소',
  'host.help.addInstallKey': '먼저 그 머신에 엔진 SSH 키 설치 (lab.yml의 머신, SSH로)',
  'host.help.remove': '엔진에서 호스트 제거 (유지보수 모드가 아니면 계획이 먼저 전환)',
  'host.help.removeHost': '제거할 호스트',
  'host.arg.hostForm': 'hyper1 같은 호스트 이름이어야 합니다',
  'host.arg.machineForm': 'hyper1 같은 머신 이름이어야 합니다',
  'host.arg.addressForm': 'hyper3.abc.local 같은 호스트 이름이나 IP 주소여야 합니다',

  'host.shows.pinKey': '{machine}의 호스트 키를 {fingerprint}로 고정',
};
