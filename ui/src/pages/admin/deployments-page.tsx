/**
 * Model deployments: every model the gateway serves; those stored in the database can be added,
 * changed and removed by admins (config models are changed in config.yaml).
 */
import { useState, type FormEvent } from 'react';
import { api } from '../../api/http';
import type { ModelInfoEntry } from '../../api/types';
import { confirmAction, Dialog, FormActions } from '../../components/dialog';
import { TextField } from '../../components/fields';
import { PageTitle } from '../../components/layout';
import { Empty, ErrorNote, Loaded } from '../../components/states';
import { isProxyAdmin, useSession } from '../../session';
import { useAction, useLoad } from '../../use-load';
import { perMillion } from '../models-page';

export function DeploymentsPage() {
  const { session } = useSession();
  const canEdit = isProxyAdmin(session.user_role);
  const models = useLoad(() => api.get<{ data: ModelInfoEntry[] }>('/model/info'), []);
  const [editing, setEditing] = useState<ModelInfoEntry | 'new'>();
  const action = useAction();
  const remove = (model: ModelInfoEntry) => {
    if (!confirmAction(`Remove the deployment ${model.model_name} (${model.model_info.id})?`))
      return;
    void action.run(async () => {
      await api.post('/model/delete', { id: model.model_info.id });
      models.reload();
    });
  };
  return (
    <section>
      <PageTitle title="Model deployments">
        {canEdit && (
          <button type="button" onClick={() => setEditing('new')}>
            Add model
          </button>
        )}
      </PageTitle>
      <ErrorNote>{action.error}</ErrorNote>
      <Loaded state={models} what="the models">
        {({ data }) =>
          data.length === 0 ? (
            <Empty>No models yet.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Model name</th>
                    <th scope="col">Provider model</th>
                    <th scope="col">Source</th>
                    <th scope="col">Input / output per 1M</th>
                    {canEdit && <th scope="col">Actions</th>}
                  </tr>
                </thead>
                <tbody>
                  {data.map((model) => (
                    <tr key={model.model_info.id}>
                      <td className="mono">{model.model_name}</td>
                      <td className="mono">{String(model.litellm_params.model ?? '')}</td>
                      <td>{model.model_info.db_model ? 'Database' : 'Config file'}</td>
                      <td>
                        {perMillion(model.model_info.input_cost_per_token)} /{' '}
                        {perMillion(model.model_info.output_cost_per_token)}
                      </td>
                      {canEdit && (
                        <td className="row-actions">
                          {model.model_info.db_model && (
                            <>
                              <button
                                type="button"
                                className="secondary"
                                onClick={() => setEditing(model)}
                              >
                                Edit
                              </button>
                              <button
                                type="button"
                                className="danger"
                                onClick={() => remove(model)}
                              >
                                Remove
                              </button>
                            </>
                          )}
                        </td>
                      )}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )
        }
      </Loaded>
      {editing && (
        <ModelDialog
          model={editing === 'new' ? undefined : editing}
          onClose={() => setEditing(undefined)}
          onSaved={() => {
            setEditing(undefined);
            models.reload();
          }}
        />
      )}
    </section>
  );
}

function ModelDialog(props: { model?: ModelInfoEntry; onClose(): void; onSaved(): void }) {
  const { model } = props;
  const [name, setName] = useState(model?.model_name ?? '');
  const [target, setTarget] = useState(String(model?.litellm_params.model ?? ''));
  const [apiBase, setApiBase] = useState(String(model?.litellm_params.api_base ?? ''));
  const [apiKey, setApiKey] = useState('');
  const action = useAction();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const params: Record<string, unknown> = { model: target.trim() };
    if (apiBase.trim()) params.api_base = apiBase.trim();
    // A stored key is never shown; an empty field keeps it.
    if (apiKey) params.api_key = apiKey;
    void action.run(async () => {
      if (model) {
        await api.post('/model/update', {
          model_name: name.trim(),
          litellm_params: params,
          model_info: { id: model.model_info.id },
        });
      } else {
        await api.post('/model/new', { model_name: name.trim(), litellm_params: params });
      }
      props.onSaved();
    });
  };
  return (
    <Dialog title={model ? 'Edit model' : 'Add a model'} onClose={props.onClose}>
      <form onSubmit={submit}>
        <TextField
          label="Model name"
          required
          autoFocus
          value={name}
          hint="What callers ask for, e.g. gpt-4o."
          onChange={(e) => setName(e.target.value)}
        />
        <TextField
          label="Provider model"
          required
          value={target}
          hint="Provider and model as in config.yaml, e.g. openai/gpt-4o."
          onChange={(e) => setTarget(e.target.value)}
        />
        <TextField
          label="API base (optional)"
          type="url"
          value={apiBase}
          onChange={(e) => setApiBase(e.target.value)}
        />
        <TextField
          label="API key"
          type="password"
          autoComplete="off"
          value={apiKey}
          hint={
            model
              ? 'Leave empty to keep the stored key. Keys are stored encrypted.'
              : 'Stored encrypted.'
          }
          onChange={(e) => setApiKey(e.target.value)}
        />
        <ErrorNote>{action.error}</ErrorNote>
        <FormActions onCancel={props.onClose} busy={action.busy}>
          Save
        </FormActions>
      </form>
    </Dialog>
  );
}
