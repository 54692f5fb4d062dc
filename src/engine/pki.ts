import { X509Certificate } from 'node:crypto';
import { LabopsError } from '../errors.js';
import { msg, verbatim } from '../i18n/text.js';
import { Agent, request } from '../net/undici.js';
import { parseEngineOrigin } from './transport.js';

/** The engine CA as fetched at set-up, with what a person compares before trusting it. */
export interface FetchedCa {
  pem: string;
  subject: string;
  /** `AB:CD:…`, as `openssl x509 -fingerprint -sha256` prints it on the engine. */
  fingerprint256: string;
  validTo: string;
}

/**
 * Fetches the engine's CA from pki-resource (ovirt-api.md §1.6) for trust on first use: the
 * connection itself is not verified — there is nothing to verify it with yet — so the answer is
 * only written after a person compared the fingerprint with the one on the engine.
 */
export async function fetchEngineCa(
  engineUrl: string,
  options: { timeoutMs?: number } = {},
): Promise<FetchedCa> {
  const origin = parseEngineOrigin(engineUrl);
  const agent = new Agent({ connect: { rejectUnauthorized: false } });
  const url = `${origin}/ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA`;
  try {
    const res = await request(url, {
      dispatcher: agent,
      signal: AbortSignal.timeout(options.timeoutMs ?? 15_000),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) {
      throw new LabopsError('ENGINE_UNAVAILABLE', msg('engine.pki.status', { status: res.statusCode }), {
        hint: msg('engine.pki.statusHint'),
      });
    }
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
    if (!pem) {
      throw new LabopsError('ENGINE_UNAVAILABLE', msg('engine.pki.notPem'), {
        hint: msg('engine.pki.notPemHint'),
      });
    }
    const cert = new X509Certificate(pem);
    if (!cert.ca) {
      throw new LabopsError('ENGINE_UNAVAILABLE', msg('engine.pki.notCa'));
    }
    return {
      pem: `${pem}\n`,
      subject: cert.subject,
      fingerprint256: cert.fingerprint256,
      validTo: cert.validTo,
    };
  } catch (error) {
    if (error instanceof LabopsError) throw error;
    throw new LabopsError(
      'ENGINE_UNAVAILABLE',
      msg('engine.pki.fetchFailed', { origin, message: verbatim((error as Error).message) }),
      { cause: error, hint: msg('engine.pki.fetchFailedHint') },
    );
  } finally {
    await agent.close();
  }
}
