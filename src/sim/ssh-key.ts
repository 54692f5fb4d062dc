import { generateKeyPairSync } from 'node:crypto';

/**
 * A fresh ed25519 key in the one-line OpenSSH public key format (`ssh-ed25519 AAAA... comment`),
 * as the engine's pki-resource serves its SSH key. The private half is not needed: simulated hosts
 * only compare the line with their authorized_keys.
 */
export function createEngineSshPublicKey(comment = 'ovirt-engine'): string {
  const { publicKey } = generateKeyPairSync('ed25519');
  const jwk = publicKey.export({ format: 'jwk' });
  const raw = Buffer.from(jwk.x ?? '', 'base64url');
  const blob = Buffer.concat([sshString(Buffer.from('ssh-ed25519')), sshString(raw)]);
  return `ssh-ed25519 ${blob.toString('base64')} ${comment}`;
}

/** RFC 4251 `string`: a uint32 length, then the bytes. */
function sshString(bytes: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(bytes.length);
  return Buffer.concat([length, bytes]);
}

/** The OpenSSH form of an ECDSA P-256 public key (the simulator's CA key), as pki-resource serves it. */
export function toOpenSshEcdsaKey(
  jwk: { x?: string | undefined; y?: string | undefined },
  comment: string,
): string {
  const point = Buffer.concat([
    Buffer.from([4]),
    Buffer.from(jwk.x ?? '', 'base64url'),
    Buffer.from(jwk.y ?? '', 'base64url'),
  ]);
  const blob = Buffer.concat([
    sshString(Buffer.from('ecdsa-sha2-nistp256')),
    sshString(Buffer.from('nistp256')),
    sshString(point),
  ]);
  return `ecdsa-sha2-nistp256 ${blob.toString('base64')} ${comment}`;
}
