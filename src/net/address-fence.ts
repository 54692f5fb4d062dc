import { isIP } from 'node:net';
import { LabopsError } from '../errors.js';
import { type Message, msg, verbatim } from '../i18n/text.js';

/**
 * Which addresses labops may download from (issue 10 §2): every resolved address is judged here
 * before a connection is made to it. Addresses of the ranges below are refused unless lab.yml's
 * `downloads` opens them; IPv6 forms that carry an IPv4 address are judged by that IPv4 address.
 */

/** Why an address is refused by default; `public` is allowed. */
export type AddressClass =
  | 'public'
  | 'unspecified'
  | 'loopback'
  | 'link-local'
  | 'private'
  | 'shared'
  | 'benchmark'
  | 'reserved'
  | 'broadcast'
  | 'multicast';

/** A network in CIDR notation, parsed: the address as a number of 32 or 128 bits. */
export interface Cidr {
  family: 4 | 6;
  base: bigint;
  bits: number;
  text: string;
}

/** What a fence allows beyond public addresses: lab.yml's `downloads`. */
export interface FenceRules {
  /** CIDRs that open refused ranges; loopback, link-local and 0.0.0.0/8 open only when named inside them. */
  allowedNetworks?: readonly string[] | undefined;
  /** Host names whose addresses may be private (not loopback, link-local or unspecified). */
  allowedHosts?: readonly string[] | undefined;
}

/** An address as the fence judges it: its class and, for IPv6 that carries IPv4, that IPv4 address. */
export interface AddressVerdict {
  class: AddressClass;
  /** The IPv4 address judged, when the address is IPv4 or an IPv6 form carrying one. */
  ipv4?: string | undefined;
}

/** The one answer to a refused address: it says nothing about what is there. */
export const REFUSED_MESSAGE = 'labops does not download from that address.';
export const REFUSED_HINT =
  "Ask the lab admin to allow the mirror's network in lab.yml (downloads.allowed_networks).";

const V4 = (text: string, cls: AddressClass) => ({ cidr: parseCidrOrThrow(text), cls });

/** The ranges refused by default (issue 10 §2); the first match names the class. */
const IPV4_RANGES = [
  V4('0.0.0.0/8', 'unspecified'),
  V4('127.0.0.0/8', 'loopback'),
  V4('169.254.0.0/16', 'link-local'),
  V4('10.0.0.0/8', 'private'),
  V4('172.16.0.0/12', 'private'),
  V4('192.168.0.0/16', 'private'),
  V4('100.64.0.0/10', 'shared'),
  V4('198.18.0.0/15', 'benchmark'),
  V4('224.0.0.0/4', 'multicast'),
  V4('255.255.255.255/32', 'broadcast'),
  V4('240.0.0.0/4', 'reserved'),
];
const IPV6_RANGES = [
  V4('::/128', 'unspecified'),
  V4('::1/128', 'loopback'),
  V4('fe80::/10', 'link-local'),
  V4('fc00::/7', 'private'),
  V4('fec0::/10', 'private'),
  V4('ff00::/8', 'multicast'),
];
/** The classes no wildcard opens: only an allowed network inside their own range does. */
const NAMED_ONLY: ReadonlySet<AddressClass> = new Set(['unspecified', 'loopback', 'link-local']);

/** IPv6 forms whose low bits carry an IPv4 address. */
const MAPPED = parseCidrOrThrow('::ffff:0:0/96');
const COMPATIBLE = parseCidrOrThrow('::/96');
const NAT64 = parseCidrOrThrow('64:ff9b::/96');
const SIX_TO_FOUR = parseCidrOrThrow('2002::/16');

/** Parses an IPv4 or IPv6 address into its number; undefined when it is not one. */
export function parseAddress(text: string): { family: 4 | 6; value: bigint } | undefined {
  const family = isIP(text);
  if (family === 4) return { family, value: parseIpv4(text) };
  if (family === 6) return { family, value: parseIpv6(text) };
  return undefined;
}

function parseIpv4(text: string): bigint {
  return text.split('.').reduce((value, part) => (value << 8n) | BigInt(Number(part)), 0n);
}

/** `isIP` said it is IPv6: `::` compression and a trailing dotted IPv4 are expanded here. */
function parseIpv6(text: string): bigint {
  let body = text.replace(/%.*$/, '');
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(body);
  if (dotted) {
    const v4 = parseIpv4(dotted[1]!);
    body = `${body.slice(0, -dotted[1]!.length)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = body.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill('0'), ...right];
  return groups.reduce((value, group) => (value << 16n) | BigInt(Number.parseInt(group, 16)), 0n);
}

function formatIpv4(value: bigint): string {
  return [24n, 16n, 8n, 0n].map((shift) => Number((value >> shift) & 0xffn)).join('.');
}

/** Why a network is not one: what the catalog's sentences need (describeCidrProblem, describeCidrIssue). */
export interface CidrProblem {
  /** Set on a problem, never on a network (the two are told apart by it). */
  problem: CidrProblem['kind'];
  kind: 'notCidr' | 'prefix' | 'hostBits';
  /** The longest prefix (`prefix`). */
  max?: number | undefined;
  /** The network as it should be written (`hostBits`, IPv4). */
  network?: string | undefined;
  /** The prefix given (`hostBits`, IPv6). */
  prefix?: number | undefined;
}

/** `SETTING: "VALUE" is not a network …` in the catalog: one sentence per kind of problem. */
export function describeCidrProblem(setting: string, text: string, problem: CidrProblem): Message {
  const value = verbatim(JSON.stringify(text));
  switch (problem.kind) {
    case 'notCidr':
      return msg('ssh.fence.notCidr', { setting, value });
    case 'prefix':
      return msg('ssh.fence.prefixTooLong', { setting, value, max: problem.max ?? 0 });
    case 'hostBits':
      return problem.network === undefined
        ? msg('ssh.fence.hostBitsV6', { setting, value, prefix: problem.prefix ?? 0 })
        : msg('ssh.fence.hostBits', { setting, value, network: verbatim(problem.network) });
  }
}

/** Parses `ADDRESS/BITS`; answers why not when it is not a network. */
/** The problem as lab.yml reports it, after the setting's path. */
export function describeCidrIssue(problem: CidrProblem): Message {
  switch (problem.kind) {
    case 'notCidr':
      return msg('ssh.fence.issue.notCidr');
    case 'prefix':
      return msg('ssh.fence.issue.prefixTooLong', { max: problem.max ?? 0 });
    case 'hostBits':
      return problem.network === undefined
        ? msg('ssh.fence.issue.hostBitsV6', { prefix: problem.prefix ?? 0 })
        : msg('ssh.fence.issue.hostBits', { network: verbatim(problem.network) });
  }
}

export function parseCidr(text: string): Cidr | CidrProblem {
  const [ip = '', bits, extra] = text.split('/');
  const address = parseAddress(ip);
  if (address === undefined || extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) {
    return { problem: 'notCidr', kind: 'notCidr' };
  }
  const max = address.family === 4 ? 32 : 128;
  const prefix = Number(bits);
  if (prefix > max) return { problem: 'prefix', kind: 'prefix', max };
  const hostBits = BigInt(max - prefix);
  if ((address.value & ((1n << hostBits) - 1n)) !== 0n) {
    const base = (address.value >> hostBits) << hostBits;
    return {
      problem: 'hostBits',
      kind: 'hostBits',
      ...(address.family === 4 ? { network: `${formatIpv4(base)}/${prefix}` } : { prefix }),
    };
  }
  return { family: address.family, base: address.value, bits: prefix, text };
}

function parseCidrOrThrow(text: string): Cidr {
  const parsed = parseCidr(text);
  if ('problem' in parsed) throw new LabopsError('INTERNAL', describeCidrProblem('labops', text, parsed));
  return parsed;
}

function contains(cidr: Cidr, family: 4 | 6, value: bigint): boolean {
  if (cidr.family !== family) return false;
  const shift = BigInt((family === 4 ? 32 : 128) - cidr.bits);
  return value >> shift === cidr.base >> shift;
}

/** True when `inner` lies wholly inside `outer`. */
function isWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.bits >= outer.bits && contains(outer, inner.family, inner.base);
}

/** The IPv4 address an IPv6 address carries (mapped, compatible, NAT64, 6to4), if any. */
function findEmbeddedIpv4(value: bigint): bigint | undefined {
  if (contains(MAPPED, 6, value) || contains(NAT64, 6, value)) return value & 0xffffffffn;
  // :: and ::1 are IPv6's own unspecified and loopback addresses, not IPv4-compatible ones.
  if (contains(COMPATIBLE, 6, value) && value > 1n) return value & 0xffffffffn;
  if (contains(SIX_TO_FOUR, 6, value)) return (value >> 80n) & 0xffffffffn;
  return undefined;
}

function classify(family: 4 | 6, value: bigint): { cls: AddressClass; cidr: Cidr | undefined } {
  for (const range of family === 4 ? IPV4_RANGES : IPV6_RANGES) {
    if (contains(range.cidr, family, value)) return { cls: range.cls, cidr: range.cidr };
  }
  return { cls: 'public', cidr: undefined };
}

/** The class of an address, an IPv6 form carrying IPv4 judged by that IPv4 address. */
export function classifyAddress(text: string): AddressVerdict {
  const parsed = parseAddress(text);
  if (!parsed)
    throw new LabopsError('INTERNAL', msg('ssh.fence.notIp', { value: verbatim(JSON.stringify(text)) }));
  if (parsed.family === 4) return { class: classify(4, parsed.value).cls, ipv4: text };
  const embedded = findEmbeddedIpv4(parsed.value);
  if (embedded !== undefined) {
    return { class: classify(4, embedded).cls, ipv4: formatIpv4(embedded) };
  }
  return { class: classify(6, parsed.value).cls };
}

export interface AddressFence {
  /** True when labops may connect to `address`, resolved from `host` (the URL's host). */
  allows(address: string, host: string): boolean;
}

/**
 * The fence of lab.yml's `downloads`: public addresses pass; an allowed network opens the refused
 * addresses inside it, except that loopback, link-local and unspecified ones open only when the
 * network lies inside their own range (127.0.0.0/8 does, 0.0.0.0/0 and ::/0 do not); an allowed
 * host opens the other refused ranges for the addresses of that name.
 */
export function createAddressFence(rules: FenceRules = {}): AddressFence {
  const networks = (rules.allowedNetworks ?? []).map((text) => {
    const parsed = parseCidr(text);
    if ('problem' in parsed) {
      throw new LabopsError('CONFIG', describeCidrProblem('downloads.allowed_networks', text, parsed));
    }
    return parsed;
  });
  const hosts = new Set((rules.allowedHosts ?? []).map(normaliseHost));
  return {
    allows(address, host) {
      const parsed = parseAddress(address);
      if (!parsed) return false;
      // Judged by the IPv4 inside when there is one: ::ffff:10.0.0.1 is 10.0.0.1.
      const embedded = parsed.family === 6 ? findEmbeddedIpv4(parsed.value) : undefined;
      const family = embedded === undefined ? parsed.family : 4;
      const value = embedded ?? parsed.value;
      const { cls, cidr } = classify(family, value);
      if (cls === 'public') return true;
      const inNetwork = networks.filter((n) => contains(n, family, value));
      if (NAMED_ONLY.has(cls)) return cidr !== undefined && inNetwork.some((n) => isWithin(n, cidr));
      return inNetwork.length > 0 || hosts.has(normaliseHost(host));
    },
  };
}

function normaliseHost(host: string): string {
  return host.toLowerCase().replace(/\.$/, '');
}

/** The refusal every fenced connection gets: one message, whatever the address is. */
export function createRefusal(): LabopsError {
  return new LabopsError('FORBIDDEN', msg('ssh.fence.refused'), { hint: msg('ssh.fence.refusedHint') });
}

/** True for the fence's refusal (also when a connection library wrapped it). */
export function isRefusal(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current; depth++) {
    if (current instanceof LabopsError && current.message === REFUSED_MESSAGE) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
