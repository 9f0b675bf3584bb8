/** The models the signed-in user may call, with their prices per million tokens. */
import { api } from '../api/http';
import type { ModelInfoEntry } from '../api/types';
import { PageTitle } from '../components/layout';
import { Empty, Loaded } from '../components/states';
import { useLoad } from '../use-load';

export function perMillion(price: number | null | undefined): string {
  return price === null || price === undefined ? 'Unknown' : `$${(price * 1e6).toFixed(2)}`;
}

export function ModelsPage() {
  const models = useLoad(() => api.get<{ data: ModelInfoEntry[] }>('/model/info'), []);
  return (
    <section>
      <PageTitle title="Models" />
      <p className="hint">The models your account may call, and what they cost.</p>
      <Loaded state={models} what="the models">
        {({ data }) => {
          const groups = [...new Map(data.map((m) => [m.model_name, m])).values()];
          return groups.length === 0 ? (
            <Empty>No models are available to you. Ask your admin for access.</Empty>
          ) : (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Model</th>
                    <th scope="col">Kind</th>
                    <th scope="col">Input, per 1M tokens</th>
                    <th scope="col">Output, per 1M tokens</th>
                    <th scope="col">Max tokens</th>
                  </tr>
                </thead>
                <tbody>
                  {groups.map((model) => (
                    <tr key={model.model_name}>
                      <td className="mono">{model.model_name}</td>
                      <td>{model.model_info.mode ?? 'chat'}</td>
                      <td>{perMillion(model.model_info.input_cost_per_token)}</td>
                      <td>{perMillion(model.model_info.output_cost_per_token)}</td>
                      <td>{model.model_info.max_tokens?.toLocaleString() ?? '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          );
        }}
      </Loaded>
    </section>
  );
}
