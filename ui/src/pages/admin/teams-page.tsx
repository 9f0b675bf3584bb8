/**
 * Teams: budgets, models and members with their roles, a page at a time from the gateway
 * (`/v2/team/list`, searched by name there); a team's members are read from /team/info.
 */
import { useState, type FormEvent } from 'react';
import { api } from '../../api/http';
import { usableModels } from '../../api/models';
import type { TeamPage, TeamRow } from '../../api/types';
import { AddMemberForm } from '../../components/add-member-form';
import { confirmAction, Dialog, FormActions } from '../../components/dialog';
import { BudgetFields, ModelPicker, TextField } from '../../components/fields';
import { PageTitle } from '../../components/layout';
import { Pager } from '../../components/pager';
import { Empty, ErrorNote, Loaded } from '../../components/states';
import { budget, day, modelList, money, optionalNumber } from '../../format';
import { isProxyAdmin, useSession } from '../../session';
import { useAction, useLoad } from '../../use-load';

const PAGE_SIZE = 25;

export function TeamsPage() {
  const { session } = useSession();
  const canEdit = isProxyAdmin(session.user_role);
  const [page, setPage] = useState(1);
  const [search, setSearch] = useState('');
  const [query, setQuery] = useState('');
  const [editing, setEditing] = useState<TeamRow | 'new'>();
  const [members, setMembers] = useState<TeamRow>();
  const teams = useLoad(
    () =>
      api.get<TeamPage>('/v2/team/list', {
        page,
        page_size: PAGE_SIZE,
        team_alias: query || undefined,
      }),
    [page, query],
  );
  const find = (event: FormEvent) => {
    event.preventDefault();
    setPage(1);
    setQuery(search.trim());
  };
  const action = useAction();
  const remove = (team: TeamRow) => {
    if (!confirmAction(`Delete the team "${team.team_alias ?? team.team_id}" and its keys?`))
      return;
    void action.run(async () => {
      await api.post('/team/delete', { team_ids: [team.team_id] });
      teams.reload();
    });
  };
  return (
    <section>
      <PageTitle title="Teams">
        {canEdit && (
          <button type="button" onClick={() => setEditing('new')}>
            Add team
          </button>
        )}
      </PageTitle>
      <form className="search" role="search" onSubmit={find}>
        <TextField
          label="Search by name"
          type="search"
          value={search}
          onChange={(e) => setSearch(e.target.value)}
        />
        <button type="submit" className="secondary">
          Search
        </button>
      </form>
      <ErrorNote>{action.error}</ErrorNote>
      <Loaded state={teams} what="the teams">
        {(data) => {
          if (data.teams.length === 0) {
            return <Empty>{query ? `No team's name contains “${query}”.` : 'No teams yet.'}</Empty>;
          }
          const shown = data.teams;
          return (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Team</th>
                      <th scope="col">Members</th>
                      <th scope="col">Models</th>
                      <th scope="col">Spend</th>
                      <th scope="col">Budget</th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {shown.map((team) => (
                      <tr key={team.team_id}>
                        <td>
                          {team.team_alias ?? 'Unnamed team'}
                          {team.blocked && <span className="badge">blocked</span>}
                          <div className="muted mono">{team.team_id}</div>
                        </td>
                        <td>{team.members_with_roles.length}</td>
                        <td>{modelList(team.models)}</td>
                        <td>{money(team.spend)}</td>
                        <td>
                          {budget(team.max_budget)}
                          {team.budget_reset_at && (
                            <div className="muted">resets {day(team.budget_reset_at)}</div>
                          )}
                        </td>
                        <td className="row-actions">
                          <button
                            type="button"
                            className="secondary"
                            onClick={() => setMembers(team)}
                          >
                            Members
                          </button>
                          {canEdit && (
                            <>
                              <button
                                type="button"
                                className="secondary"
                                onClick={() => setEditing(team)}
                              >
                                Edit
                              </button>
                              <button type="button" className="danger" onClick={() => remove(team)}>
                                Delete
                              </button>
                            </>
                          )}
                        </td>
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
          );
        }}
      </Loaded>
      {editing && (
        <TeamDialog
          team={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            teams.reload();
          }}
        />
      )}
      {members && (
        <MembersDialog
          teamId={members.team_id}
          title={members.team_alias ?? members.team_id}
          canEdit={canEdit}
          onClose={() => {
            setMembers(undefined);
            teams.reload();
          }}
        />
      )}
    </section>
  );
}

function TeamDialog(props: { team?: TeamRow; onClose(): void; onSaved(): void }) {
  const { team } = props;
  const models = useLoad(usableModels, []);
  const [alias, setAlias] = useState(team?.team_alias ?? '');
  const [maxBudget, setMaxBudget] = useState(team?.max_budget?.toString() ?? '');
  const [period, setPeriod] = useState(team?.budget_duration ?? '');
  const [picked, setPicked] = useState<string[]>(team?.models ?? []);
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const fields = {
      team_alias: alias.trim(),
      max_budget: optionalNumber(maxBudget) ?? null,
      budget_duration: period || null,
      models: picked,
    };
    void action.run(async () => {
      await api.post(
        team ? '/team/update' : '/team/new',
        team ? { team_id: team.team_id, ...fields } : fields,
      );
      props.onSaved();
    });
  };
  return (
    <Dialog title={team ? 'Edit team' : 'Add a team'} onClose={props.onClose}>
      <form onSubmit={submit}>
        <TextField
          label="Name"
          required
          autoFocus
          value={alias}
          onChange={(e) => setAlias(e.target.value)}
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
          Save
        </FormActions>
      </form>
    </Dialog>
  );
}

interface TeamInfo {
  team_info: TeamRow;
}

function MembersDialog(props: {
  teamId: string;
  title: string;
  canEdit: boolean;
  onClose(): void;
}) {
  const info = useLoad(
    () => api.get<TeamInfo>('/team/info', { team_id: props.teamId }),
    [props.teamId],
  );
  const action = useAction();
  const change = (path: string, body: Record<string, unknown>) =>
    void action.run(async () => {
      await api.post(path, { team_id: props.teamId, ...body });
      info.reload();
    });
  const roles = [
    { value: 'user', label: 'Member' },
    { value: 'admin', label: 'Team admin' },
  ];
  return (
    <Dialog title={`Members of ${props.title}`} onClose={props.onClose}>
      <ErrorNote>{action.error}</ErrorNote>
      <Loaded state={info} what="the members">
        {({ team_info }) =>
          team_info.members_with_roles.length === 0 ? (
            <Empty>This team has no members.</Empty>
          ) : (
            <ul className="member-list">
              {team_info.members_with_roles.map((m) => (
                <li key={m.user_id ?? m.user_email}>
                  <span>{m.user_email ?? m.user_id}</span>
                  {props.canEdit ? (
                    <>
                      <select
                        aria-label={`Role of ${m.user_email ?? m.user_id}`}
                        value={m.role}
                        onChange={(e) =>
                          change('/team/member_update', {
                            user_id: m.user_id,
                            role: e.target.value,
                          })
                        }
                      >
                        {roles.map((r) => (
                          <option key={r.value} value={r.value}>
                            {r.label}
                          </option>
                        ))}
                      </select>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => change('/team/member_delete', { user_id: m.user_id })}
                      >
                        Remove
                      </button>
                    </>
                  ) : (
                    <span className="muted">{m.role === 'admin' ? 'Team admin' : 'Member'}</span>
                  )}
                </li>
              ))}
            </ul>
          )
        }
      </Loaded>
      {props.canEdit && (
        <AddMemberForm
          roles={roles}
          initialRole="user"
          busy={action.busy}
          onAdd={(email, role) =>
            change('/team/member_add', { member: { role, user_email: email } })
          }
        />
      )}
    </Dialog>
  );
}
