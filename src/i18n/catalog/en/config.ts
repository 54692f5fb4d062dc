/**
 * The config area's messages in English: the source of the catalog (issue 16). Configuration
 * problems read `path: problem`; the problem says what is wrong and how to fix it.
 */
export const config = {
  // The report of a configuration that does not load (src/config.ts).
  'config.load.problems':
    'Configuration has {count, plural, one {# problem} other {# problems}} in {sources}:',
  'config.load.sourceEnvironment': 'the environment',
  'config.load.sourceConfiguration': 'the configuration',
  'config.load.hint':
    'Fix every problem listed, then start again; lab.example.yml shows a complete lab file.',
  'config.problem.line': '{path}: {problem}',
  'config.problem.topLevel': '(top level)',
  'config.problem.withSuggestion': '{problem} — did you mean "{nearest}"?',

  // The shell's language (--lang).
  'config.lang.unknown': '--lang {value} is not a language labops speaks.',
  'config.lang.missing': '--lang needs a language.',
  'config.lang.hint': 'Use {choices}.',

  // The environment.
  'config.env.botTokenAlone':
    'is set without SLACK_APP_TOKEN or SLACK_SIGNING_SECRET — set SLACK_APP_TOKEN for Socket Mode or SLACK_SIGNING_SECRET for HTTP, or unset SLACK_BOT_TOKEN for the shell',
  'config.env.databaseUrl': 'must be a PostgreSQL URL: postgres://USER@HOST/DATABASE',
  'config.env.leaseMs': 'must be a number of milliseconds from 500 to 600000',
  'config.env.modeWord': 'must be socket, http or shell',
  'config.env.modeSocket':
    'is socket, but the Slack variables choose {mode} — set SLACK_BOT_TOKEN (xoxb-…) and SLACK_APP_TOKEN (xapp-…), in the service’s EnvironmentFile for a service',
  'config.env.modeHttp':
    'is http, but the Slack variables choose {mode} — set SLACK_BOT_TOKEN (xoxb-…) and SLACK_SIGNING_SECRET, and no SLACK_APP_TOKEN',
  'config.env.modeShell':
    'is shell, but the Slack variables choose {mode} — unset SLACK_BOT_TOKEN, or LABOPS_MODE',
  'config.env.labConfigMissing':
    'names a file that does not exist: {path} — fix the path, or unset LAB_CONFIG to use ./lab.yml or the simulated lab',
  'config.env.labConfigNotFile':
    'names neither a lab file nor a directory of lab files: {path} — fix the path, or unset LAB_CONFIG to use ./lab.yml or the simulated lab',
  'config.env.botToken': 'must be a bot token (xoxb-…) — copy it from OAuth & Permissions',
  'config.env.appToken':
    'must be an app-level token (xapp-…) with connections:write — create it under Basic Information',
  'config.env.port': 'must be a port number (0 lets the system choose)',
  'config.env.apiUrl': 'must be an http(s) URL such as https://slack.com/api/',
  'config.env.approvers': 'must list Slack ids (U…, W… or S…) separated by commas, e.g. U0123ABCD,S0456EFGH',
  'config.env.logLevel': 'must be one of {levels}',
  'config.env.logFormat':
    'must be json (one JSON object a line, for tools) or pretty (lines for people at a terminal)',
  'config.env.healthPort':
    'must be a port number for /healthz, /readyz and /metrics (0 lets the system choose), or off to serve none',
  'config.env.healthHost':
    'must be an IP address to listen on: 127.0.0.1 (this machine only, the default) or e.g. 0.0.0.0 (every interface)',
  'config.env.healthPortClash':
    "is the port Slack's requests arrive on (PORT {port}) — /metrics must stay off the public receiver: choose another HEALTH_PORT",

  // Reading lab.yml (src/config/lab-yaml.ts).
  'config.file.unreadable': 'cannot be read ({code}) — check its permissions',
  'config.yaml.tooLarge':
    'the file is larger than {size} — a lab file is a few kilobytes; check you named the right file',
  'config.yaml.syntax': '{error} — fix the YAML syntax',
  'config.yaml.aliases':
    'too many YAML aliases (*name) — the document would expand enormously; write the values out instead',
  'config.yaml.empty':
    'the file is empty — describe the lab in it (see lab.example.yml), or unset LAB_CONFIG for the simulated lab',
  'config.yaml.notMapping':
    'must be a mapping of keys (engine:, hosts:, storage:, …), not {actual} — see lab.example.yml',

  // Problems the schema finds (src/config/problems.ts).
  'config.problem.unknownKeyNearest': 'unknown key — did you mean "{nearest}"?',
  'config.problem.unknownKey': 'unknown key — remove it (known keys: {known})',
  'config.problem.required': 'is required',
  'config.problem.wrongType': 'must be {expected}, not {actual}',
  'config.problem.type':
    '{type, select, null {null} list {a list} mapping {a mapping} text {text} number {a number} boolean {a boolean} other {a {type}}}',
  'config.problem.notAllowedKey': 'is not an allowed key',
  'config.problem.invalidValue': 'has an invalid value',

  // The schema's own words for its fields (src/config/lab-schema.ts, env-schema.ts).
  'config.name.type':
    'must be a {what, select, host {host} export {export} storageDomain {storage domain} dataCenter {data center} cluster {cluster} other {VM}} name (text)',
  'config.name.empty':
    'must not be empty — give the {what, select, host {host} export {export} storageDomain {storage domain} dataCenter {data center} cluster {cluster} other {VM}} a name',
  'config.name.tooLong':
    'is too long — a {what, select, host {host} export {export} storageDomain {storage domain} dataCenter {data center} cluster {cluster} other {VM}} name has at most {max} characters',
  'config.name.chars': "may only contain letters, digits, '.', '_' and '-' (starting with a letter or digit)",
  'config.path.type': 'must be an absolute path (text)',
  'config.path.tooLong': 'is too long — a path has at most {max} characters',
  'config.path.notAbsolute': 'must be an absolute path starting with /',
  'config.path.dotDot': "must not contain '..' — name the directory directly",
  'config.path.notNormalised':
    'must be normalised (no //, /./ or trailing /) — write it as a plain absolute path',
  'config.path.fileType': 'must be a file path (text)',
  'config.principal.type': 'must be a principal (text)',
  'config.principal.tooLong': 'is too long for a principal',
  'config.principal.format':
    'must be slack:U…/slack:W… (a user), slack:S… (a user group) or shell:NAME — e.g. slack:U0123ABCD',
  'config.principal.list': 'must be a list of principals',
  'config.channel.type': 'must be a Slack channel id (text)',
  'config.channel.tooLong': 'is too long for a Slack channel id',
  'config.channel.format':
    'must be a Slack channel id such as C0123ABCD or G0123ABCD (not the #name) — copy it from the channel details',
  'config.channel.list': 'must be a list of Slack channel ids',
  'config.expiry.type': 'must be a number of minutes',
  'config.expiry.whole': 'must be a whole number of minutes',
  'config.expiry.min': 'must be at least 1 minute',
  'config.expiry.max': 'must be at most 1440 minutes (one day)',
  'config.user.type': 'must be a user name (text)',
  'config.user.tooLong': 'is too long for a user name',
  'config.user.posix': 'must be a POSIX user name such as root',
  'config.user.engine': 'must be USER@PROFILE, e.g. admin@internal',
  'config.port.type': 'must be a port number',
  'config.port.whole': 'must be a whole port number',
  'config.port.range': 'must be between 1 and 65535',
  'config.hostKey.type': 'must be an SSH key fingerprint (text)',
  'config.hostKey.tooLong': 'is too long for an SSH key fingerprint',
  'config.hostKey.format':
    'must be SHA256: followed by 43 base64 characters — print it with `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub`',
  'config.address.type': 'must be a host name or an IP address (text)',
  'config.address.tooLong': 'is too long — an address has at most 253 characters',
  'config.address.format':
    'must be a host name (letters, digits, -, .) or an IPv4/IPv6 address, e.g. hyper1.abc.local',
  'config.engine.url': 'must be the engine URL, e.g. https://ovirt.abc.local/ovirt-engine',
  'config.engine.urlTooLong': 'is too long for a URL',
  'config.envName.type': 'must be the NAME of an environment variable (text)',
  'config.envName.tooLong': 'is too long for an environment variable name',
  'config.envName.format':
    'must be the NAME of an environment variable (A-Z, 0-9, _), e.g. LABOPS_ENGINE_PASSWORD — not the password',
  'config.value.empty': 'must not be empty',
  'config.value.tooLong': 'is too long',
  'config.value.boolean': 'must be true or false',
  'config.timeout.type': 'must be a number of milliseconds',
  'config.timeout.whole': 'must be a whole number of milliseconds',
  'config.timeout.min': 'must be at least 1000 ms',
  'config.timeout.max': 'must be at most 600000 ms (10 minutes)',
  'config.number.type': 'must be a number',
  'config.number.example': 'must be a number, e.g. {example}',
  'config.number.whole': 'must be a whole number',
  'config.number.atLeast': 'must be at least {min}',
  'config.number.atMost': 'must be at most {max}',
  'config.export.device': 'must be a block device under /dev, e.g. /dev/vdb1',
  'config.storage.roots': 'must be a list of absolute paths',
  'config.storage.rootsEmpty': 'needs at least one root, e.g. [/export]',
  'config.storage.exports': 'must be a list of exports',
  'config.storage.exportsEmpty': "needs at least one export, e.g. '{ name: data, path: /export/data }'",
  'config.domain.type': 'must be data or iso',
  'config.domain.export': 'must name a configured export (its name or path)',
  'config.baseline.domains': 'must be a list of storage domains',
  'config.baseline.vms': 'must be a list of VM names',
  'config.hostName.type': 'must be a host name (text)',
  'config.hostName.tooLong': 'is too long for a host name',
  'config.hostName.format': 'must be a host name, e.g. mirror.abc.local',
  'config.hostName.list': 'must be a list of host names',
  'config.policy.risk': 'must be read, change, destructive or critical',
  'config.policy.approversEmpty': 'needs at least one approver, e.g. [slack:S0123ABCD]',
  'config.policy.command': 'is not a command — use "<command> <sub-command>", e.g. "host maintenance"',
  'config.policy.commands': 'must be a map of command to overrides',
  'config.limits.secondsType': 'must be a number of seconds, e.g. 20',
  'config.limits.secondsWhole': 'must be a whole number of seconds',
  'config.limits.secondsMin': 'must be at least 1 second',
  'config.limits.secondsMax': 'must be at most 600 seconds (10 minutes)',
  'config.downloads.networkType': 'must be a network in CIDR notation (text), e.g. 192.168.122.0/24',
  'config.downloads.networkTooLong': 'is too long for a network',
  'config.downloads.networks': 'must be a list of networks, e.g. [192.168.122.0/24]',
  'config.hosts.list': 'must be a list of hosts',
  'config.hosts.empty': "needs at least one host, e.g. '{ name: hyper1, address: hyper1.abc.local }'",
  'config.locale': 'must be ko or en',
  'config.events.kind':
    'is not an event kind — use host_down, storage_down, vm_paused, migration_failed or transfer_paused',
  'config.events.kinds': 'must be a list of event kinds, e.g. [host_down, storage_down]',
  'config.events.quietHours': 'must be two times of day, start and end, e.g. 22:00-07:00',
  'config.timezone': 'must be an IANA time zone, e.g. Asia/Seoul',

  // The cross-field rules (src/config/lab-rules.ts).
  'config.rule.remindAfterExpiry':
    'is {remind, plural, one {# minute} other {# minutes}}, but a card expires after {expiry, plural, one {# minute} other {# minutes}} (expiry_minutes): no reminder would ever be sent — set it below, e.g. {example, plural, other {#}} (the second reminder comes twice as late)',
  'config.rule.tooDeep': 'is nested more than {max} levels deep — flatten it',
  'config.rule.secretValueEngine':
    'looks like a secret; secrets only come from the environment — remove it and set the password in the variable named by engine.password_env (LABOPS_ENGINE_PASSWORD by default)',
  'config.rule.secretValue':
    'looks like a secret; secrets only come from the environment — remove it from the file and pass the secret as an environment variable',
  'config.rule.secretKeyEngine':
    'secrets only come from the environment — remove it and set the password in the variable named by engine.password_env (LABOPS_ENGINE_PASSWORD by default)',
  'config.rule.secretKey':
    'secrets only come from the environment — remove it from the file and pass the secret as an environment variable',
  'config.rule.forbiddenKey': 'forbidden key (it could tamper with object prototypes) — remove it',
  'config.rule.insecureWithCa': 'cannot be combined with engine.ca_file — keep ca_file and remove insecure',
  'config.rule.caRequired':
    "is required unless engine.insecure is true — download the engine's CA from https://ENGINE/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA",
  'config.rule.httpsRequired': 'must use https — plain http is only allowed with engine.insecure: true',
  'config.rule.duplicate':
    '{value} is also {first} — {what, select, machineName {machine names must be unique} machineAddress {machine addresses must be unique} exportName {export names must be unique} exportPath {export paths must be unique} exportDevice {export devices must be unique} domainName {storage domain names must be unique} domainExport {storage domains need an export each; their exports must be unique} baselineHost {baseline hosts must be unique} other {baseline VMs must be unique}}',
  'config.rule.rootsOverlap': 'overlaps the root {root} — export roots must not contain each other',
  'config.rule.exportIsRoot':
    'is an export root itself — an export must lie below its root, e.g. /export/data',
  'config.rule.exportOutside':
    'is outside the export roots ({roots}) — move the export under a root or add its root to storage.export_roots',
  'config.rule.exportOutsideNoRoots':
    'is outside the export roots (none) — move the export under a root or add its root to storage.export_roots',
  'config.rule.exportNested':
    'lies inside storage.exports[{index}].path — cleaning one export would empty the other; use sibling directories',
  'config.rule.unknownNearest':
    'unknown {what, select, host {host} other {export}} {value} — did you mean "{nearest}"?',
  'config.rule.unknownChoices':
    'unknown {what, select, host {host} other {export}} {value} — use one of: {known}',
  'config.rule.unknownNone':
    'unknown {what, select, host {host} other {export}} {value} — use one of: ({what, select, host {no hosts configured} other {no exports configured}})',
  'config.rule.passwordMissing': 'missing secret: set {name} in the environment',
  'config.rule.passwordEnvRequired':
    'is required with more than one lab — name this lab’s own variable, e.g. TEAM1_ENGINE_PASSWORD',

  // Several labs (issue 13 §1): a file's labs:, or a directory of lab files (src/config/lab-files.ts).
  'config.labName.type': 'must be a lab’s name (text)',
  'config.labName.format':
    'must be a lab’s name: lower-case letters, digits and -, starting with a letter, at most 32 characters, e.g. team1',
  'config.labs.channelTwice':
    'Channel {channel} is in the policy.channels of both {first} and {second}: a channel answers for one lab — keep it in one of them.',
  'config.labs.map': 'must be a map from each lab’s name to its settings (team1:, team2:, …)',
  'config.labs.empty': 'needs at least one lab, e.g. team1: with its engine, hosts, storage and policy',
  'config.labs.labKeyAtTop': 'is a lab’s setting — with labs:, it goes under each lab (labs.NAME)',
  'config.labs.botKeyInLab': 'is the bot’s setting, for every lab — move it to the top of the file',
  'config.labs.nameInLab': 'is not needed — the key under labs: is the lab’s name',
  'config.labs.botKeyInDir': 'is the bot’s setting, for every lab — move it to labops.yml in this directory',
  'config.labs.nameInDir': 'is not needed — the file’s name is the lab’s name; rename the file to change it',
  'config.labs.fileName':
    '{name} is not a lab’s name — rename the file: lower-case letters, digits and -, starting with a letter, e.g. team1.yml',
  'config.labs.sameName': 'describes the same lab as {first} — keep one file per lab',
  'config.labs.twoBotFiles': 'repeats {first} — keep one of them',
  'config.labs.sameAddress':
    '{value} is also {first} — two labs cannot share an address, one bot could not tell them apart (labs behind identical NAT: one bot per lab machine)',
  'config.env.labConfigNoLabs':
    'names a directory with no lab file in it: {path} — put one NAME.yml per lab there (see lab.multi.example.yml), or name a lab file',
  'config.env.simLabs': 'must be a number of simulated labs from 1 to {max}',

  // What main prints (src/main.ts) and the engine's CA at set-up (src/setup.ts, src/lab.ts).
  'config.main.fetchCaNeedsFile':
    '--fetch-engine-ca needs a lab file whose engine.ca_file says where to write the CA.',
  'config.main.fetchCaNeedsFileHint':
    'Set LAB_CONFIG (or create ./lab.yml) with engine.url and engine.ca_file.',
  'config.main.oneLabOnly': 'This labops serves one lab yet: the configuration holds {count} labs ({labs}).',
  'config.main.oneLabOnlyHint':
    'Run one bot per lab for now: give each its own lab file (LAB_CONFIG) and data directory (LABOPS_DATA_DIR).',
  'config.main.simulatedBannerMany':
    'SIMULATED LABS — {labs}: built-in simulators stand in for each lab’s engine and hosts. Choose one with: use NAME',
  'config.main.simulatedBanner':
    'SIMULATED LAB — a built-in simulator stands in for the engine and the hosts.',
  'config.main.interrupted': '{job} {command} was interrupted: {error}',
  'config.main.interruptedUnknown': 'labops stopped while it ran',
  'config.main.pending': 'Pending approvals: {ids} (still valid).',
  'config.ca.publishes': 'The engine at {origin} publishes this CA:',
  'config.ca.subject': '  subject:     {subject}',
  'config.ca.fingerprint': '  SHA-256:     {fingerprint}',
  'config.ca.validUntil': '  valid until: {date}',
  'config.ca.compare': 'Compare it on the engine: {command}',
  'config.ca.alreadyHeld': '{file} already holds this CA; nothing to do.',
  'config.ca.different': '{file} holds a different CA; labops will not overwrite it.',
  'config.ca.differentHint':
    'If the engine was reinstalled, move the old file aside after checking why the CA changed, then run this again.',
  'config.ca.prompt': 'Trust it and write {file}? [y/N] ',
  'config.ca.notTrusted': 'Not trusted; nothing written.',
  'config.ca.needsYes': 'Not written: add --yes to trust it without a prompt.',
  'config.ca.wrote': 'Wrote {file}.',
  'config.health.cannotListen': 'Cannot serve health and metrics on {address}: {code}.',
  'config.health.cannotListenHint':
    'Another program holds the port (or it needs privileges): set HEALTH_PORT to a free port, or HEALTH_PORT=off to serve none.',
  'config.ca.unreadable': 'Cannot read the engine CA file {path}: {code}.',
  'config.ca.unreadableHint':
    'Download it from https://ENGINE/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA and point engine.ca_file at it.',
} as const;
