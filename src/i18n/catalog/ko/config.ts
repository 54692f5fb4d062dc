import type { config as en } from '../en/config.js';
import type { Translation } from '../translation.js';

export const config: Translation<typeof en> = {
  'config.load.problems': '설정에 문제가 {count, plural, other {#개}} 있습니다({sources}):',
  'config.load.sourceEnvironment': '환경 변수',
  'config.load.sourceConfiguration': '설정',
  'config.load.hint':
    '나열된 문제를 모두 고친 뒤 다시 시작하십시오. 실습 환경 파일의 전체 예는 lab.example.yml에 있습니다.',
  'config.problem.line': '{path}: {problem}',
  'config.problem.topLevel': '(최상위)',
  'config.problem.withSuggestion': '{problem} — 혹시 "{nearest}"입니까?',

  'config.lang.unknown': '--lang {value}: labops가 지원하지 않는 언어입니다.',
  'config.lang.missing': '--lang 뒤에 언어를 지정하십시오.',
  'config.lang.hint': '{choices} 중 하나를 쓰십시오.',

  'config.env.botTokenAlone':
    'SLACK_APP_TOKEN이나 SLACK_SIGNING_SECRET 없이 설정되어 있습니다 — Socket Mode를 쓰려면 SLACK_APP_TOKEN을, HTTP를 쓰려면 SLACK_SIGNING_SECRET을 설정하고, 셸을 쓰려면 SLACK_BOT_TOKEN을 해제하십시오',
  'config.env.databaseUrl': 'PostgreSQL URL이어야 합니다: postgres://USER@HOST/DATABASE',
  'config.env.leaseMs': '500부터 600000까지의 밀리초 값이어야 합니다',
  'config.env.modeWord': 'socket, http, shell 중 하나여야 합니다',
  'config.env.modeSocket':
    'socket이지만 Slack 변수로는 {mode} 모드가 됩니다 — SLACK_BOT_TOKEN(xoxb-…)과 SLACK_APP_TOKEN(xapp-…)을 설정하십시오. 서비스라면 서비스의 EnvironmentFile에 설정합니다',
  'config.env.modeHttp':
    'http이지만 Slack 변수로는 {mode} 모드가 됩니다 — SLACK_BOT_TOKEN(xoxb-…)과 SLACK_SIGNING_SECRET을 설정하고, SLACK_APP_TOKEN은 해제하십시오',
  'config.env.modeShell':
    'shell이지만 Slack 변수로는 {mode} 모드가 됩니다 — SLACK_BOT_TOKEN이나 LABOPS_MODE를 해제하십시오',
  'config.env.labConfigMissing':
    '없는 파일을 가리킵니다: {path} — 경로를 고치거나, LAB_CONFIG를 해제하여 ./lab.yml 또는 시뮬레이션 실습 환경을 쓰십시오',
  'config.env.labConfigNotFile':
    '실습 환경 파일도, 실습 환경 파일의 디렉터리도 아닌 것을 가리킵니다: {path} — 경로를 고치거나, LAB_CONFIG를 해제하여 ./lab.yml 또는 시뮬레이션 실습 환경을 쓰십시오',
  'config.env.botToken': '봇 토큰(xoxb-…)이어야 합니다 — OAuth & Permissions에서 복사하십시오',
  'config.env.appToken':
    'connections:write 권한이 있는 앱 수준 토큰(xapp-…)이어야 합니다 — Basic Information에서 만드십시오',
  'config.env.port': '포트 번호여야 합니다(0이면 시스템이 고릅니다)',
  'config.env.apiUrl': 'https://slack.com/api/ 같은 http(s) URL이어야 합니다',
  'config.env.approvers': '쉼표로 구분한 Slack ID(U…, W…, S…) 목록이어야 합니다. 예: U0123ABCD,S0456EFGH',
  'config.env.logLevel': '{levels} 중 하나여야 합니다',
  'config.env.logFormat':
    'json(도구용, 한 줄에 JSON 객체 하나) 또는 pretty(터미널에서 사람이 읽는 줄)여야 합니다',
  'config.env.healthPort':
    '/healthz, /readyz, /metrics를 제공할 포트 번호(0이면 시스템이 고릅니다)이거나, 아무것도 제공하지 않으려면 off여야 합니다',
  'config.env.healthHost':
    '수신할 IP 주소여야 합니다: 127.0.0.1(이 컴퓨터만, 기본값) 또는 예를 들어 0.0.0.0(모든 인터페이스)',
  'config.env.healthPortClash':
    'Slack 요청이 들어오는 포트(PORT {port})와 같습니다 — /metrics는 공개 수신기에 있으면 안 되므로 다른 HEALTH_PORT를 고르십시오',

  'config.file.unreadable': '읽을 수 없습니다({code}) — 파일 권한을 확인하십시오',
  'config.yaml.tooLarge':
    '파일이 {size}보다 큽니다 — 실습 환경 파일은 몇 KB 정도입니다. 파일을 제대로 지정했는지 확인하십시오',
  'config.yaml.syntax': '{error} — YAML 문법을 고치십시오',
  'config.yaml.aliases': 'YAML 별칭(*name)이 너무 많습니다 — 문서가 지나치게 커지므로 값을 직접 적으십시오',
  'config.yaml.empty':
    '파일이 비어 있습니다 — 파일에 실습 환경을 기술하거나(lab.example.yml 참고), 시뮬레이션 실습 환경을 쓰려면 LAB_CONFIG를 해제하십시오',
  'config.yaml.notMapping':
    '키의 매핑(`engine:`, `hosts:`, `storage:`, …)이어야 합니다. 지금은 {actual}입니다 — lab.example.yml을 참고하십시오',

  'config.problem.unknownKeyNearest': '알 수 없는 키입니다 — 혹시 "{nearest}"입니까?',
  'config.problem.unknownKey': '알 수 없는 키입니다 — 삭제하십시오(쓸 수 있는 키: {known})',
  'config.problem.required': '필수 항목입니다',
  'config.problem.wrongType': '{expected} 형식이어야 합니다(지금은 {actual})',
  'config.problem.type':
    '{type, select, null {null} list {목록} mapping {매핑} text {텍스트} number {숫자} boolean {true/false} other {{type}}}',
  'config.problem.notAllowedKey': '허용되지 않는 키입니다',
  'config.problem.invalidValue': '값이 올바르지 않습니다',

  'config.name.type':
    '{what, select, host {호스트} export {export} storageDomain {스토리지 도메인} dataCenter {데이터 센터} cluster {클러스터} other {VM}} 이름(텍스트)이어야 합니다',
  'config.name.empty':
    '비어 있으면 안 됩니다 — {what, select, host {호스트} export {export} storageDomain {스토리지 도메인} dataCenter {데이터 센터} cluster {클러스터} other {VM}}에 이름을 지정하십시오',
  'config.name.tooLong':
    '너무 깁니다 — {what, select, host {호스트} export {export} storageDomain {스토리지 도메인} dataCenter {데이터 센터} cluster {클러스터} other {VM}} 이름은 최대 {max}자입니다',
  'config.name.chars': "영문자, 숫자, '.', '_', '-'만 쓸 수 있습니다(첫 글자는 영문자나 숫자)",
  'config.path.type': '절대 경로(텍스트)여야 합니다',
  'config.path.tooLong': '너무 깁니다 — 경로는 최대 {max}자입니다',
  'config.path.notAbsolute': '/로 시작하는 절대 경로여야 합니다',
  'config.path.dotDot': "'..'을 포함하면 안 됩니다 — 디렉터리를 직접 지정하십시오",
  'config.path.notNormalised': '정규화된 경로여야 합니다(//, /./, 끝의 / 없이) — 일반 절대 경로로 적으십시오',
  'config.path.fileType': '파일 경로(텍스트)여야 합니다',
  'config.principal.type': '주체(텍스트)여야 합니다',
  'config.principal.tooLong': '주체로 쓰기에는 너무 깁니다',
  'config.principal.format':
    'slack:U…/slack:W…(사용자), slack:S…(사용자 그룹) 또는 shell:NAME이어야 합니다 — 예: slack:U0123ABCD',
  'config.principal.list': '주체 목록이어야 합니다',
  'config.channel.type': 'Slack 채널 ID(텍스트)여야 합니다',
  'config.channel.tooLong': 'Slack 채널 ID로 쓰기에는 너무 깁니다',
  'config.channel.format':
    'C0123ABCD나 G0123ABCD 같은 Slack 채널 ID여야 합니다(#이름이 아님) — 채널 세부 정보에서 복사하십시오',
  'config.channel.list': 'Slack 채널 ID 목록이어야 합니다',
  'config.expiry.type': '분 단위 숫자여야 합니다',
  'config.expiry.whole': '분 단위 정수여야 합니다',
  'config.expiry.min': '1분 이상이어야 합니다',
  'config.expiry.max': '1440분(하루) 이하여야 합니다',
  'config.user.type': '사용자 이름(텍스트)이어야 합니다',
  'config.user.tooLong': '사용자 이름으로 쓰기에는 너무 깁니다',
  'config.user.posix': 'root 같은 POSIX 사용자 이름이어야 합니다',
  'config.user.engine': 'USER@PROFILE 형식이어야 합니다. 예: admin@internal',
  'config.port.type': '포트 번호여야 합니다',
  'config.port.whole': '포트 번호는 정수여야 합니다',
  'config.port.range': '1에서 65535 사이여야 합니다',
  'config.hostKey.type': 'SSH 키 지문(텍스트)이어야 합니다',
  'config.hostKey.tooLong': 'SSH 키 지문으로 쓰기에는 너무 깁니다',
  'config.hostKey.format':
    'SHA256: 뒤에 base64 문자 43개가 와야 합니다 — `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`로 확인하십시오',
  'config.address.type': '호스트 이름이나 IP 주소(텍스트)여야 합니다',
  'config.address.tooLong': '너무 깁니다 — 주소는 최대 253자입니다',
  'config.address.format':
    '호스트 이름(영문자, 숫자, -, .)이나 IPv4/IPv6 주소여야 합니다. 예: hyper1.abc.local',
  'config.engine.url': '엔진 URL이어야 합니다. 예: https://ovirt.abc.local/ovirt-engine',
  'config.engine.urlTooLong': 'URL로 쓰기에는 너무 깁니다',
  'config.envName.type': '환경 변수의 이름(텍스트)이어야 합니다',
  'config.envName.tooLong': '환경 변수 이름으로 쓰기에는 너무 깁니다',
  'config.envName.format':
    '환경 변수의 이름(A-Z, 0-9, _)이어야 합니다. 예: LABOPS_ENGINE_PASSWORD — 비밀번호 자체를 적으면 안 됩니다',
  'config.value.empty': '비어 있으면 안 됩니다',
  'config.value.tooLong': '너무 깁니다',
  'config.value.boolean': 'true 또는 false여야 합니다',
  'config.timeout.type': '밀리초 단위 숫자여야 합니다',
  'config.timeout.whole': '밀리초 단위 정수여야 합니다',
  'config.timeout.min': '1000ms 이상이어야 합니다',
  'config.timeout.max': '600000ms(10분) 이하여야 합니다',
  'config.number.type': '숫자여야 합니다',
  'config.number.example': '숫자여야 합니다. 예: {example}',
  'config.number.whole': '정수여야 합니다',
  'config.number.atLeast': '{min} 이상이어야 합니다',
  'config.number.atMost': '{max} 이하여야 합니다',
  'config.export.device': '/dev 아래의 블록 장치여야 합니다. 예: /dev/vdb1',
  'config.storage.roots': '절대 경로 목록이어야 합니다',
  'config.storage.rootsEmpty': '루트가 하나 이상 있어야 합니다. 예: [/export]',
  'config.storage.exports': 'export 디렉터리 목록이어야 합니다',
  'config.storage.exportsEmpty':
    "export 디렉터리가 하나 이상 있어야 합니다. 예: `'{ name: data, path: /export/data }'`",
  'config.domain.type': 'data 또는 iso여야 합니다',
  'config.domain.export': '설정된 export 디렉터리를 이름이나 경로로 지정해야 합니다',
  'config.baseline.domains': '스토리지 도메인 목록이어야 합니다',
  'config.baseline.vms': 'VM 이름 목록이어야 합니다',
  'config.hostName.type': '호스트 이름(텍스트)이어야 합니다',
  'config.hostName.tooLong': '호스트 이름으로 쓰기에는 너무 깁니다',
  'config.hostName.format': '호스트 이름이어야 합니다. 예: mirror.abc.local',
  'config.hostName.list': '호스트 이름 목록이어야 합니다',
  'config.policy.risk': '`read`, `change`, `destructive`, `critical` 중 하나여야 합니다',
  'config.policy.approversEmpty': '승인자가 한 명 이상 있어야 합니다. 예: [slack:S0123ABCD]',
  'config.policy.command': '명령이 아닙니다 — "<명령> <하위 명령>" 형식으로 쓰십시오. 예: "host maintenance"',
  'config.policy.commands': '명령별 설정의 매핑이어야 합니다',
  'config.limits.secondsType': '초 단위 숫자여야 합니다. 예: 20',
  'config.limits.secondsWhole': '초 단위 정수여야 합니다',
  'config.limits.secondsMin': '1초 이상이어야 합니다',
  'config.limits.secondsMax': '600초(10분) 이하여야 합니다',
  'config.downloads.networkType': 'CIDR 표기의 네트워크(텍스트)여야 합니다. 예: 192.168.122.0/24',
  'config.downloads.networkTooLong': '네트워크로 쓰기에는 너무 깁니다',
  'config.downloads.networks': '네트워크 목록이어야 합니다. 예: [192.168.122.0/24]',
  'config.hosts.list': '호스트 목록이어야 합니다',
  'config.hosts.empty':
    "호스트가 하나 이상 있어야 합니다. 예: `'{ name: hyper1, address: hyper1.abc.local }'`",
  'config.locale': 'ko 또는 en이어야 합니다',
  'config.events.kind':
    '이벤트 종류가 아닙니다. host_down, storage_down, vm_paused, migration_failed, transfer_paused 중 하나를 쓰세요',
  'config.events.kinds': '이벤트 종류의 목록이어야 합니다. 예: [host_down, storage_down]',
  'config.events.quietHours': '시작과 끝 두 시각이어야 합니다. 예: 22:00-07:00',
  'config.timezone': 'IANA 시간대여야 합니다. 예: Asia/Seoul',

  'config.rule.remindAfterExpiry':
    '{remind, plural, other {#}}분이지만 카드는 {expiry, plural, other {#}}분 뒤에 만료됩니다(expiry_minutes). 알림이 한 번도 가지 않습니다. 그보다 작게 설정하세요. 예: {example, plural, other {#}} (두 번째 알림은 그 두 배 뒤에 갑니다)',
  'config.rule.tooDeep': '{max}단계보다 깊게 중첩되어 있습니다 — 구조를 평평하게 바꾸십시오',
  'config.rule.secretValueEngine':
    '비밀 값으로 보입니다. 비밀 값은 환경 변수로만 받습니다 — 이 값을 지우고, 비밀번호는 engine.password_env가 가리키는 변수(기본값 LABOPS_ENGINE_PASSWORD)에 설정하십시오',
  'config.rule.secretValue':
    '비밀 값으로 보입니다. 비밀 값은 환경 변수로만 받습니다 — 파일에서 지우고 환경 변수로 전달하십시오',
  'config.rule.secretKeyEngine':
    '비밀 값은 환경 변수로만 받습니다 — 이 키를 지우고, 비밀번호는 engine.password_env가 가리키는 변수(기본값 LABOPS_ENGINE_PASSWORD)에 설정하십시오',
  'config.rule.secretKey':
    '비밀 값은 환경 변수로만 받습니다 — 파일에서 이 키를 지우고 비밀 값은 환경 변수로 전달하십시오',
  'config.rule.forbiddenKey': '금지된 키입니다(객체 프로토타입을 변조할 수 있음) — 삭제하십시오',
  'config.rule.insecureWithCa':
    'engine.ca_file과 함께 쓸 수 없습니다 — ca_file은 두고 insecure를 삭제하십시오',
  'config.rule.caRequired':
    'engine.insecure가 true가 아니면 필수입니다 — 엔진의 CA를 https://ENGINE/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA 에서 내려받으십시오',
  'config.rule.httpsRequired': 'https를 써야 합니다 — 일반 http는 engine.insecure: true일 때만 허용됩니다',
  'config.rule.duplicate':
    '{value} 값이 {first}에도 있습니다 — {what, select, machineName {머신 이름은 서로 달라야 합니다} machineAddress {머신 주소는 서로 달라야 합니다} exportName {export 이름은 서로 달라야 합니다} exportPath {export 경로는 서로 달라야 합니다} exportDevice {export 장치는 서로 달라야 합니다} domainName {스토리지 도메인 이름은 서로 달라야 합니다} domainExport {스토리지 도메인마다 export 디렉터리가 따로 있어야 합니다} baselineHost {baseline의 호스트는 서로 달라야 합니다} other {baseline의 VM은 서로 달라야 합니다}}',
  'config.rule.rootsOverlap':
    '루트 {root}와 겹칩니다(한쪽이 다른 쪽을 포함) — export 루트는 서로를 포함하면 안 됩니다',
  'config.rule.exportIsRoot':
    'export 루트 그 자체입니다 — export 디렉터리는 루트 아래에 있어야 합니다. 예: /export/data',
  'config.rule.exportOutside':
    'export 루트({roots}) 밖에 있습니다 — export 디렉터리를 루트 아래로 옮기거나, 그 루트를 storage.export_roots에 추가하십시오',
  'config.rule.exportOutsideNoRoots':
    'export 루트(없음) 밖에 있습니다 — export 디렉터리를 루트 아래로 옮기거나, 그 루트를 storage.export_roots에 추가하십시오',
  'config.rule.exportNested':
    'storage.exports[{index}].path 안에 있습니다 — 한쪽을 비우면 다른 쪽도 비워지므로 나란히 있는 디렉터리를 쓰십시오',
  'config.rule.unknownNearest':
    '알 수 없는 {what, select, host {호스트} other {export}}입니다: {value} — 혹시 "{nearest}"입니까?',
  'config.rule.unknownChoices':
    '알 수 없는 {what, select, host {호스트} other {export}}입니다: {value} — 다음 중 하나를 쓰십시오: {known}',
  'config.rule.unknownNone':
    '알 수 없는 {what, select, host {호스트} other {export}}입니다: {value} — 설정된 {what, select, host {호스트가} other {export 디렉터리가}} 없습니다',
  'config.rule.passwordMissing': '비밀 값이 없습니다: 환경 변수 {name}에 값을 설정하십시오',
  'config.rule.passwordEnvRequired':
    '실습 환경이 둘 이상이면 필수입니다 — 이 실습 환경의 변수 이름을 적으십시오. 예: TEAM1_ENGINE_PASSWORD',

  'config.labName.type': '실습 환경 이름(텍스트)이어야 합니다',
  'config.labName.format':
    '실습 환경 이름이어야 합니다: 영문 소문자로 시작하고 영문 소문자, 숫자, -만 써서 최대 32자입니다. 예: team1',
  'config.labs.channelTwice':
    '{channel} 채널이 {first}와(과) {second} 두 실습 환경의 policy.channels에 모두 있습니다. 채널 하나는 실습 환경 하나만 맡습니다 — 한쪽에서 빼십시오.',
  'config.labs.map': '실습 환경 이름마다 그 설정을 적은 매핑이어야 합니다(team1:, team2:, …)',
  'config.labs.empty':
    '실습 환경이 하나 이상 있어야 합니다. 예: engine, hosts, storage, policy를 적은 team1:',
  'config.labs.labKeyAtTop':
    '실습 환경별 설정입니다 — labs:를 쓰면 각 실습 환경 아래(labs.NAME)에 적으십시오',
  'config.labs.botKeyInLab': '모든 실습 환경에 적용되는 봇 설정입니다 — 파일의 최상위로 옮기십시오',
  'config.labs.nameInLab': '필요 없습니다 — labs: 아래의 키가 실습 환경 이름입니다',
  'config.labs.botKeyInDir':
    '모든 실습 환경에 적용되는 봇 설정입니다 — 이 디렉터리의 labops.yml로 옮기십시오',
  'config.labs.nameInDir':
    '필요 없습니다 — 파일 이름이 실습 환경 이름입니다. 이름을 바꾸려면 파일 이름을 바꾸십시오',
  'config.labs.fileName':
    '파일 이름 {name}: 실습 환경 이름으로 쓸 수 없습니다 — 영문 소문자로 시작하고 영문 소문자, 숫자, -만 쓰도록 파일 이름을 바꾸십시오. 예: team1.yml',
  'config.labs.sameName': '{first} 파일과 같은 실습 환경을 설명합니다 — 실습 환경마다 파일을 하나만 두십시오',
  'config.labs.twoBotFiles': '{first} 파일과 같은 설정 파일입니다 — 하나만 두십시오',
  'config.labs.sameAddress':
    '{value} 값이 {first}에도 있습니다 — 두 실습 환경이 주소를 공유하면 봇 하나로는 구별할 수 없습니다(같은 NAT 뒤의 실습 환경: 실습 머신마다 봇 하나)',
  'config.env.labConfigNoLabs':
    '실습 환경 파일이 없는 디렉터리를 가리킵니다: {path} — 실습 환경마다 NAME.yml 파일을 두거나(lab.multi.example.yml 참고), 실습 환경 파일을 지정하십시오',
  'config.env.simLabs': '1에서 {max} 사이의 시뮬레이션 실습 환경 수여야 합니다',

  'config.main.fetchCaNeedsFile':
    '--fetch-engine-ca를 쓰려면 CA를 저장할 위치를 engine.ca_file로 지정한 실습 환경 파일이 필요합니다.',
  'config.main.fetchCaNeedsFileHint':
    'LAB_CONFIG를 설정하거나 ./lab.yml을 만들고, 그 파일에 engine.url과 engine.ca_file을 적으십시오.',
  'config.main.oneLabOnly':
    '이 labops는 아직 실습 환경 하나만 다룹니다: 설정에 실습 환경이 {count}개 있습니다({labs}).',
  'config.main.oneLabOnlyHint':
    '지금은 실습 환경마다 봇을 하나씩 실행하십시오: 각 봇에 자기 실습 환경 파일(LAB_CONFIG)과 데이터 디렉터리(LABOPS_DATA_DIR)를 주십시오.',
  'config.main.simulatedBannerMany':
    '시뮬레이션 실습 환경 — {labs}: 내장 시뮬레이터가 각 실습 환경의 엔진과 호스트를 대신합니다. use 이름으로 실습 환경을 고르십시오.',
  'config.main.simulatedBanner': '시뮬레이션 실습 환경 — 내장 시뮬레이터가 엔진과 호스트를 대신합니다.',
  'config.main.interrupted': '{job} {command} 작업이 중단되었습니다: {error}',
  'config.main.interruptedUnknown': '작업이 실행되는 중에 labops가 멈췄습니다',
  'config.main.pending': '승인 대기: {ids}(아직 유효합니다).',
  'config.ca.publishes': '{origin}의 엔진이 게시하는 CA입니다:',
  'config.ca.subject': '  주체:        {subject}',
  'config.ca.fingerprint': '  SHA-256:     {fingerprint}',
  'config.ca.validUntil': '  유효 기한:   {date}',
  'config.ca.compare': '엔진에서 직접 비교해 보십시오: {command}',
  'config.ca.alreadyHeld': '{file}에 이미 이 CA가 있습니다. 할 일이 없습니다.',
  'config.ca.different': '{file}에 다른 CA가 있습니다. labops는 이 파일을 덮어쓰지 않습니다.',
  'config.ca.differentHint':
    '엔진을 다시 설치했다면 CA가 바뀐 이유를 확인한 뒤 기존 파일을 다른 곳으로 옮기고 다시 실행하십시오.',
  'config.ca.prompt': '이 CA를 신뢰하고 {file}에 저장하시겠습니까? [y/N] ',
  'config.ca.notTrusted': '신뢰하지 않았으므로 아무것도 저장하지 않았습니다.',
  'config.ca.needsYes': '저장하지 않았습니다: 묻지 않고 신뢰하려면 --yes를 붙이십시오.',
  'config.ca.wrote': '{file}에 저장했습니다.',
  'config.health.cannotListen': '{address}에서 상태 확인과 지표를 제공할 수 없습니다: {code}.',
  'config.health.cannotListenHint':
    '다른 프로그램이 그 포트를 쓰고 있거나 권한이 필요합니다: HEALTH_PORT를 비어 있는 포트로 바꾸거나, 아무것도 제공하지 않으려면 HEALTH_PORT=off로 설정하십시오.',
  'config.ca.unreadable': '엔진 CA 파일을 읽을 수 없습니다: {path} ({code}).',
  'config.ca.unreadableHint':
    'https://ENGINE/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA 에서 내려받은 뒤 engine.ca_file이 그 파일을 가리키게 하십시오.',
};
