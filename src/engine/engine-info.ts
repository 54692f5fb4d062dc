import { LabopsError } from '../errors.js';
import { msg } from '../i18n/text.js';
import { type CallOptions, type EngineContext, getJson, signalOf } from './engine-context.js';
import { ApiRootSchema, toApiInfo } from './schemas.js';
import type { ApiInfo } from './types.js';
import type { ApiLevel } from './versions.js';

/** The API root: a cheap "alive and logged in" probe (§6.4). */
export async function getApiInfo(context: EngineContext, options: CallOptions = {}): Promise<ApiInfo> {
  return toApiInfo(await getJson(context, '', ApiRootSchema, options));
}

/**
 * The engine's version and the request level it selects (versions.ts), read once per login:
 * `/lab status` and App Home show it, with a warning for a version labops does not know.
 */
export function getApiLevel(context: EngineContext, options: CallOptions = {}): Promise<ApiLevel> {
  return context.transport.getApiLevel(signalOf(context, options));
}

/** The engine's SSH public key, to put in a hypervisor's authorized_keys before adding it (§1.6). */
export async function getEngineSshPublicKey(
  context: EngineContext,
  options: CallOptions = {},
): Promise<string> {
  const text = await context.transport.getServiceText(
    '/pki-resource?resource=engine-certificate&format=OPENSSH-PUBKEY',
    signalOf(context, options),
  );
  const line = text.trim().split('\n')[0]?.trim() ?? '';
  if (!/^(ssh-(rsa|ed25519)|ecdsa-sha2-nistp\d+) [A-Za-z0-9+/=]+/.test(line)) {
    throw new LabopsError('ENGINE_UNAVAILABLE', msg('engine.pki.noSshKey'), {
      hint: msg('engine.pki.noSshKeyHint'),
    });
  }
  return line;
}
