/**
 * Organizations: the teams they own, the models those teams may use, a budget all of them share,
 * and members with their roles in the organization (`/organization/*`). Deleting one deletes its
 * teams and their keys too, as the gateway does.
 */
import { useState, type FormEvent } from 'react';
import { api } from '../../api/http';
import { usableModels } from '../../api/models';
import {
  ORGANIZATION_ROLES,
  organizationRoleLabel,
  userEmails,
  type OrganizationRow,
} from '../../api/organizations';
import { AddMemberForm } from '../../components/add-member-form';
import { confirmAction, Dialog, FormActions } from '../../components/dialog';
import { BudgetFields, ModelPicker, periodWords, TextField } from '../../components/fields';
import { PageTitle } from '../../components/layout';
import { Empty, ErrorNote, Loaded } from '../../components/states';
import { budget, day, modelList, money, optionalNumber } from '../../format';
import { isProxyAdmin, useSession } from '../../session';
import { useAction, useLoad } from '../../use-load';

export function OrganizationsPage() {
  const { session } = useSession();
  const canEdit = isProxyAdmin(session.user_role);
  const [editing, setEditing] = useState<OrganizationRow | 'new'>();
  const [members, setMembers] = useState<OrganizationRow>();
  const organizations = useLoad(() => api.get<OrganizationRow[]>('/organization/list'), []);
  const action = useAction();
  const remove = (organization: OrganizationRow) => {
    const teams = organization.teams.length;
    const question =
      `Delete the organization "${nameOf(organization)}"? Its teams and their keys are ` +
      `deleted too (${teams} ${teams === 1 ? 'team' : 'teams'}).`;
    if (!confirmAction(question)) return;
    void action.run(async () => {
      await api.post('/organization/delete', {
        organization_ids: [organization.organization_id],
      });
      organizations.reload();
    });
  };
  return (
    <section>
      <PageTitle title="Organizations">
        {canEdit && (
          <button type="button" onClick={() => setEditing('new')}>
            Add organization
          </button>
        )}
      </PageTitle>
      <ErrorNote>{action.error}</ErrorNote>
      <Loaded state={organizations} what="the organizations">
        {(list) =>
          list.length === 0 ? (
            <Empty>No organizations yet.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Organization</th>
                    <th scope="col">Models</th>
                    <th scope="col">Budget</th>
                    <th scope="col">Teams</th>
                    <th scope="col">Members</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((organization) => {
                    const limits = organization.litellm_budget_table;
                    return (
                      <tr key={organization.organization_id}>
                        <td>
                          {organization.organization_alias ?? 'Unnamed organization'}
                          <div className="muted mono">{organization.organization_id}</div>
                        </td>
                        <td>{modelList(organization.models)}</td>
                        <td>
                          {money(organization.spend)} / {budget(limits?.max_budget)}
                          {limits?.budget_duration && (
                            <div className="muted">
                              {periodWords(limits.budget_duration)}
                              {organization.budget_reset_at &&
                                ` · resets ${day(organization.budget_reset_at)}`}
                            </div>
                          )}
                        </td>
                        <td>{organization.teams.length}</td>
                        <td>{organization.members.length}</td>
                        <td className="row-actions">
                          <button
                            type="button"
                            className="secondary"
                            onClick={() => setMembers(organization)}
                          >
                            Members
                          </button>
                          {canEdit && (
                            <>
                              <button
                                type="button"
                                className="secondary"
                                onClick={() => setEditing(organization)}
                              >
                                Edit
                              </button>
                              <button
                                type="button"
                                className="danger"
                                onClick={() => remove(organization)}
                              >
                                Delete
                              </button>
                            </>
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      {editing && (
        <OrganizationDialog
          organization={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            organizations.reload();
          }}
        />
      )}
      {members && (
        <MembersDialog
          organizationId={members.organization_id}
          title={nameOf(members)}
          canEdit={canEdit}
          onClose={() => {
            setMembers(undefined);
            organizations.reload();
          }}
        />
      )}
    </section>
  );
}

function nameOf(organization: OrganizationRow): string {
  return organization.organization_alias ?? organization.organization_id;
}

function OrganizationDialog(props: {
  organization?: OrganizationRow;
  onClose(): void;
  onSaved(): void;
}) {
  const { organization } = props;
  const limits = organization?.litellm_budget_table;
  const models = useLoad(usableModels, []);
  const [alias, setAlias] = useState(organization?.organization_alias ?? '');
  const [maxBudget, setMaxBudget] = useState(limits?.max_budget?.toString() ?? '');
  const [period, setPeriod] = useState(limits?.budget_duration ?? '');
  const [picked, setPicked] = useState<string[]>(organization?.models ?? []);
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const fields = {
      organization_alias: alias.trim(),
      max_budget: optionalNumber(maxBudget) ?? null,
      budget_duration: period || null,
      models: picked,
    };
    void action.run(async () => {
      await api.post(
        organization ? '/organization/update' : '/organization/new',
        organization ? { organization_id: organization.organization_id, ...fields } : fields,
      );
      props.onSaved();
    });
  };
  return (
    <Dialog
      title={organization ? 'Edit organization' : 'Add an organization'}
      onClose={props.onClose}
    >
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
          hint="Shared by every team of the organization."
        />
        <Loaded state={models} what="the models">
          {(choices) => (
            <ModelPicker
              label="Models its teams may use"
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

function MembersDialog(props: {
  organizationId: string;
  title: string;
  canEdit: boolean;
  onClose(): void;
}) {
  const info = useLoad(async () => {
    const organization = await api.get<OrganizationRow>('/organization/info', {
      organization_id: props.organizationId,
    });
    // Only for showing who is who: without the emails, the user ids stand in.
    const emails = await userEmails(organization.members.map((m) => m.user_id)).catch(
      () => new Map<string, string>(),
    );
    return { members: organization.members, emails };
  }, [props.organizationId]);
  const action = useAction();
  const change = (path: string, body: Record<string, unknown>) =>
    void action.run(async () => {
      await api.post(path, { organization_id: props.organizationId, ...body });
      info.reload();
    });
  return (
    <Dialog title={`Members of ${props.title}`} onClose={props.onClose}>
      <ErrorNote>{action.error}</ErrorNote>
      <Loaded state={info} what="the members">
        {({ members, emails }) =>
          members.length === 0 ? (
            <Empty>This organization has no members.</Empty>
          ) : (
            <ul className="member-list">
              {members.map((m) => {
                const who = emails.get(m.user_id) ?? m.user_id;
                return (
                  <li key={m.user_id}>
                    <span>{who}</span>
                    {props.canEdit ? (
                      <>
                        <select
                          aria-label={`Role of ${who}`}
                          value={m.user_role}
                          onChange={(e) =>
                            change('/organization/member_update', {
                              user_id: m.user_id,
                              role: e.target.value,
                            })
                          }
                        >
                          {ORGANIZATION_ROLES.map((r) => (
                            <option key={r.value} value={r.value}>
                              {r.label}
                            </option>
                          ))}
                        </select>
                        <button
                          type="button"
                          className="danger"
                          aria-label={`Remove ${who}`}
                          onClick={() =>
                            change('/organization/member_delete', { user_id: m.user_id })
                          }
                        >
                          Remove
                        </button>
                      </>
                    ) : (
                      <span className="muted">{organizationRoleLabel(m.user_role)}</span>
                    )}
                  </li>
                );
              })}
            </ul>
          )
        }
      </Loaded>
      {props.canEdit && (
        <AddMemberForm
          roles={ORGANIZATION_ROLES}
          initialRole="internal_user"
          busy={action.busy}
          onAdd={(email, role) =>
            change('/organization/member_add', { member: { role, user_email: email } })
          }
        />
      )}
    </Dialog>
  );
}
