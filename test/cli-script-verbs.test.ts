/**
 * The `litellm-users.sh` guide's commands, as written with `tollgate` in place of the script,
 * against a real gateway; then the real `tollgate` binary for the environment variables, the
 * exit codes, `help` and shell completion.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { adminClient, type AdminClient } from './helpers/admin-client.js';
import { tollgate } from './helpers/cli-harness.js';
import { testDatabases, type OpenedTestStore } from './helpers/databases.js';
import { MASTER_KEY, startGateway, type TestGateway } from './helpers/gateway.js';
import { outputOf, runTollgate } from './helpers/run-tollgate.js';

const CONFIG = {
  model_list: [
    { model_name: 'claude-haiku-4-5', litellm_params: { model: 'mock/claude-haiku-4-5' } },
    { model_name: 'claude-sonnet-4-5', litellm_params: { model: 'mock/claude-sonnet-4-5' } },
  ],
  general_settings: { master_key: MASTER_KEY },
};

/** Every command block of the guide, in its order, verbatim. */
const GUIDE = String.raw`
./litellm-users.sh help
./litellm-users.sh create-user --email user@example.com --budget 50
./litellm-users.sh create-key --alias "user-laptop"
./litellm-users.sh list-users
./litellm-users.sh create-user --email user2@example.com
./litellm-users.sh create-user \
  --email user3@example.com \
  --budget 50 \
  --duration monthly
./litellm-users.sh create-user \
  --email dev@example.com \
  --budget 10 \
  --models '["claude-haiku-4-5"]'
./litellm-users.sh list-users
./litellm-users.sh get-user <user_id>
./litellm-users.sh update-budget --user-id <user_id> --budget 100
./litellm-users.sh create-key \
  --alias "test-key" \
  --budget 5 \
  --duration monthly
./litellm-users.sh create-key \
  --user-id <user_id> \
  --alias "laptop-key"
./litellm-users.sh create-key \
  --alias "haiku-only" \
  --models '["claude-haiku-4-5"]' \
  --budget 10
./litellm-users.sh list-keys
./litellm-users.sh delete-key <key>
./litellm-users.sh delete-user <user_id>
./litellm-users.sh create-user \
  --email intern@example.com \
  --budget 5 \
  --models '["claude-haiku-4-5"]'
./litellm-users.sh create-user \
  --email developer@example.com \
  --budget 50 \
  --models '["claude-haiku-4-5", "claude-sonnet-4-5"]'
./litellm-users.sh create-user \
  --email senior@example.com \
  --budget 200
./litellm-users.sh create-key \
  --alias "dev-environment" \
  --models '["claude-haiku-4-5"]' \
  --budget 20
./litellm-users.sh create-key \
  --alias "staging-environment" \
  --budget 100
./litellm-users.sh create-key \
  --alias "production" \
  --budget 500
`;

/** The guide's command lines, continuation lines joined and split into words as a shell would. */
function commandsOf(text: string): string[][] {
  return text
    .replace(/\\\n\s*/g, '')
    .split('\n')
    .filter((line) => line.startsWith('./litellm-users.sh'))
    .map((line) =>
      [...line.matchAll(/'([^']*)'|"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2] ?? m[3]!).slice(1),
    );
}

for (const database of await testDatabases()) {
  describe(
    `the litellm-users.sh guide with tollgate on ${database.name}`,
    { skip: database.skip },
    () => {
      let opened: OpenedTestStore;
      let gateway: TestGateway;
      let api: AdminClient;
      before(async () => {
        opened = await database.open();
        gateway = await startGateway(CONFIG, { store: opened.store });
        api = adminClient(gateway.url, MASTER_KEY);
      });
      after(async () => {
        await gateway.close();
        await opened.close();
      });

      it('runs every example as written, and each does what the guide says', async () => {
        const env = { LITELLM_MASTER_KEY: MASTER_KEY, LITELLM_URL: gateway.url };
        const placeholders: Record<string, string> = {};
        for (const words of commandsOf(GUIDE)) {
          const args = words.map((w) => placeholders[w] ?? w);
          const r = await tollgate(args, { env });
          assert.equal(r.code, 0, `tollgate ${args.join(' ')}\n${r.stderr}`);
          if (args[0] === 'create-user' && args[2] === 'dev@example.com') {
            placeholders['<user_id>'] = /^user_id +(\S+)$/m.exec(r.stdout)![1]!;
          }
          if (args[0] === 'create-key' && args.includes('test-key')) {
            placeholders['<key>'] = /^ {4}(sk-\S+)$/m.exec(r.stdout)![1]!;
          }
        }
        const users = (await api.get('/user/list?page_size=100')).body.users;
        const byEmail = (email: string) =>
          users.find((u: { user_email: string }) => u.user_email === email);
        assert.deepEqual(
          [byEmail('user3@example.com').max_budget, byEmail('user3@example.com').budget_duration],
          [50, 'monthly'],
        );
        assert.deepEqual(byEmail('developer@example.com').models, [
          'claude-haiku-4-5',
          'claude-sonnet-4-5',
        ]);
        assert.equal(byEmail('dev@example.com'), undefined, 'deleted by delete-user');
        const keys = (await api.get('/key/list?return_full_object=true&size=100')).body.keys;
        const byAlias = (alias: string) =>
          keys.find((k: { key_alias: string }) => k.key_alias === alias);
        assert.equal(byAlias('test-key'), undefined, 'deleted by delete-key');
        assert.deepEqual(
          [byAlias('haiku-only').models, byAlias('haiku-only').max_budget],
          [['claude-haiku-4-5'], 10],
        );
        assert.equal(byAlias('production').max_budget, 500);
      });

      it('update-budget changes the budget the user is held to', async () => {
        const env = { LITELLM_MASTER_KEY: MASTER_KEY, LITELLM_URL: gateway.url };
        await api.post('/user/new', { user_id: 'budgeted', max_budget: 1, auto_create_key: false });
        const r = await tollgate(['update-budget', '--user-id', 'budgeted', '--budget', '100'], {
          env,
        });
        assert.equal(r.code, 0, r.stderr);
        assert.equal((await api.get('/user/info?user_id=budgeted')).body.user_info.max_budget, 100);
      });
    },
  );
}

describe('the tollgate binary', () => {
  let opened: OpenedTestStore;
  let gateway: TestGateway;
  before(async () => {
    opened = await (await testDatabases())[0]!.open();
    gateway = await startGateway(CONFIG, { store: opened.store });
  });
  after(async () => {
    await gateway.close();
    await opened.close();
  });

  it('reads LITELLM_URL and LITELLM_MASTER_KEY, and exits 1 with one line when refused', async () => {
    const env = { LITELLM_URL: gateway.url, LITELLM_MASTER_KEY: MASTER_KEY };
    const created = await outputOf(
      runTollgate(['create-user', '--email', 'bin@example.com', '--json'], { env }),
    );
    assert.equal(created.code, 0, created.out);
    assert.equal(JSON.parse(created.out).user_email, 'bin@example.com');
    const refused = await outputOf(
      runTollgate(['list-users'], { env: { ...env, LITELLM_MASTER_KEY: 'sk-nope' } }),
    );
    assert.equal(refused.code, 1);
    assert.match(refused.out, /^tollgate: the gateway refused the master key \(401\)/);
    assert.equal(refused.out.trim().split('\n').length, 1);
    const noTerminal = await outputOf(runTollgate(['users', 'delete', 'x'], { env }));
    assert.equal(noTerminal.code, 1);
    assert.match(noTerminal.out, /standard input is not a terminal; pass --yes/);
  });

  it('help lists the script verbs and the command groups', async () => {
    const r = await outputOf(runTollgate(['help']));
    assert.equal(r.code, 0);
    for (const verb of [
      'create-user',
      'list-users',
      'get-user',
      'delete-user',
      'update-budget',
      'create-key',
      'list-keys',
      'delete-key',
      'users',
      'keys',
      'teams',
      'apply',
    ]) {
      assert.match(r.out, new RegExp(`^  ${verb}\\b`, 'm'), verb);
    }
  });

  it('completion bash completes commands, subcommands and flags', async () => {
    const script = (await tollgate(['completion', 'bash'])).stdout;
    const complete = (line: string) => {
      const words = line.split(' ');
      return execFileSync('bash', [
        '-c',
        `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _tollgate; echo "\${COMPREPLY[*]}"`,
      ])
        .toString()
        .trim();
    };
    assert.match(complete('tollgate us'), /^users$/);
    assert.equal(complete('tollgate keys re'), 'regenerate');
    assert.match(complete('tollgate keys create --bud'), /--budget --budget-duration/);
    assert.match(complete('tollgate create-user --em'), /--email/);
    const zsh = (await tollgate(['completion', 'zsh'])).stdout;
    assert.match(zsh, /^#compdef tollgate/);
    assert.match(zsh, /bashcompinit/);
    const bad = await tollgate(['completion', 'fish']);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /expected bash or zsh/);
  });
});
