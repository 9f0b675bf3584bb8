/**
 * Users: search by email, a page at a time from the gateway; admins create, invite (a link to
 * copy), change role, budget and models, and delete. Viewers see the same list without buttons.
 */
import { useState, type FormEvent } from 'react';
import { api } from '../../api/http';
import { inviteUser, invitationLink } from '../../api/invitations';
import { usableModels } from '../../api/models';
import type { ProxyRole, UserPage, UserRow } from '../../api/types';
import { SecretBox } from '../../components/copy-button';
import { confirmAction, Dialog, FormActions } from '../../components/dialog';
import { BudgetFields, ModelPicker, SelectField, TextField } from '../../components/fields';
import { PageTitle } from '../../components/layout';
import { Pager } from '../../components/pager';
import { Empty, ErrorNote, Loaded } from '../../components/states';
import { budget, day, modelList, money, optionalNumber } from '../../format';
import { isProxyAdmin, ROLE_LABELS, useSession } from '../../session';
import { useAction, useLoad } from '../../use-load';
import { ResetPasswordDialog } from './reset-password-dialog';

const PAGE_SIZE = 25;
const ROLE_OPTIONS = (Object.keys(ROLE_LABELS) as ProxyRole[]).map((role) => ({
  value: role,
  label: ROLE_LABELS[role],
}));

export function UsersPage() {
  const { session } = useSession();
  const canEdit = isProxyAdmin(session.user_role);
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [page, setPage] = useState(1);
  const [editing, setEditing] = useState<UserRow | 'new'>();
  const [invite, setInvite] = useState<{ email: string; link: string }>();
  const [resetting, setResetting] = useState<UserRow>();
  const [notice, setNotice] = useState<string>();
  const users = useLoad(
    () =>
      api.get<UserPage>('/user/list', {
        page,
        page_size: PAGE_SIZE,
        user_email: query || undefined,
      }),
    [page, query],
  );
  const action = useAction();

  const sendInvite = (user: UserRow) =>
    void action.run(async () => {
      const created = await inviteUser(user.user_id);
      setInvite({ email: user.user_email ?? user.user_id, link: invitationLink(created) });
    });
  const remove = (user: UserRow) => {
    if (!confirmAction(`Delete ${user.user_email ?? user.user_id} and all their keys?`)) return;
    void action.run(async () => {
      await api.post('/user/delete', { user_ids: [user.user_id] });
      users.reload();
    });
  };
  const find = (event: FormEvent) => {
    event.preventDefault();
    setPage(1);
    setQuery(search.trim());
  };

  return (
    <section>
      <PageTitle title="Users">
        {canEdit && (
          <button type="button" onClick={() => setEditing('new')}>
            Add user
          </button>
        )}
      </PageTitle>
      <form className="search" role="search" onSubmit={find}>
        <TextField
          label="Search by email"
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <button type="submit" className="secondary">
          Search
        </button>
      </form>
      <ErrorNote>{action.error}</ErrorNote>
      {notice && (
        <p className="notice" aria-live="polite">
          {notice}
        </p>
      )}
      <Loaded state={users} what="the users">
        {(data) =>
          data.users.length === 0 ? (
            <Empty>{query ? `No user's email contains “${query}”.` : 'No users yet.'}</Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">User</th>
                      <th scope="col">Role</th>
                      <th scope="col">Models</th>
                      <th scope="col">Spend</th>
                      <th scope="col">Budget</th>
                      <th scope="col">Created</th>
                      {canEdit && <th scope="col">Actions</th>}
                    </tr>
                  </thead>
                  <tbody>
                    {data.users.map((user) => (
                      <tr key={user.user_id}>
                        <td>
                          {user.user_email ?? user.user_alias ?? user.user_id}
                          <div className="muted mono">{user.user_id}</div>
                        </td>
                        <td>{ROLE_LABELS[user.user_role] ?? user.user_role}</td>
                        <td>{modelList(user.models)}</td>
                        <td>{money(user.spend)}</td>
                        <td>{budget(user.max_budget)}</td>
                        <td>{day(user.created_at)}</td>
                        {canEdit && (
                          <td className="row-actions">
                            <button
                              type="button"
                              className="secondary"
                              onClick={() => sendInvite(user)}
                            >
                              Invite
                            </button>
                            <button
                              type="button"
                              className="secondary"
                              onClick={() => setEditing(user)}
                            >
                              Edit
                            </button>
                            <button
                              type="button"
                              className="secondary"
                              onClick={() => setResetting(user)}
                            >
                              Reset password
                            </button>
                            <button type="button" className="danger" onClick={() => remove(user)}>
                              Delete
                            </button>
                          </td>
                        )}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager
                page={page}
                totalPages={data.total_pages}
                total={data.total}
                onPage={setPage}
              />
            </>
          )
        }
      </Loaded>
      {editing && (
        <UserDialog
          user={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(undefined)}
          onSaved={(created) => {
            setEditing(undefined);
            users.reload();
            if (created) sendInvite(created);
          }}
        />
      )}
      {resetting && (
        <ResetPasswordDialog
          user={resetting}
          onClose={() => setResetting(undefined)}
          onDone={() => {
            setNotice(
              `${resetting.user_email ?? resetting.user_id} has a new password and was signed out.`,
            );
            setResetting(undefined);
          }}
        />
      )}
      {invite && (
        <Dialog title="Invitation link" onClose={() => setInvite(undefined)}>
          <p>
            Send this link to <strong>{invite.email}</strong>. It works once, for 7 days, and lets
            them choose a password.
          </p>
          <SecretBox value={invite.link} name="Invitation link" />
        </Dialog>
      )}
    </section>
  );
}

/** Creates a user (then shows its invitation link) or changes one. */
function UserDialog(props: { user?: UserRow; onClose(): void; onSaved(created?: UserRow): void }) {
  const { user } = props;
  const models = useLoad(usableModels, []);
  const [email, setEmail] = useState(user?.user_email ?? '');
  const [role, setRole] = useState<string>(user?.user_role ?? 'internal_user');
  const [maxBudget, setMaxBudget] = useState(user?.max_budget?.toString() ?? '');
  const [period, setPeriod] = useState(user?.budget_duration ?? '');
  const [picked, setPicked] = useState<string[]>(user?.models ?? []);
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const settings = {
      user_role: role,
      max_budget: optionalNumber(maxBudget) ?? null,
      budget_duration: period || null,
      models: picked,
    };
    void action.run(async () => {
      if (user) {
        await api.post('/user/update', { user_id: user.user_id, ...settings });
        props.onSaved();
      } else {
        const created = await api.post<UserRow>('/user/new', {
          user_email: email.trim(),
          auto_create_key: false,
          ...settings,
          max_budget: settings.max_budget ?? undefined,
          budget_duration: settings.budget_duration ?? undefined,
        });
        props.onSaved(created);
      }
    });
  };
  return (
    <Dialog
      title={user ? `Edit ${user.user_email ?? user.user_id}` : 'Add a user'}
      onClose={props.onClose}
    >
      <form onSubmit={submit}>
        {!user && (
          <TextField
            label="Email"
            type="email"
            name="user_email"
            required
            autoFocus
            value={email}
            onChange={(e) => setEmail(e.target.value)}
            hint="They get an invitation link to set their password."
          />
        )}
        <SelectField
          label="Role"
          options={ROLE_OPTIONS}
          value={role}
          onChange={(e) => setRole(e.target.value)}
        />
        <BudgetFields
          maxBudget={maxBudget}
          onMaxBudget={setMaxBudget}
          period={period}
          onPeriod={setPeriod}
        />
        <Loaded state={models} what="the models">
          {(choices) => (
            <ModelPicker
              label="Models"
              choices={[...new Set([...choices, ...picked])]}
              value={picked}
              onChange={setPicked}
            />
          )}
        </Loaded>
        <ErrorNote>{action.error}</ErrorNote>
        <FormActions onCancel={props.onClose} busy={action.busy}>
          {user ? 'Save' : 'Add and invite'}
        </FormActions>
      </form>
    </Dialog>
  );
}
