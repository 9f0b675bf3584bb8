/**
 * Tags: cost centres and projects with a budget (`/tag/*`). Every call booked under a stored tag
 * (its request's tags, its key's) is held to the tag's budget, whichever key it comes with. The
 * tags calls carried that nobody stored are listed after them, as spend labels that can be given
 * a budget.
 */
import { useState, type FormEvent } from 'react';
import { api } from '../../api/http';
import { confirmAction, Dialog, FormActions } from '../../components/dialog';
import { BudgetFields, periodWords, TextField } from '../../components/fields';
import { PageTitle } from '../../components/layout';
import { Empty, ErrorNote, Loaded } from '../../components/states';
import { budget, day, money, optionalNumber } from '../../format';
import { isProxyAdmin, useSession } from '../../session';
import { useAction, useLoad } from '../../use-load';

/** A tag as `/tag/list` shows it: stored ones have a budget (`budget_id`), labels do not. */
interface TagRow {
  name: string;
  description: string | null;
  spend?: number;
  budget_id?: string | null;
  max_budget?: number | null;
  budget_duration?: string | null;
  budget_reset_at?: string | null;
  rpm_limit?: number | null;
  created_at: string;
}

export function TagsPage() {
  const { session } = useSession();
  const canEdit = isProxyAdmin(session.user_role);
  const [editing, setEditing] = useState<{ tag?: TagRow; name?: string }>();
  const tags = useLoad(() => api.get<TagRow[]>('/tag/list'), []);
  const action = useAction();
  const remove = (tag: TagRow) => {
    if (!confirmAction(`Delete the tag "${tag.name}"? Its calls are no longer held to its budget.`))
      return;
    void action.run(async () => {
      await api.post('/tag/delete', { name: tag.name });
      tags.reload();
    });
  };
  return (
    <section>
      <PageTitle title="Tags">
        {canEdit && (
          <button type="button" onClick={() => setEditing({})}>
            Add tag
          </button>
        )}
      </PageTitle>
      <p className="muted">
        Calls carry tags in their metadata, in the <code>x-litellm-tags</code> header or on their
        key. A tag with a budget holds every call booked under it.
      </p>
      <ErrorNote>{action.error}</ErrorNote>
      <Loaded state={tags} what="the tags">
        {(list) =>
          list.length === 0 ? (
            <Empty>No tags yet.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Tag</th>
                    <th scope="col">Budget</th>
                    <th scope="col">Requests per minute</th>
                    <th scope="col">Actions</th>
                  </tr>
                </thead>
                <tbody>
                  {list.map((tag) => {
                    const stored = tag.budget_id !== undefined;
                    return (
                      <tr key={tag.name}>
                        <td>
                          {tag.name}
                          <div className="muted">
                            {stored ? (tag.description ?? '') : 'Spend label only'}
                          </div>
                        </td>
                        <td>
                          {stored ? (
                            <>
                              {money(tag.spend)} / {budget(tag.max_budget)}
                              {tag.budget_duration && (
                                <div className="muted">
                                  {periodWords(tag.budget_duration)}
                                  {tag.budget_reset_at && ` · resets ${day(tag.budget_reset_at)}`}
                                </div>
                              )}
                            </>
                          ) : (
                            '—'
                          )}
                        </td>
                        <td>{tag.rpm_limit ?? '—'}</td>
                        <td className="row-actions">
                          {canEdit && stored && (
                            <>
                              <button
                                type="button"
                                className="secondary"
                                onClick={() => setEditing({ tag })}
                              >
                                Edit
                              </button>
                              <button type="button" className="danger" onClick={() => remove(tag)}>
                                Delete
                              </button>
                            </>
                          )}
                          {canEdit && !stored && (
                            <button
                              type="button"
                              className="secondary"
                              onClick={() => setEditing({ name: tag.name })}
                            >
                              Set a budget
                            </button>
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
        <TagDialog
          tag={editing.tag}
          name={editing.name}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            tags.reload();
          }}
        />
      )}
    </section>
  );
}

function TagDialog(props: { tag?: TagRow; name?: string; onClose(): void; onSaved(): void }) {
  const { tag } = props;
  const [name, setName] = useState(tag?.name ?? props.name ?? '');
  const [description, setDescription] = useState(tag?.description ?? '');
  const [maxBudget, setMaxBudget] = useState(tag?.max_budget?.toString() ?? '');
  const [period, setPeriod] = useState(tag?.budget_duration ?? '');
  const [rpm, setRpm] = useState(tag?.rpm_limit?.toString() ?? '');
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const fields = {
      name: name.trim(),
      description: description.trim() || null,
      max_budget: optionalNumber(maxBudget) ?? null,
      budget_duration: period || null,
      rpm_limit: optionalNumber(rpm) ?? null,
    };
    void action.run(async () => {
      await api.post(tag ? '/tag/update' : '/tag/new', fields);
      props.onSaved();
    });
  };
  return (
    <Dialog title={tag ? `Edit tag ${tag.name}` : 'Add a tag'} onClose={props.onClose}>
      <form onSubmit={submit}>
        <TextField
          label="Name"
          required
          autoFocus={!tag}
          readOnly={Boolean(tag)}
          hint="As calls carry it; no commas."
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <TextField
          label="Description"
          value={description}
          onChange={(e) => setDescription(e.target.value)}
        />
        <BudgetFields
          maxBudget={maxBudget}
          onMaxBudget={setMaxBudget}
          period={period}
          onPeriod={setPeriod}
          hint="Shared by every call under the tag, whatever its key."
        />
        <TextField
          label="Requests per minute (empty: no limit)"
          type="number"
          min="0"
          step="1"
          value={rpm}
          onChange={(e) => setRpm(e.target.value)}
        />
        <ErrorNote>{action.error}</ErrorNote>
        <FormActions onCancel={props.onClose} busy={action.busy}>
          Save
        </FormActions>
      </form>
    </Dialog>
  );
}
