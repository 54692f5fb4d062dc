import { describe, expect, it } from 'vitest';
import { parseSourceUrl } from '../../src/downloads.js';
import { formatError, LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { msg, verbatim } from '../../src/i18n/text.js';
import { toPreflightError } from '../../src/runbooks/preflight.js';
import {
  DOWNLOAD_NOT_ISO,
  DOWNLOAD_WRONG_SHA256,
  DOWNLOAD_WRONG_SIZE,
  describeDownloadFailure,
  formatDownloadFailure,
} from '../../src/runbooks/render.js';
import {
  listDoctorChecks,
  planHostPrepare,
  planStorageClean,
  planStoragePrepare,
} from '../../src/runbooks/runbooks.js';
import { validateAbsolutePath, validateIp, validatePathUnder } from '../../src/ssh/quote.js';

/*
 * The SSH area in Korean (issue 16): refusals of values, runbook titles, pre-flight errors and
 * download refusals read as Korean sentences; paths, names, values and command lines stay as typed.
 */

const LAB = {
  hosts: [{ name: 'hyper1', address: '192.168.122.11' }],
  storage: {
    server: { name: 'storage', address: '192.168.122.10' },
    export_roots: ['/export'],
    exports: [
      { name: 'data', path: '/export/data' },
      { name: 'iso', path: '/export/iso' },
    ],
  },
  paths: {
    hosts_file: '/etc/hosts',
    authorized_keys: '/root/.ssh/authorized_keys',
    exports_file: '/etc/exports',
  },
};

const KEY = 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7 engine';

function thrown(fn: () => unknown): LabopsError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LabopsError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

/** An English sentence left in a Korean line: an English word run of three or more. */
const ENGLISH_RUN = /\b[A-Za-z]+ [a-z]+ [a-z]+\b/;

describe('value refusals in Korean', () => {
  it('names the field in Korean and shows the value as typed', () => {
    const error = thrown(() => validateAbsolutePath(msg('ssh.what.mountPoint'), 'export/data'));
    expect(error.message).toBe(
      'The mount point "export/data" is not an absolute path (it must start with /).',
    );
    expect(renderText('ko', error.text)).toBe(
      '마운트 지점 "export/data": 절대 경로가 아닙니다 (/로 시작해야 합니다).',
    );
    const outside = thrown(() => validatePathUnder(msg('ssh.what.export'), '/srv/x', ['/export']));
    expect(renderText('ko', outside.text)).toBe(
      'export 디렉터리 "/srv/x": 설정된 export 루트(/export) 아래에 있지 않습니다.',
    );
    const ip = thrown(() => validateIp(msg('ssh.what.addressOf', { machine: 'hyper1' }), 'hyper1.lab'));
    expect(renderText('ko', ip.text)).toBe('hyper1의 주소 "hyper1.lab": IPv4 또는 IPv6 주소가 아닙니다.');
  });
});

describe('runbook titles in Korean', () => {
  it('titles the storage prepare with sizes written in Korean form and engine words kept', () => {
    const titles = planStoragePrepare(LAB, { minFreeBytes: 1536 * 1024 ** 2 }).map((i) =>
      renderText('ko', i.title),
    );
    expect(titles).toContain('디렉터리 /export/data: 소유자 36:36, setgid');
    expect(titles).toContain('/export/data: 마운트된 파일 시스템, 여유 공간 1536 MiB');
    expect(titles).toContain('/etc/exports: /export/data을(를) 192.168.122.0/24에 export');
    expect(titles).toContain('nfs-server 활성화 및 실행 중');
    expect(titles).toContain('firewalld에서 mountd 영구 허용');
    for (const title of titles) expect(title).not.toMatch(ENGLISH_RUN);
  });

  it('counts the entries a clean removes, and warns of the insecure shortcut in Korean', () => {
    const [clean] = planStorageClean(LAB, { export: 'data', entries: ['a', '.b'], domainPaths: [] });
    expect(renderText('en', clean?.title ?? verbatim(''))).toBe(
      'Remove 2 entries from /export/data: /export/data/.b, /export/data/a',
    );
    expect(renderText('ko', clean?.title ?? verbatim(''))).toBe(
      '/export/data에서 항목 2개 제거: /export/data/.b, /export/data/a',
    );
    const items = planHostPrepare(LAB, { host: 'hyper1', hostsEntries: [], engineKey: KEY, insecure: true });
    const warning = items.find((i) => i.warning)?.warning;
    expect(renderText('ko', warning ?? verbatim(''))).toMatch(
      /^호스트의 보안이 약해집니다: firewalld가 중지되고/,
    );
  });

  it('titles the doctor checks with the guide’s FAQ numbers', () => {
    const titles = listDoctorChecks(LAB, { engineKey: KEY, minFreeBytes: 0 }).map((c) =>
      renderText('ko', c.title),
    );
    expect(titles).toContain('/export/data에 남은 파일 없음 (FAQ 1)');
    expect(titles).toContain('/export/iso 마운트됨, 여유 공간 제한 없음 (FAQ 0)');
    expect(titles).toContain('hyper1: sh-rsa로 시작하는 키 줄 없음 (가이드의 오타)');
  });
});

describe('pre-flight and download refusals in Korean', () => {
  it('lists the problems after what was refused, and the hint names the machines', () => {
    const error = toPreflightError(
      {
        ok: false,
        unreachable: [{ machine: 'storage', reason: verbatim('ECONNREFUSED') }],
        problems: [
          msg('ssh.preflight.unreachable', { machine: 'storage', reason: verbatim('ECONNREFUSED') }),
          msg('ssh.preflight.failedProbe', {
            machine: 'hyper1',
            reason: verbatim('/export/iso is not exported'),
            wanted: msg('ssh.preflight.exported', { path: '/export/iso' }),
          }),
        ],
        outcomes: [],
      },
      msg('ssh.preflight.checkFailed'),
    );
    expect(error.message).toBe(
      'the check failed: storage cannot be reached over SSH: ECONNREFUSED; hyper1: /export/iso is not exported (wanted: /export/iso is exported)',
    );
    expect(formatError(error, 'ko')).toBe(
      [
        '확인이 실패했습니다: storage에 SSH로 연결할 수 없습니다: ECONNREFUSED; hyper1: /export/iso is not exported (기대한 상태: /export/iso export됨)',
        '도움말: labops에서 storage에 SSH로 연결할 수 있게 한 뒤(sshd 실행, lab.yml의 주소와 포트) 다시 요청하세요.',
      ].join('\n'),
    );
  });

  it('refuses a URL with credentials in Korean', () => {
    const error = thrown(() => parseSourceUrl('https://u:p@mirror.lab/a.iso'));
    expect(formatError(error, 'ko')).toBe(
      [
        '사용자 이름이나 비밀번호가 들어 있는 URL은 채팅에 비밀을 남기게 됩니다.',
        '도움말: 자격 증명이 필요 없는 URL을 쓰세요.',
      ].join('\n'),
    );
  });

  it('reads a download script’s failure line back as the catalog’s sentence, the same in English', () => {
    for (const line of [
      formatDownloadFailure(DOWNLOAD_WRONG_SIZE, 1000, 2048),
      formatDownloadFailure(DOWNLOAD_NOT_ISO),
      formatDownloadFailure(DOWNLOAD_WRONG_SHA256, 'ab'.repeat(32), 'cd'.repeat(32)),
    ]) {
      expect(`labops: download failed: ${renderText('en', describeDownloadFailure(line))}`).toBe(line);
    }
    expect(
      renderText('ko', describeDownloadFailure(formatDownloadFailure(DOWNLOAD_WRONG_SIZE, 1000, 2048))),
    ).toBe('원본이 보낸 크기는 계획에서 확인한 2048바이트가 아니라 1000바이트입니다');
    expect(renderText('ko', describeDownloadFailure('curl: (7) Failed to connect'))).toBe(
      'curl: (7) Failed to connect',
    );
  });
});
