import { LabopsError } from '../errors.js';
import { msg } from '../i18n/text.js';
import { headerOf, parseEngineFailure } from './faults.js';
import { SsoTokenSchema } from './schemas.js';

/*
 * The engine's single sign-on (ovirt-api.md §1.1–§1.3): a password grant answers an access token
 * for the `ovirt-app-api` scope, which the API takes as a bearer; a logout revokes it. The
 * transport keeps the token and decides when to log in; these read and write the exchanges.
 */

/** What one HTTP exchange with the engine answered: status, headers, and the body as text. */
export interface EngineAnswer {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** Sends one request to the engine (`path` from the origin) and reads its whole answer. */
export type SendToEngine = (
  method: string,
  path: string,
  init: { headers: Record<string, string>; body?: string | undefined; signal: AbortSignal | undefined },
) => Promise<EngineAnswer>;

const TOKEN_PATH = '/ovirt-engine/sso/oauth/token';
const FORM = { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' };

/** Logs `user` in and answers the access token; a refusal is ENGINE_AUTH, saying what to check. */
export async function requestSsoToken(
  send: SendToEngine,
  credentials: { user: string; password: string },
  signal: AbortSignal | undefined,
): Promise<string> {
  const form = new URLSearchParams({
    grant_type: 'password',
    scope: 'ovirt-app-api',
    username: credentials.user,
    password: credentials.password,
  });
  const { statusCode, headers, text } = await send('POST', TOKEN_PATH, {
    headers: FORM,
    body: form.toString(),
    signal,
  });
  const contentType = headerOf(headers, 'content-type');
  if (statusCode !== 200) {
    const failure = parseEngineFailure({
      method: 'POST',
      path: TOKEN_PATH,
      status: statusCode,
      contentType,
      body: text,
    });
    // §1.1: the SSO servlet answers 400 for bad credentials; say so as an auth failure.
    if (failure.code === 'ENGINE_REJECTED' || failure.code === 'ENGINE_AUTH') {
      throw new LabopsError(
        'ENGINE_AUTH',
        msg('engine.sso.refused', { user: credentials.user, reason: failure.text }),
        { status: statusCode, hint: msg('engine.sso.refusedHint') },
      );
    }
    throw failure;
  }
  let parsed: ReturnType<typeof SsoTokenSchema.safeParse>;
  try {
    parsed = SsoTokenSchema.safeParse(JSON.parse(text));
  } catch {
    throw parseEngineFailure({
      method: 'POST',
      path: TOKEN_PATH,
      status: statusCode,
      contentType,
      body: text,
    });
  }
  if (!parsed.success) {
    throw new LabopsError('ENGINE_UNAVAILABLE', msg('engine.sso.noToken'), {
      hint: msg('engine.answer.notEngineHint'),
    });
  }
  return parsed.data.access_token;
}

/** Revokes `token` (§1.3); its answer is not read. */
export async function revokeSsoToken(send: SendToEngine, token: string): Promise<void> {
  await send('POST', '/ovirt-engine/services/sso-logout', {
    headers: FORM,
    body: new URLSearchParams({ scope: 'ovirt-app-api', token }).toString(),
    signal: undefined,
  });
}
