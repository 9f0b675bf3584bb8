import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { buildUiAuthSettings } from './ui-auth-settings.js';

describe('buildUiAuthSettings', () => {
  test("LiteLLM's defaults: admin / the master key, 24-hour sessions, no SMTP", () => {
    const problems: string[] = [];
    const settings = buildUiAuthSettings({}, 'sk-master', problems);
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, {
      adminUsername: 'admin',
      adminPassword: 'sk-master',
      baseUrl: undefined,
      logoutUrl: undefined,
      sessionMs: 24 * 3_600_000,
      smtp: undefined,
    });
  });

  test('reads every variable; SMTP_TLS=False turns TLS off; the base URL loses its slash', () => {
    const problems: string[] = [];
    const settings = buildUiAuthSettings(
      {
        UI_USERNAME: 'root',
        UI_PASSWORD: 'pw',
        PROXY_BASE_URL: 'https://llm.example.com/',
        PROXY_LOGOUT_URL: 'https://example.com/bye',
        TOLLGATE_UI_SESSION_DURATION: '12h',
        SMTP_HOST: 'mail',
        SMTP_PORT: '2525',
        SMTP_USERNAME: 'u',
        SMTP_PASSWORD: 'p',
        SMTP_SENDER_EMAIL: 'from@example.com',
        SMTP_TLS: 'False',
      },
      undefined,
      problems,
    );
    assert.deepEqual(problems, []);
    assert.equal(settings.adminUsername, 'root');
    assert.equal(settings.adminPassword, 'pw');
    assert.equal(settings.baseUrl, 'https://llm.example.com');
    assert.equal(settings.sessionMs, 12 * 3_600_000);
    assert.deepEqual(settings.smtp, {
      host: 'mail',
      port: 2525,
      username: 'u',
      password: 'p',
      sender: 'from@example.com',
      tls: false,
    });
    assert.equal(
      buildUiAuthSettings({ SMTP_HOST: 'mail', SMTP_SENDER_EMAIL: 'a@b' }, 'k', []).smtp?.tls,
      true,
    );
  });

  test('names each invalid variable', () => {
    const problems: string[] = [];
    buildUiAuthSettings(
      {
        PROXY_BASE_URL: 'llm.example.com',
        PROXY_LOGOUT_URL: 'javascript:alert(1)',
        TOLLGATE_UI_SESSION_DURATION: 'forever',
        SMTP_HOST: 'mail',
        SMTP_PORT: '99999',
      },
      'k',
      problems,
    );
    assert.deepEqual(
      problems.map((p) => p.split(':')[0]),
      [
        'PROXY_BASE_URL',
        'PROXY_LOGOUT_URL',
        'TOLLGATE_UI_SESSION_DURATION',
        'SMTP_PORT',
        'SMTP_SENDER_EMAIL',
      ],
    );
  });

  test('no admin password without UI_PASSWORD and a master key', () => {
    assert.equal(buildUiAuthSettings({}, undefined, []).adminPassword, undefined);
  });
});
