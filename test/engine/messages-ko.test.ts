import { describe, expect, it } from 'vitest';
import { parseEngineFailure, translateNetworkError } from '../../src/engine/faults.js';
import { parseEngineOrigin } from '../../src/engine/transport.js';
import { formatEngineEvents, type WaitTiming, waitFor } from '../../src/engine/wait.js';
import { formatError, LabopsError } from '../../src/errors.js';
import { renderText } from '../../src/i18n/render.js';
import { msg, verbatim } from '../../src/i18n/text.js';
import { cancelledBy, type Sleep } from '../../src/time.js';

/*
 * The engine's errors and waits in Korean (issue 16): sentences of the catalog, with the engine's
 * own words (fault details, states, events) and requests kept as the engine said them.
 */

/** Hangul syllables: a rendered Korean sentence has them; an English one left in it has none. */
const HANGUL = /[\uac00-\ud7a3]/;

/** Fails when a line of `text` reads as an English sentence (a capital, then lower-case words). */
function expectNoEnglishSentence(text: string): void {
  for (const line of text.split('\n')) {
    expect(line, line).toMatch(HANGUL);
    expect(line).not.toMatch(/\b(The|the) engine\b|\bCheck\b|\bwaiting for\b/);
  }
}

function thrown(fn: () => unknown): LabopsError {
  try {
    fn();
  } catch (error) {
    if (error instanceof LabopsError) return error;
    throw error;
  }
  throw new Error('did not throw');
}

describe('engine failures in Korean', () => {
  it('says a refusal in Korean around the engine’s own fault text', () => {
    const error = parseEngineFailure({
      method: 'POST',
      path: '/hosts/1/deactivate',
      status: 409,
      contentType: 'application/json',
      body: JSON.stringify({
        reason: 'Operation Failed',
        detail: '[Cannot switch Host to Maintenance mode.\n-Host still has running VMs on it.]',
      }),
    });
    expect(error.message).toBe(
      'The engine refused POST /hosts/1/deactivate: Cannot switch Host to Maintenance mode. Host still has running VMs on it.',
    );
    expect(renderText('ko', error.text)).toBe(
      '엔진이 POST /hosts/1/deactivate 요청을 거부했습니다: Cannot switch Host to Maintenance mode. Host still has running VMs on it.',
    );
  });

  it('gives the credentials failure and its hint in Korean', () => {
    const error = parseEngineFailure({
      method: 'GET',
      path: '/hosts',
      status: 401,
      contentType: 'application/json',
      body: '',
    });
    const ko = formatError(error, 'ko');
    expect(ko).toBe(
      [
        '엔진이 자격 증명을 거부했습니다 (GET /hosts: 401).',
        '도움말: lab.yml의 엔진 사용자와 비밀번호 변수를 확인하세요. 계정이 잠겼거나 만료되었을 수 있습니다.',
      ].join('\n'),
    );
    expectNoEnglishSentence(ko);
  });

  it('names an HTML error page in Korean, its title as the page gave it', () => {
    const error = parseEngineFailure({
      method: 'GET',
      path: '/hosts',
      status: 502,
      contentType: 'text/html',
      body: '<html><head><title>502 Proxy Error</title></head><body>Proxy Error</body></html>',
    });
    expect(renderText('ko', error.text)).toBe(
      '엔진이 GET /hosts 요청에 상태 502(502 Proxy Error)로 응답했고, API의 JSON이 아니라 HTML 페이지였습니다.',
    );
    expectNoEnglishSentence(renderText('ko', error.hintText ?? verbatim('')));
  });

  it('says an unreachable engine and a bad engine URL in Korean', () => {
    const refused = translateNetworkError(
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }),
      'GET',
      '/hosts',
      'https://engine.lab',
    );
    expect(formatError(refused, 'ko')).toBe(
      [
        'https://engine.lab의 엔진에 연결할 수 없습니다 (ECONNREFUSED).',
        '도움말: lab.yml의 engine.url과 엔진 머신이 켜져 있는지 확인하세요.',
      ].join('\n'),
    );
    const notHttps = thrown(() => parseEngineOrigin('http://engine.lab'));
    expect(renderText('ko', notHttps.text)).toBe('엔진 URL은 http:이 아니라 https를 사용해야 합니다.');
  });

  it('names what is looked up by name in each language', () => {
    const text = msg('engine.answer.noneNamed', { kind: 'storageDomain', name: 'data1' });
    expect(renderText('en', text)).toBe('The engine has no storage domain named "data1".');
    expect(renderText('ko', text)).toBe('엔진에 이름이 "data1"인 스토리지 도메인이 없습니다.');
  });
});

describe('waits in Korean', () => {
  const TIMING: WaitTiming = { intervalMs: 3000, backoff: 1, maxIntervalMs: 3000, deadlineMs: 9000 };

  it('times out naming what it waited for, the last state and the blip after it', async () => {
    let now = 0;
    const sleep: Sleep = async (ms, signal) => {
      if (signal?.aborted) throw cancelledBy(signal);
      now += ms;
    };
    const polls: string[] = [];
    let reads = 0;
    const error: LabopsError = await waitFor(
      {
        description: msg('engine.wait.hostStatus', { host: 'hyper2', states: 'maintenance' }),
        read: async () => {
          reads++;
          if (reads > 1) throw new LabopsError('ENGINE_UNAVAILABLE', verbatim('down'), { status: 503 });
          return 'preparing_for_maintenance';
        },
        isDone: (s) => s === 'maintenance',
      },
      { timing: TIMING, sleep, now: () => now, onPoll: (seen) => polls.push(renderText('ko', seen)) },
    ).then(
      () => {
        throw new Error('the wait ended');
      },
      (e: unknown) => e as LabopsError,
    );
    expect(error.code).toBe('TIMEOUT');
    expect(error.message).toBe(
      'Timed out after 9.0 s waiting for host hyper2 to reach maintenance (last seen: preparing_for_maintenance, then the engine answered 503).',
    );
    expect(renderText('ko', error.text)).toBe(
      'hyper2 호스트가 maintenance 상태가 되기를 9.0초 동안 기다렸지만 시간이 초과되었습니다 (마지막 상태: preparing_for_maintenance, 이후 엔진 응답 503).',
    );
    expect(polls).toEqual([
      'preparing_for_maintenance',
      ...Array(3).fill('엔진 연결 불가 (엔진 응답 503). 계속 기다립니다'),
    ]);
  });

  it('counts the events it does not show, in each language', () => {
    const events = formatEngineEvents(Array.from({ length: 10 }, (_, i) => `event ${i}`));
    expect(renderText('en', events)).toMatch(/"event 7"; and 2 more \(see the engine's events\)$/);
    expect(renderText('ko', events)).toMatch(/"event 7" 외 2개 \(엔진 이벤트 참고\)$/);
  });
});
