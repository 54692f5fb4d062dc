import { X509Certificate } from 'node:crypto';
import { Agent, request } from 'undici';
import { LabopsError } from '../errors.js';
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
      throw new LabopsError(
        'ENGINE_UNAVAILABLE',
        `The engine answered ${res.statusCode} for its CA certificate.`,
        {
          hint: 'Check the engine URL; the CA is at /ovirt-engine/services/pki-resource?resource=ca-certificate&format=X509-PEM-CA.',
        },
      );
    }
    const pem = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/.exec(text)?.[0];
    if (!pem) {
      throw new LabopsError('ENGINE_UNAVAILABLE', 'The engine did not answer with a PEM certificate.', {
        hint: 'Check that the URL points at an oVirt engine.',
      });
    }
    const cert = new X509Certificate(pem);
    if (!cert.ca) {
      throw new LabopsError(
        'ENGINE_UNAVAILABLE',
        'The certificate the engine published is not a CA certificate.',
      );
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
      `Cannot fetch the engine CA from ${origin}: ${(error as Error).message}`,
      {
        cause: error,
        hint: 'Check engine.url in lab.yml and that the engine machine is reachable.',
      },
    );
  } finally {
    await agent.close();
  }
}
