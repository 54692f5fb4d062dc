import { describe, expect, it } from 'vitest';
import type { LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import {
  type AddressClass,
  classifyAddress,
  createAddressFence,
  createRefusal,
  describeCidrIssue,
  parseCidr,
} from '../../src/net/address-fence.js';

/** The host of a URL as a connection sees it (the WHATWG parser's normal form, without brackets). */
const hostOf = (url: string) => new URL(url).hostname.replace(/^\[|\]$/g, '');

describe('classifying addresses (issue 10 §2)', () => {
  it.each<[string, AddressClass]>([
    ['0.0.0.0', 'unspecified'],
    ['0.1.2.3', 'unspecified'],
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['169.254.169.254', 'link-local'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'shared'],
    ['100.127.255.255', 'shared'],
    ['198.18.0.1', 'benchmark'],
    ['198.19.255.255', 'benchmark'],
    ['224.0.0.1', 'multicast'],
    ['239.255.255.255', 'multicast'],
    ['240.0.0.1', 'reserved'],
    ['255.255.255.255', 'broadcast'],
    ['172.32.0.1', 'public'],
    ['100.128.0.1', 'public'],
    ['198.20.0.1', 'public'],
    ['8.8.8.8', 'public'],
    ['::', 'unspecified'],
    ['::1', 'loopback'],
    ['fe80::1', 'link-local'],
    ['febf:ffff::1', 'link-local'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fec0::1', 'private'],
    ['ff02::1', 'multicast'],
    ['2606:4700::1111', 'public'],
  ])('%s is %s', (address, expected) => {
    expect(classifyAddress(address).class).toBe(expected);
  });

  it.each<[string, AddressClass, string]>([
    ['::ffff:127.0.0.1', 'loopback', '127.0.0.1'],
    ['::ffff:7f00:1', 'loopback', '127.0.0.1'],
    ['::ffff:169.254.169.254', 'link-local', '169.254.169.254'],
    ['::ffff:8.8.8.8', 'public', '8.8.8.8'],
    ['::127.0.0.1', 'loopback', '127.0.0.1'],
    ['::a9fe:a9fe', 'link-local', '169.254.169.254'],
    ['::0.0.0.2', 'unspecified', '0.0.0.2'],
    ['64:ff9b::a9fe:a9fe', 'link-local', '169.254.169.254'],
    ['64:ff9b::10.0.0.1', 'private', '10.0.0.1'],
    ['2002:a9fe:a9fe::1', 'link-local', '169.254.169.254'],
    ['2002:0a00:0001:ffff::1', 'private', '10.0.0.1'],
    ['2002:0808:0808::1', 'public', '8.8.8.8'],
  ])('%s carries IPv4 and is judged by it: %s (%s)', (address, expected, ipv4) => {
    expect(classifyAddress(address)).toEqual({ class: expected, ipv4 });
  });

  it('sees through decimal, octal and hex URL forms, as the URL parser normalises them', () => {
    const forms = [
      'http://2130706433/x.iso',
      'http://0x7f.1/x.iso',
      'http://0177.0.0.1/x.iso',
      'http://017700000001/x.iso',
      'http://127.1/x.iso',
      'http://[::ffff:127.0.0.1]/x.iso',
      'http://[0:0:0:0:0:ffff:7f00:0001]/x.iso',
    ];
    for (const url of forms) expect(classifyAddress(hostOf(url)).class, url).toBe('loopback');
    for (const url of ['http://2852039166/', 'http://0xa9.0xfe.0xa9.0xfe/', 'http://0251.0376.0251.0376/']) {
      expect(hostOf(url), url).toBe('169.254.169.254');
      expect(classifyAddress(hostOf(url)).class).toBe('link-local');
    }
  });
});

describe('the fence of lab.yml downloads', () => {
  it('allows public addresses and refuses every listed range by default', () => {
    const fence = createAddressFence();
    expect(fence.allows('8.8.8.8', 'mirror.example')).toBe(true);
    expect(fence.allows('2606:4700::1111', 'mirror.example')).toBe(true);
    for (const address of [
      '0.0.0.0',
      '127.0.0.1',
      '169.254.169.254',
      '10.1.2.3',
      '172.16.5.5',
      '192.168.122.10',
      '100.64.1.1',
      '198.18.0.1',
      '240.1.1.1',
      '255.255.255.255',
      '224.0.0.251',
      '::',
      '::1',
      'fe80::1',
      'fd00::1',
      'fec0::1',
      'ff02::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      '64:ff9b::a9fe:a9fe',
      '2002:a9fe:a9fe::1',
    ]) {
      expect(fence.allows(address, 'mirror.example'), address).toBe(false);
    }
  });

  it('opens private ranges by network, also in their IPv6 forms', () => {
    const fence = createAddressFence({ allowedNetworks: ['10.0.0.0/8', 'fd00:1::/64'] });
    expect(fence.allows('10.1.2.3', 'x')).toBe(true);
    expect(fence.allows('::ffff:10.1.2.3', 'x')).toBe(true);
    expect(fence.allows('fd00:1::5', 'x')).toBe(true);
    expect(fence.allows('fd00:2::5', 'x')).toBe(false);
    expect(fence.allows('192.168.1.1', 'x')).toBe(false);
  });

  it('opens loopback, link-local and 0.0.0.0/8 only when named inside their own range; no wildcard does', () => {
    const wide = createAddressFence({ allowedNetworks: ['0.0.0.0/0', '::/0', '64.0.0.0/2'] });
    expect(wide.allows('10.1.2.3', 'x')).toBe(true);
    expect(wide.allows('fd00::1', 'x')).toBe(true);
    for (const address of [
      '127.0.0.1',
      '169.254.169.254',
      '0.0.0.0',
      '::1',
      'fe80::1',
      '::',
      '::ffff:127.0.0.1',
    ]) {
      expect(wide.allows(address, 'x'), address).toBe(false);
    }
    const loopback = createAddressFence({ allowedNetworks: ['127.0.0.0/8'] });
    expect(loopback.allows('127.0.0.1', 'x')).toBe(true);
    expect(loopback.allows('::ffff:127.0.0.1', 'x')).toBe(true);
    expect(loopback.allows('::1', 'x')).toBe(false);
    expect(loopback.allows('169.254.169.254', 'x')).toBe(false);
    const one = createAddressFence({ allowedNetworks: ['169.254.169.254/32', '::1/128'] });
    expect(one.allows('169.254.169.254', 'x')).toBe(true);
    expect(one.allows('169.254.169.253', 'x')).toBe(false);
    expect(one.allows('::1', 'x')).toBe(true);
  });

  it('opens private addresses of an allowed host name, never its loopback or link-local ones', () => {
    const fence = createAddressFence({ allowedHosts: ['mirror.lab.local'] });
    expect(fence.allows('192.168.122.5', 'mirror.lab.local')).toBe(true);
    expect(fence.allows('192.168.122.5', 'MIRROR.lab.local.')).toBe(true);
    expect(fence.allows('192.168.122.5', 'other.lab.local')).toBe(false);
    expect(fence.allows('127.0.0.1', 'mirror.lab.local')).toBe(false);
    expect(fence.allows('169.254.169.254', 'mirror.lab.local')).toBe(false);
  });

  it('parses CIDRs, saying what is wrong with one', () => {
    expect(parseCidr('10.0.0.0/8')).toMatchObject({ family: 4, bits: 8 });
    expect(parseCidr('fd00:1::/64')).toMatchObject({ family: 6, bits: 64 });
    const issue = (text: string, locale: 'en' | 'ko' = 'en') => {
      const parsed = parseCidr(text);
      if (!('problem' in parsed)) throw new Error(`${text} parsed as a network`);
      return renderText(locale, describeCidrIssue(parsed));
    };
    expect(parseCidr('10.1.2.3/8')).toMatchObject({ problem: 'hostBits', network: '10.0.0.0/8' });
    expect(issue('10.1.2.3/8')).toBe('has host bits set — write the network as 10.0.0.0/8');
    expect(issue('10.1.2.3/8', 'ko')).toBe('호스트 비트가 있습니다 — 네트워크는 10.0.0.0/8로 쓰세요');
    expect(issue('10.0.0.0')).toMatch(/^is not a network in CIDR/);
    expect(issue('10.0.0.0/33')).toBe('has a prefix longer than 32 bits');
    expect(issue('fd00:1::5/64')).toBe('has host bits set — write the network as the network address/64');
    expect(issue('mirror/24')).toMatch(/^is not a network/);
    expect(() => createAddressFence({ allowedNetworks: ['10.1.2.3/8'] })).toThrow(
      'downloads.allowed_networks: "10.1.2.3/8" has host bits set — write the network as 10.0.0.0/8.',
    );
    try {
      createAddressFence({ allowedNetworks: ['10.1.2.3/8'] });
    } catch (error) {
      expect(renderText('ko', (error as LabopsError).text)).toBe(
        'downloads.allowed_networks: "10.1.2.3/8"에 호스트 비트가 있습니다. 네트워크는 10.0.0.0/8로 쓰세요.',
      );
    }
    expect(renderText('ko', createRefusal().text)).toBe('labops는 그 주소에서 다운로드하지 않습니다.');
  });
});
