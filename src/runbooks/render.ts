import { isIP } from 'node:net';
import { posix } from 'node:path';
import { LabopsError } from '../errors.js';
import { msg, type Text, verbatim } from '../i18n/text.js';
import {
  parsePublicKey,
  quoteArg,
  sh,
  validateAbsolutePath,
  validateAddress,
  validateFileName,
  validateHostName,
  validateId,
  validateIp,
  validateLine,
  validateMode,
  validateServiceName,
  validateSha256,
  validateUrl,
} from '../ssh/quote.js';
import type { RunbookCheck, RunbookStep } from './types.js';

/**
 * Runbook steps as shell: the command lines approvers see (`renderStep`), and the scripts the SSH
 * driver runs to check a step or answer a check. Every value goes through a validator and the
 * `sh` quoting template (ssh-harness.md, "Building remote command lines"); bulk data (a key)
 * travels on stdin as the file `$LABOPS_DATA`.
 */

/** A script for the SSH runner, with the data it reads as `$LABOPS_DATA`. */
export interface RemoteScript {
  script: string;
  stdin?: string | undefined;
}

/**
 * Exit codes of a check script: 0 satisfied, 1 not satisfied (the step applies), 3 cannot be
 * applied as things are (its output says why). Anything else is a failure of the check itself.
 */
export const CHECK_SATISFIED = 0;
export const CHECK_NOT_SATISFIED = 1;
export const CHECK_BLOCKED = 3;

const octal = (mode: number): string => mode.toString(8);
/** GNU chmod keeps a directory's setgid unless the numeric mode has five digits (`00755`). */
const chmodMode = (mode: number): string => `0${mode.toString(8).padStart(4, '0')}`;
const fullMode = (mode: number, setgid: boolean | undefined): number => (setgid ? mode | 0o2000 : mode);

/**
 * How a download step says why it failed (issue 10 §3): its script prints `labops: download
 * failed: ` and one of these printf formats; the simulated driver prints the same line.
 */
export const DOWNLOAD_FAILED = 'labops: download failed: ';
export const DOWNLOAD_STOPPED = 'it was stopped before it ended';
export const DOWNLOAD_NOT_WRITTEN = 'the file could not be written';
export const DOWNLOAD_TOO_BIG = 'the source sent more than the %s bytes the plan checked';
export const DOWNLOAD_WRONG_SIZE = 'the source sent %s bytes, not the %s the plan checked';
export const DOWNLOAD_NOT_ISO = 'it is not an ISO 9660 image (no CD001 at byte 32769)';
export const DOWNLOAD_WRONG_SHA256 = 'its sha256 is %s, not the %s given';

/** A failure line as the script prints it: `DOWNLOAD_FAILED` + the format with its values. */
export function formatDownloadFailure(format: string, ...values: (string | number)[]): string {
  let next = 0;
  return `${DOWNLOAD_FAILED}${format.replace(/%s/g, () => String(values[next++] ?? ''))}`;
}

/**
 * Why a download failed, read back from the line its script (or the simulated driver) printed:
 * the script prints English on the machine; the reader gets the catalog's sentence. A line of
 * another shape is shown as it is.
 */
export function describeDownloadFailure(line: string): Text {
  const said = line.startsWith(DOWNLOAD_FAILED) ? line.slice(DOWNLOAD_FAILED.length) : line;
  const read = (format: string): string[] | undefined => {
    const pattern = format
      .split('%s')
      .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('(\\S+)');
    return new RegExp(`^${pattern}$`).exec(said)?.slice(1);
  };
  if (said === DOWNLOAD_STOPPED) return msg('ssh.download.failure.stopped');
  if (said === DOWNLOAD_NOT_WRITTEN) return msg('ssh.download.failure.notWritten');
  if (said === DOWNLOAD_NOT_ISO) return msg('ssh.download.failure.notIso');
  const tooBig = read(DOWNLOAD_TOO_BIG);
  if (tooBig) return msg('ssh.download.failure.tooBig', { size: tooBig[0] ?? '' });
  const wrongSize = read(DOWNLOAD_WRONG_SIZE);
  if (wrongSize)
    return msg('ssh.download.failure.wrongSize', { sent: wrongSize[0] ?? '', size: wrongSize[1] ?? '' });
  const wrongSum = read(DOWNLOAD_WRONG_SHA256);
  if (wrongSum) {
    return msg('ssh.download.failure.wrongSha256', {
      actual: verbatim(wrongSum[0] ?? ''),
      expected: verbatim(wrongSum[1] ?? ''),
    });
  }
  return verbatim(said);
}

/** What a download's curl wrote (at most one byte more than the plan's size), as its checks see it. */
export interface DownloadedBytes {
  size: number;
  /** Bytes 32769 to 32773 (where an ISO 9660 image says `CD001`). */
  signature: string;
  sha256: string;
}

/**
 * The failure line of a download's checks, in the script's order, or undefined when the bytes
 * pass: what the simulated driver prints where the script would.
 */
export function judgeDownload(
  step: Extract<RunbookStep, { type: 'download' }>,
  got: DownloadedBytes,
): string | undefined {
  if (got.size > step.sizeBytes) return formatDownloadFailure(DOWNLOAD_TOO_BIG, step.sizeBytes);
  if (got.size !== step.sizeBytes)
    return formatDownloadFailure(DOWNLOAD_WRONG_SIZE, got.size, step.sizeBytes);
  if (step.iso9660 && got.signature !== 'CD001') return formatDownloadFailure(DOWNLOAD_NOT_ISO);
  if (step.sha256 !== undefined && got.sha256 !== step.sha256) {
    return formatDownloadFailure(DOWNLOAD_WRONG_SHA256, got.sha256, step.sha256);
  }
  return undefined;
}

/** The URL's host as curl and connections see it: an IPv6 literal without its brackets. */
function hostOfUrl(url: URL): string {
  return url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
}

/**
 * The curl of a download step: fails on HTTP errors, http(s) only, no redirects (no `-L`), within
 * `maxSeconds`, connecting to the checked address for a host name (`--resolve HOST:PORT:ADDRESS`).
 */
function renderCurl(step: Extract<RunbookStep, { type: 'download' }>): string {
  const url = new URL(step.url);
  const host = hostOfUrl(url);
  const port = Number(url.port || (url.protocol === 'https:' ? 443 : 80));
  const base = sh`curl -sS --fail --proto =http,https --max-time ${step.maxSeconds}`;
  const resolve = isIP(host) === 0 ? sh` --resolve ${`${host}:${port}:${step.address}`}` : '';
  return `${base}${resolve}${sh` --url ${step.url}`}`;
}

/** The hidden name a download is written to before its rename (`.NAME` beside `NAME`). */
export function getDownloadTempPath(path: string): string {
  return posix.join(posix.dirname(path), `.${posix.basename(path)}`);
}

/** Throws USAGE naming the first value of the step that fails its validator. */
export function validateStep(step: RunbookStep): void {
  switch (step.type) {
    case 'ensure-dir':
      validateAbsolutePath(msg('ssh.what.directory'), step.path);
      validateId(msg('ssh.what.owner'), step.owner);
      validateId(msg('ssh.what.group'), step.group);
      validateMode(msg('ssh.what.mode'), step.mode);
      return;
    case 'ensure-owner-recursive':
      validateAbsolutePath(msg('ssh.what.directory'), step.path);
      validateId(msg('ssh.what.owner'), step.owner);
      validateId(msg('ssh.what.group'), step.group);
      if (step.path === '/') throw new LabopsError('USAGE', msg('ssh.step.rootOwner'));
      return;
    case 'empty-dir':
      validateAbsolutePath(msg('ssh.what.dirToEmpty'), step.path);
      if (step.path.split('/').length < 3) {
        throw new LabopsError('USAGE', msg('ssh.step.notAnExport', { path: step.path }));
      }
      for (const entry of step.entries) validateFileName(msg('ssh.what.entryToRemove'), entry);
      return;
    case 'ensure-line':
      validateAbsolutePath(msg('ssh.what.file'), step.path);
      validateLine(msg('ssh.what.line'), step.line);
      return;
    case 'reload-exports':
      validateAbsolutePath(msg('ssh.what.exportsFile'), step.exportsFile);
      return;
    case 'ensure-service':
    case 'stop-service':
    case 'allow-firewall-service':
      validateServiceName(msg('ssh.what.service'), step.service);
      return;
    case 'selinux-permissive':
      return;
    case 'install-key':
      validateAbsolutePath(msg('ssh.what.authorizedKeys'), step.path);
      parsePublicKey(msg('ssh.what.publicKey'), step.key);
      return;
    case 'download': {
      const url = new URL(validateUrl(msg('ssh.what.url'), step.url));
      validateIp(msg('ssh.what.address'), step.address);
      const host = hostOfUrl(url);
      if (isIP(host) !== 0 && host !== step.address) {
        throw new LabopsError('USAGE', msg('ssh.step.addressNotOfUrl', { address: step.address, host }));
      }
      if (isIP(host) === 0) validateHostName(msg('ssh.what.urlHost'), host);
      if (!Number.isSafeInteger(step.sizeBytes) || step.sizeBytes <= 0) {
        throw new LabopsError('USAGE', msg('ssh.step.badSize', { size: step.sizeBytes }));
      }
      if (!Number.isSafeInteger(step.maxSeconds) || step.maxSeconds <= 0) {
        throw new LabopsError('USAGE', msg('ssh.step.badTimeLimit', { seconds: step.maxSeconds }));
      }
      validateAbsolutePath(msg('ssh.what.downloadPath'), step.path);
      const name = validateFileName(msg('ssh.what.fileName'), posix.basename(step.path));
      if (name.startsWith('.'))
        throw new LabopsError('USAGE', msg('ssh.step.dotName', { what: msg('ssh.what.fileName'), name }));
      if (step.sha256 !== undefined) validateSha256(msg('ssh.what.checksum'), step.sha256);
      if (step.owner !== undefined) validateId(msg('ssh.what.owner'), step.owner);
      if (step.group !== undefined) validateId(msg('ssh.what.group'), step.group);
      if (step.mode !== undefined) validateMode(msg('ssh.what.mode'), step.mode);
      return;
    }
    case 'remove-file': {
      validateAbsolutePath(msg('ssh.what.fileToRemove'), step.path);
      validateFileName(msg('ssh.what.fileName'), posix.basename(step.path));
      if (step.path.split('/').length < 4) {
        throw new LabopsError('USAGE', msg('ssh.step.notBelowExport', { path: step.path }));
      }
      return;
    }
    case 'check-mount':
      validateAbsolutePath(msg('ssh.what.mountPoint'), step.path);
      if (!Number.isSafeInteger(step.minFreeBytes) || step.minFreeBytes < 0) {
        throw new LabopsError('USAGE', msg('ssh.step.badFreeSpace', { size: step.minFreeBytes }));
      }
      return;
  }
}

/** Throws USAGE naming the first value of the check that fails its validator. */
export function validateCheck(check: RunbookCheck): void {
  switch (check.type) {
    case 'dir-empty':
    case 'export-active':
    case 'no-misnamed-keys-file':
    case 'no-sh-rsa-line':
      validateAbsolutePath(msg('ssh.what.path'), check.path);
      return;
    case 'owner-mode':
      validateAbsolutePath(msg('ssh.what.path'), check.path);
      validateId(msg('ssh.what.owner'), check.owner);
      validateId(msg('ssh.what.group'), check.group);
      if (check.mode !== undefined) validateMode(msg('ssh.what.mode'), check.mode);
      return;
    case 'mounted':
      validateAbsolutePath(msg('ssh.what.mountPoint'), check.path);
      return;
    case 'service-active':
    case 'firewall-allows':
      validateServiceName(msg('ssh.what.service'), check.service);
      return;
    case 'hosts-entry':
      validateAbsolutePath(msg('ssh.what.hostsFile'), check.path);
      validateAddress(msg('ssh.what.address'), check.address);
      for (const name of check.names) validateHostName(msg('ssh.what.hostName'), name);
      return;
    case 'key-present':
      validateAbsolutePath(msg('ssh.what.authorizedKeys'), check.path);
      parsePublicKey(msg('ssh.what.publicKey'), check.key);
      return;
    case 'resolves':
      validateHostName(msg('ssh.what.name'), check.name);
      if (check.address !== undefined) validateAddress(msg('ssh.what.address'), check.address);
      return;
  }
}

/**
 * The exact command lines of a step, as approvers see them in the plan and as the SSH driver runs
 * them (joined, under `set -e`) when its check says something must change. A step that only
 * checks (`check-mount`) renders its check. Data sent on stdin is shown as a comment line first.
 */
export function renderStep(step: RunbookStep): string[] {
  validateStep(step);
  switch (step.type) {
    case 'ensure-dir':
      return [
        sh`mkdir -p -- ${step.path}`,
        sh`chown ${step.owner}:${step.group} -- ${step.path}`,
        `chmod ${chmodMode(fullMode(step.mode, step.setgid))} -- ${quoteArg(step.path)}`,
      ];
    case 'ensure-owner-recursive': {
      const lines = [sh`chown -R ${step.owner}:${step.group} -- ${step.path}`];
      if (step.setgidDirs) lines.push(sh`find ${step.path} -type d ! -perm -2000 -exec chmod g+s -- {} +`);
      return lines;
    }
    case 'empty-dir':
      // Nothing planned, nothing to run: the check alone decides (an entry that appeared fails it).
      return step.entries.length === 0
        ? []
        : [sh`rm -rf -- ${step.entries.map((entry) => posix.join(step.path, entry))}`];
    case 'ensure-line':
      return [
        appendNewlineIfMissing(step.path),
        sh`grep -qxF -e ${step.line} -- ${step.path} 2>/dev/null || printf '%s\n' ${step.line} >>${step.path}`,
      ];
    case 'reload-exports':
      return ['exportfs -arv'];
    case 'ensure-service':
      return [sh`systemctl enable --now -- ${step.service}`];
    case 'stop-service':
      return [sh`systemctl stop -- ${step.service}`];
    case 'allow-firewall-service':
      return [sh`firewall-cmd --permanent --add-service=${step.service}`, 'firewall-cmd --reload'];
    case 'selinux-permissive':
      return ['setenforce 0'];
    case 'install-key': {
      const key = parsePublicKey(msg('ssh.what.publicKey'), step.key);
      const dir = posix.dirname(step.path);
      return [
        `# stdin ($LABOPS_DATA): ${key.line}`,
        sh`mkdir -p -m 0700 -- ${dir}`,
        sh`chmod 0700 -- ${dir}`,
        sh`touch -- ${step.path}`,
        sh`chmod 0600 -- ${step.path}`,
        `${keyPresentAwk(step.path)} || { ${appendNewlineIfMissing(step.path)}; ${sh`cat -- "$LABOPS_DATA" >>${step.path}`}; }`,
      ];
    }
    case 'download': {
      // POSIX sh (dash here, bash on CentOS 7): no pipefail, so the checks after curl judge the result.
      const size = step.sizeBytes;
      const lines = [
        sh`t=${getDownloadTempPath(step.path)}`,
        `trap 'rm -f -- "$t"' EXIT`,
        `fail() { printf '${DOWNLOAD_FAILED}'; printf "$@"; printf '\\n'; exit 1; }`,
        `trap 'fail "${DOWNLOAD_STOPPED}"' HUP INT TERM`,
        `${renderCurl(step)} | head -c ${size + 1} >"$t" || fail ${quoteArg(DOWNLOAD_NOT_WRITTEN)}`,
        `n=$(stat -c %s -- "$t")`,
        `[ "$n" -le ${size} ] || fail ${quoteArg(DOWNLOAD_TOO_BIG)} ${size}`,
        `[ "$n" -eq ${size} ] || fail ${quoteArg(DOWNLOAD_WRONG_SIZE)} "$n" ${size}`,
      ];
      if (step.iso9660) {
        lines.push(
          `[ "$(dd if="$t" bs=1 skip=32769 count=5 2>/dev/null)" = CD001 ] || fail ${quoteArg(DOWNLOAD_NOT_ISO)}`,
        );
      }
      lines.push('h=$(sha256sum <"$t")', sh`h=\${h%% *}`);
      if (step.sha256 !== undefined) {
        lines.push(sh`[ "$h" = ${step.sha256} ] || fail ${DOWNLOAD_WRONG_SHA256} "$h" ${step.sha256}`);
      }
      lines.push(`printf 'sha256 %s\\n' "$h"`);
      if (step.owner !== undefined || step.group !== undefined) {
        lines.push(`chown ${step.owner ?? ''}:${step.group ?? ''} -- "$t"`);
      }
      if (step.mode !== undefined) lines.push(`chmod ${chmodMode(step.mode)} -- "$t"`);
      lines.push(sh`mv -f -- "$t" ${step.path}`);
      return lines;
    }
    case 'remove-file':
      return [sh`rm -f -- ${step.path}`];
    case 'check-mount':
      return mountScript(step.path, step.minFreeBytes);
  }
}

/** The script whose exit code says whether the step has anything to do (see CHECK_*). */
export function renderStepCheck(step: RunbookStep): RemoteScript {
  validateStep(step);
  switch (step.type) {
    case 'ensure-dir':
      return {
        script: statScript(
          step.path,
          '%F %u:%g:%a',
          `directory ${step.owner}:${step.group}:${octal(fullMode(step.mode, step.setgid))}`,
        ),
      };
    case 'ensure-owner-recursive':
      return { script: ownerRecursiveScript(step.path, step.owner, step.group, step.setgidDirs) };
    case 'empty-dir':
      return { script: listEntriesScript(step.path) };
    case 'ensure-line':
      return {
        script: [
          sh`if test -f ${step.path} && grep -qxF -e ${step.line} -- ${step.path}; then`,
          sh`  printf '%s has the line\n' ${step.path}; exit 0`,
          'fi',
          sh`printf '%s lacks the line %s\n' ${step.path} ${step.line}; exit 1`,
        ].join('\n'),
      };
    case 'reload-exports':
      return { script: exportsActiveScript(step.exportsFile) };
    case 'ensure-service':
      return {
        script: [...serviceStateLines(step.service), '[ "$e" = enabled ] && [ "$a" = active ]'].join('\n'),
      };
    case 'stop-service':
      return { script: [...serviceStateLines(step.service), '[ "$a" != active ]'].join('\n') };
    case 'allow-firewall-service':
      return {
        script: [
          "firewall-cmd --state >/dev/null 2>&1 || { echo 'firewalld is not running'; exit 3; }",
          sh`p=$(firewall-cmd --permanent --query-service=${step.service} 2>&1)`,
          sh`r=$(firewall-cmd --query-service=${step.service} 2>&1)`,
          sh`printf '%s: permanent %s, runtime %s\n' ${step.service} "$p" "$r"`,
          '[ "$p" = yes ] && [ "$r" = yes ]',
        ].join('\n'),
      };
    case 'selinux-permissive':
      return {
        script: [
          's=$(getenforce 2>/dev/null) || s=Disabled',
          'printf \'SELinux: %s\\n\' "$s"',
          '[ "$s" != Enforcing ]',
        ].join('\n'),
      };
    case 'install-key': {
      const key = parsePublicKey(msg('ssh.what.publicKey'), step.key);
      const dir = posix.dirname(step.path);
      return {
        script: [
          sh`d=$(stat -c %a -- ${dir} 2>/dev/null) || d=missing`,
          sh`f=$(stat -c %a -- ${step.path} 2>/dev/null) || f=missing`,
          sh`printf '%s: %s, %s: %s\n' ${dir} "$d" ${step.path} "$f"`,
          `[ "$d" = 700 ] && [ "$f" = 600 ] && ${keyPresentAwk(step.path)}`,
        ].join('\n'),
        stdin: `${key.line}\n`,
      };
    }
    case 'download': {
      const fields = [step.owner === undefined ? '' : '%u', step.group === undefined ? '' : '%g'];
      const format = `${fields.join(':')}:${step.mode === undefined ? '' : '%a'}`;
      const expected = `${step.owner ?? ''}:${step.group ?? ''}:${step.mode === undefined ? '' : octal(step.mode)}`;
      const lines = [
        sh`test -f ${step.path} || { printf '%s is missing\n' ${step.path}; exit 1; }`,
        sh`s=$(stat -c ${format} -- ${step.path})`,
        sh`n=$(stat -c %s -- ${step.path})`,
        sh`[ "$n" -eq ${step.sizeBytes} ] || { printf '%s: %s, %s bytes, not %s\n' ${step.path} "$s" "$n" ${step.sizeBytes}; exit 1; }`,
        sh`h=$(sha256sum <${step.path})`,
        sh`h=\${h%% *}`,
        sh`printf '%s: %s, %s bytes, sha256 %s\n' ${step.path} "$s" "$n" "$h"`,
        sh`[ "$s" = ${expected} ] || exit 1`,
      ];
      if (step.sha256 !== undefined) lines.push(sh`[ "$h" = ${step.sha256} ] || exit 1`);
      return { script: lines.join('\n') };
    }
    case 'remove-file':
      return {
        script: [
          sh`if test -d ${step.path}; then printf '%s is a directory\n' ${step.path}; exit 3; fi`,
          sh`if test -e ${step.path} || test -L ${step.path}; then printf '%s is there\n' ${step.path}; exit 1; fi`,
          sh`printf '%s is not there\n' ${step.path}`,
        ].join('\n'),
      };
    case 'check-mount':
      return { script: mountScript(step.path, step.minFreeBytes).join('\n') };
  }
}

/** The script answering a doctor check: exit 0 when it holds, 1 when not; its output is the evidence. */
export function renderCheck(check: RunbookCheck): RemoteScript {
  validateCheck(check);
  switch (check.type) {
    case 'dir-empty':
      return { script: listEntriesScript(check.path) };
    case 'owner-mode':
      if (check.recursive) {
        return { script: ownerRecursiveScript(check.path, check.owner, check.group, check.setgid === true) };
      }
      return { script: sh`stat -c '%u %g %a' -- ${check.path}` };
    case 'mounted':
      return { script: mountScript(check.path, check.minFreeBytes).join('\n') };
    case 'export-active':
      return {
        script: [
          "act=$(exportfs -s | awk '$0 !~ /^[[:space:]]/ && NF { print $1 }') || exit 3",
          sh`if printf '%s\n' "$act" | grep -qxF -e ${check.path}; then printf '%s is exported\n' ${check.path}; exit 0; fi`,
          sh`printf '%s is not in the active export table\n' ${check.path}; exit 1`,
        ].join('\n'),
      };
    case 'service-active':
      return {
        script: [...serviceStateLines(check.service), '[ "$e" = enabled ] && [ "$a" = active ]'].join('\n'),
      };
    case 'firewall-allows':
      return {
        script: [
          "if ! firewall-cmd --state >/dev/null 2>&1; then echo 'firewalld is not running: every port is open'; exit 0; fi",
          sh`p=$(firewall-cmd --permanent --query-service=${check.service} 2>&1)`,
          sh`r=$(firewall-cmd --query-service=${check.service} 2>&1)`,
          sh`printf '%s: permanent %s, runtime %s\n' ${check.service} "$p" "$r"`,
          '[ "$p" = yes ] && [ "$r" = yes ]',
        ].join('\n'),
      };
    case 'hosts-entry':
      return {
        script: [
          sh`if awk -v ip=${check.address} -v names=${check.names.join(' ')} -- ${HOSTS_AWK} ${check.path}; then`,
          sh`  printf '%s maps %s to %s\n' ${check.path} ${check.address} ${check.names.join(' ')}; exit 0`,
          'fi',
          sh`printf '%s has no line mapping %s to %s\n' ${check.path} ${check.address} ${check.names.join(' ')}; exit 1`,
        ].join('\n'),
      };
    case 'key-present': {
      const key = parsePublicKey(msg('ssh.what.publicKey'), check.key);
      return {
        script: [
          `if ${keyPresentAwk(check.path)}; then`,
          sh`  printf '%s holds the key\n' ${check.path}; exit 0`,
          'fi',
          sh`printf '%s does not hold the key %s…\n' ${check.path} ${`${key.type} ${key.body.slice(0, 16)}`}; exit 1`,
        ].join('\n'),
        stdin: `${key.line}\n`,
      };
    }
    case 'resolves':
      return {
        script: [
          sh`r=$(getent hosts -- ${check.name}) || { printf '%s does not resolve\n' ${check.name}; exit 1; }`,
          sh`printf '%s resolves: %s\n' ${check.name} "$r"`,
          check.address === undefined ? 'exit 0' : sh`[ "\${r%% *}" = ${check.address} ]`,
        ].join('\n'),
      };
    case 'no-misnamed-keys-file': {
      const wrong = posix.join(posix.dirname(check.path), 'authorized.keys');
      return {
        script: [
          sh`if test -e ${wrong}; then printf '%s exists: sshd never reads it (the guide’s typo of %s)\n' ${wrong} ${posix.basename(check.path)}; exit 1; fi`,
          sh`printf 'no %s\n' ${wrong}`,
        ].join('\n'),
      };
    }
    case 'no-sh-rsa-line':
      return {
        script: [
          sh`if test -f ${check.path} && grep -n '^sh-rsa' -- ${check.path}; then printf 'a key line starts sh-rsa instead of ssh-rsa\n'; exit 1; fi`,
          sh`printf 'no line of %s starts sh-rsa\n' ${check.path}`,
        ].join('\n'),
      };
  }
}

/** Matches a hosts line mapping `ip` to every name of `names`, case-insensitively, comments ignored. */
const HOSTS_AWK =
  'BEGIN { n = split(names, want, " ") } { sub(/#.*/, ""); if ($1 != ip) next; c = 0; for (i = 1; i <= n; i++) for (j = 2; j <= NF; j++) if (tolower($j) == tolower(want[i])) { c++; break } if (c == n) found = 1 } END { exit !found }';

/** True (exit 0) when a line of FILE has the type and base64 of the key in `$LABOPS_DATA`. */
function keyPresentAwk(path: string): string {
  return `awk 'NR == FNR { t = $1; k = $2; next } $1 == t && $2 == k { found = 1 } END { exit !found }' "$LABOPS_DATA" ${quoteArg(path)} 2>/dev/null`;
}

function appendNewlineIfMissing(path: string): string {
  return sh`[ ! -s ${path} ] || [ -z "$(tail -c 1 -- ${path})" ] || echo >>${path}`;
}

function statScript(path: string, format: string, expected: string): string {
  return [
    sh`s=$(stat -c ${format} -- ${path} 2>/dev/null) || { printf '%s is missing\n' ${path}; exit 1; }`,
    sh`printf '%s: %s\n' ${path} "$s"`,
    sh`[ "$s" = ${expected} ]`,
  ].join('\n');
}

function ownerRecursiveScript(path: string, owner: number, group: number, setgidDirs: boolean): string {
  const setgid = setgidDirs ? ' -o \\( -type d ! -perm -2000 \\)' : '';
  const what = `${owner}:${group}${setgidDirs ? ' with setgid directories' : ''}`;
  return [
    sh`test -d ${path} || { printf '%s is missing\n' ${path}; exit 3; }`,
    `bad=$(find ${quoteArg(path)} \\( ! -uid ${owner} -o ! -gid ${group}${setgid} \\) -print | head -n 5)`,
    sh`if [ -z "$bad" ]; then printf '%s: everything is %s\n' ${path} ${what}; exit 0; fi`,
    sh`printf 'not %s: %s\n' ${what} "$bad"; exit 1`,
  ].join('\n');
}

/** Prints the names inside a directory, NUL-terminated, dotfiles included. */
function listEntriesScript(path: string): string {
  return [
    sh`test -d ${path} || { printf '%s is missing\n' ${path}; exit 3; }`,
    sh`find ${path} -mindepth 1 -maxdepth 1 -printf '%f\0'`,
  ].join('\n');
}

function exportsActiveScript(exportsFile: string): string {
  return [
    'set -f',
    sh`test -f ${exportsFile} || { printf '%s does not exist\n' ${exportsFile}; exit 1; }`,
    "act=$(exportfs -s | awk '$0 !~ /^[[:space:]]/ && NF { print $1 }') || exit 3",
    'missing=0',
    sh`for p in $(awk '!/^[[:space:]]*(#|$)/ { print $1 }' ${exportsFile}); do`,
    `  printf '%s\\n' "$act" | grep -qxF -e "$p" || { printf '%s is not exported\\n' "$p"; missing=1; }`,
    'done',
    sh`[ "$missing" = 1 ] || printf 'every export of %s is active\n' ${exportsFile}`,
    'exit "$missing"',
  ].join('\n');
}

function serviceStateLines(service: string): string[] {
  return [
    sh`e=$(systemctl is-enabled -- ${service} 2>&1)`,
    sh`a=$(systemctl is-active -- ${service} 2>&1)`,
    sh`printf '%s: %s, %s\n' ${service} "$e" "$a"`,
  ];
}

function mountScript(path: string, minFreeBytes: number): string[] {
  return [
    sh`t=$(findmnt -n -o TARGET --target ${path} 2>/dev/null) || t=`,
    sh`[ "$t" = ${path} ] || { printf '%s is not a mounted filesystem (it lies on %s)\n' ${path} "\${t:-/}"; exit 1; }`,
    sh`a=$(df -P -B1 -- ${path} | awk 'NR == 2 { print $4 }')`,
    sh`printf '%s: %s mounted, %s bytes free\n' ${path} "$(findmnt -n -o SOURCE --target ${path})" "$a"`,
    `[ "$a" -ge ${minFreeBytes} ] || { printf 'needs at least %s bytes free\\n' ${minFreeBytes}; exit 1; }`,
  ];
}
