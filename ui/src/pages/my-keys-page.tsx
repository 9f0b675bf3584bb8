/**
 * My keys: the signed-in user's virtual keys, a page at a time. Users who may manage them create
 * (name, team, models, budget, duration), regenerate and delete; the secret of a new or
 * regenerated key is shown once. The gateway caps budgets and durations at the operator's bounds.
 */
import { useState, type FormEvent } from 'react';
import { api } from '../api/http';
import { durationWords, keyBounds, type KeyBounds } from '../api/key-bounds';
import type { GeneratedKey, KeyPage, KeyRow, TeamRow, UserInfo } from '../api/types';
import { SecretBox } from '../components/copy-button';
import { confirmAction, Dialog, FormActions } from '../components/dialog';
import {
  BUDGET_PERIODS,
  DURATIONS,
  ModelPicker,
  SelectField,
  TextField,
} from '../components/fields';
import { PageTitle } from '../components/layout';
import { Pager } from '../components/pager';
import { Empty, ErrorNote, Loaded } from '../components/states';
import { budget, expiry, money, optionalNumber } from '../format';
import { useSecrets } from '../secrets';
import { managesOwnKeys, useSession } from '../session';
import { useAction, useLoad } from '../use-load';
import { KeyTable } from './key-table';

const PAGE_SIZE = 25;

export function MyKeysPage() {
  const { session } = useSession();
  const { remember } = useSecrets();
  const [page, setPage] = useState(1);
  const [creating, setCreating] = useState(false);
  const [shown, setShown] = useState<GeneratedKey>();
  const keys = useLoad(
    () =>
      api.get<KeyPage>('/key/list', {
        user_id: session.user_id,
        page,
        size: PAGE_SIZE,
        return_full_object: true,
      }),
    [page, session.user_id],
  );
  const action = useAction();
  const canManage = managesOwnKeys(session.user_role);

  const reveal = (key: GeneratedKey) => {
    remember({ alias: key.key_alias ?? key.key_name ?? 'new key', secret: key.key });
    setShown(key);
    keys.reload();
  };
  const remove = (key: KeyRow) => {
    if (
      !confirmAction(
        `Delete the key "${key.key_alias ?? key.token.slice(0, 8)}"? Apps using it stop working.`,
      )
    )
      return;
    void action.run(async () => {
      await api.post('/key/delete', { keys: [key.token] });
      keys.reload();
    });
  };
  const regenerate = (key: KeyRow) => {
    if (!confirmAction('Make a new secret for this key? The old secret stops working.')) return;
    void action.run(async () => {
      reveal(await api.post<GeneratedKey>('/key/regenerate', { key: key.token }));
    });
  };

  return (
    <section>
      <PageTitle title="My keys">
        {canManage && (
          <button type="button" onClick={() => setCreating(true)}>
            Create key
          </button>
        )}
      </PageTitle>
      {!canManage && <p className="hint">Your account can see its keys but not change them.</p>}
      <ErrorNote>{action.error}</ErrorNote>
      <Loaded state={keys} what="your keys">
        {(data) =>
          data.keys.length === 0 ? (
            <Empty>
              You have no keys yet.{canManage && ' Create one to call models from your apps.'}
            </Empty>
          ) : (
            <>
              <KeyTable
                keys={data.keys}
                onDelete={canManage ? remove : undefined}
                onRegenerate={canManage ? regenerate : undefined}
              />
              <Pager
                page={page}
                totalPages={data.total_pages}
                total={data.total_count}
                onPage={setPage}
              />
            </>
          )
        }
      </Loaded>
      {creating && (
        <CreateKeyDialog
          onClose={() => setCreating(false)}
          onCreated={(key) => {
            setCreating(false);
            reveal(key);
          }}
        />
      )}
      {shown && <NewSecretDialog generated={shown} onClose={() => setShown(undefined)} />}
    </section>
  );
}

function CreateKeyDialog(props: { onClose(): void; onCreated(key: GeneratedKey): void }) {
  const { session } = useSession();
  const bounds = useLoad(keyBounds, []);
  const teams = useLoad(
    () =>
      api.get<UserInfo>('/user/info', { user_id: session.user_id }).then((me) => me.teams ?? []),
    [session.user_id],
  );
  const [name, setName] = useState('');
  const [team, setTeam] = useState('');
  const [picked, setPicked] = useState<string[]>([]);
  const [maxBudget, setMaxBudget] = useState('');
  const [period, setPeriod] = useState('');
  const [duration, setDuration] = useState('');
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    void action.run(async () => {
      const created = await api.post<GeneratedKey>('/key/generate', {
        key_alias: name.trim(),
        team_id: team || undefined,
        models: picked,
        max_budget: optionalNumber(maxBudget),
        budget_duration: period || undefined,
        duration: duration || undefined,
      });
      props.onCreated(created);
    });
  };
  return (
    <Dialog title="Create a key" onClose={props.onClose}>
      <form onSubmit={submit}>
        <TextField
          label="Name"
          name="key_alias"
          required
          autoFocus
          maxLength={200}
          value={name}
          hint="Say what uses it, e.g. “laptop” or “reporting job”."
          onChange={(e) => setName(e.target.value)}
        />
        {teams.data && teams.data.length > 0 && (
          <SelectField
            label="Team"
            options={teamChoices(teams.data)}
            value={team}
            onChange={(e) => setTeam(e.target.value)}
          />
        )}
        <Loaded state={bounds} what="what your keys may have">
          {(allowed) => (
            <>
              <BoundsNote bounds={allowed} />
              <ModelPicker
                label="Models"
                choices={allowed.models}
                value={picked}
                onChange={setPicked}
              />
              <TextField
                label="Budget in USD (optional)"
                name="max_budget"
                type="number"
                min="0"
                max={allowed.max_budget ?? undefined}
                step="0.01"
                value={maxBudget}
                hint={
                  allowed.max_budget === null
                    ? 'Empty: no budget of its own.'
                    : `At most ${money(allowed.max_budget)}; empty means that much.`
                }
                onChange={(e) => setMaxBudget(e.target.value)}
              />
              <SelectField
                label="Budget period"
                options={BUDGET_PERIODS}
                value={period}
                onChange={(e) => setPeriod(e.target.value)}
              />
              <SelectField
                label="Expires after"
                options={
                  allowed.duration === null
                    ? DURATIONS
                    : [
                        {
                          value: '',
                          label: `The longest allowed (${durationWords(allowed.duration)})`,
                        },
                        ...DURATIONS.slice(1),
                      ]
                }
                value={duration}
                onChange={(e) => setDuration(e.target.value)}
              />
            </>
          )}
        </Loaded>
        <ErrorNote>{action.error}</ErrorNote>
        <FormActions onCancel={props.onClose} busy={action.busy}>
          {action.busy ? 'Creating…' : 'Create key'}
        </FormActions>
      </form>
    </Dialog>
  );
}

/** None makes a personal key, which `key_generation_settings` may keep from SSO users. */
function teamChoices(teams: readonly TeamRow[]): { value: string; label: string }[] {
  return [
    { value: '', label: 'None (a personal key)' },
    ...teams.map((t) => ({ value: t.team_id, label: t.team_alias ?? t.team_id })),
  ];
}

/** The operator's limits, said before the form is sent (the gateway lowers anything above). */
function BoundsNote({ bounds }: { bounds: KeyBounds }) {
  const limits = [
    bounds.max_budget !== null && `a budget of ${money(bounds.max_budget)}`,
    bounds.budget_duration !== null &&
      `a budget period of ${durationWords(bounds.budget_duration)}`,
    bounds.duration !== null && `a lifetime of ${durationWords(bounds.duration)}`,
    bounds.rpm_limit !== null && `${bounds.rpm_limit} requests a minute`,
    bounds.tpm_limit !== null && `${bounds.tpm_limit} tokens a minute`,
  ].filter((limit): limit is string => typeof limit === 'string');
  if (limits.length === 0) return null;
  return (
    <p className="notice" data-testid="key-bounds">
      Your admin allows keys at most {limits.join(', ')}.
    </p>
  );
}

function NewSecretDialog(props: { generated: GeneratedKey; onClose(): void }) {
  const { generated } = props;
  return (
    <Dialog title="Your new key" onClose={props.onClose}>
      <p>
        Copy it now: this is the only time it is shown. Anyone with it can spend your budget, so
        keep it like a password.
      </p>
      <SecretBox value={generated.key} name="New key" />
      <dl className="facts">
        <dt>Budget</dt>
        <dd>{budget(generated.max_budget)}</dd>
        <dt>Expires</dt>
        <dd>{expiry(generated.expires)}</dd>
      </dl>
      <div className="form-actions">
        <button type="button" onClick={props.onClose}>
          Done
        </button>
      </div>
    </Dialog>
  );
}
