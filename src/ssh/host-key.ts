import { createHash } from 'node:crypto';

/**
 * The OpenSSH fingerprint of a raw host key blob, as `ssh-keygen -lf` prints it:
 * `SHA256:` + base64 of its SHA-256 without `=` padding (ssh-harness.md, "Pin host keys").
 */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** Pinned fingerprints look like `SHA256:` and 43 base64 characters. */
export function isFingerprint(value: string): boolean {
  return /^SHA256:[A-Za-z0-9+/]{43}$/.test(value);
}
