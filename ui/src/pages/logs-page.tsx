/**
 * Logs: the calls of the spend log, newest first, a page at a time, filtered by time range, model,
 * status and request id. Admins and admin viewers see every call; anyone else sees only their own
 * (the gateway limits what it answers).
 */
import { Fragment, useState, type FormEvent } from 'react';
import { api } from '../api/http';
import type { SpendLogPage, SpendLogRow } from '../api/types';
import { SelectField, TextField } from '../components/fields';
import { PageTitle } from '../components/layout';
import { Pager } from '../components/pager';
import { Empty, Loaded } from '../components/states';
import { dateTime, money } from '../format';
import { useLoad } from '../use-load';

const PAGE_SIZE = 50;
const HOUR_MS = 3_600_000;
const RANGES = [
  { value: '1', label: 'Last hour' },
  { value: '24', label: 'Last 24 hours' },
  { value: '168', label: 'Last 7 days' },
  { value: '720', label: 'Last 30 days' },
];
const STATUSES = [
  { value: '', label: 'Any' },
  { value: 'success', label: 'Success' },
  { value: 'failure', label: 'Failure' },
];
const COLUMNS = 8;

export function LogsPage() {
  const [page, setPage] = useState(1);
  const [hours, setHours] = useState('24');
  const [status, setStatus] = useState('');
  const [model, setModel] = useState('');
  const [requestId, setRequestId] = useState('');
  const [filters, setFilters] = useState({ model: '', request_id: '' });
  const [open, setOpen] = useState<string>();
  const logs = useLoad(() => {
    const now = Date.now();
    return api.get<SpendLogPage>('/spend/logs/ui', {
      start_date: utcTime(now - Number(hours) * HOUR_MS),
      // The gateway reads whole seconds: a second on takes in the calls of this one.
      end_date: utcTime(now + 1000),
      model: filters.model,
      request_id: filters.request_id,
      status_filter: status,
      page,
      page_size: PAGE_SIZE,
    });
  }, [page, hours, status, filters]);
  const filter = (event: FormEvent) => {
    event.preventDefault();
    setPage(1);
    setFilters({ model: model.trim(), request_id: requestId.trim() });
  };
  const filtered = Boolean(status || filters.model || filters.request_id);

  return (
    <section>
      <PageTitle title="Logs" />
      <form className="search" role="search" onSubmit={filter}>
        <SelectField
          label="Time range"
          options={RANGES}
          value={hours}
          onChange={(e) => {
            setPage(1);
            setHours(e.target.value);
          }}
        />
        <SelectField
          label="Status"
          options={STATUSES}
          value={status}
          onChange={(e) => {
            setPage(1);
            setStatus(e.target.value);
          }}
        />
        <TextField
          label="Model"
          hint="The exact model name; empty: any"
          value={model}
          onChange={(e) => setModel(e.target.value)}
        />
        <TextField
          label="Request id"
          value={requestId}
          onChange={(e) => setRequestId(e.target.value)}
        />
        <button type="submit" className="secondary">
          Filter
        </button>
      </form>
      <Loaded state={logs} what="the logs">
        {(data) =>
          data.data.length === 0 ? (
            <Empty>No calls in this time range{filtered ? ' for these filters' : ''}.</Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Model</th>
                      <th scope="col">Key</th>
                      <th scope="col">Tokens</th>
                      <th scope="col">Cost</th>
                      <th scope="col">Duration</th>
                      <th scope="col">Status</th>
                      <th scope="col">Details</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.data.map((call) => {
                      const shown = open === call.request_id;
                      const detailsId = `call-${call.request_id}`;
                      return (
                        <Fragment key={call.request_id}>
                          <tr>
                            <td>{dateTime(call.startTime)}</td>
                            <td>
                              {call.model_group ?? call.model}
                              <div className="muted mono">{providerModel(call)}</div>
                            </td>
                            <td>{keyName(call)}</td>
                            <td>
                              {call.prompt_tokens.toLocaleString()} →{' '}
                              {call.completion_tokens.toLocaleString()}
                            </td>
                            <td>{money(call.spend)}</td>
                            <td>{duration(call.request_duration_ms)}</td>
                            <td>{call.status}</td>
                            <td>
                              <button
                                type="button"
                                className="secondary"
                                aria-expanded={shown}
                                aria-controls={shown ? detailsId : undefined}
                                onClick={() => setOpen(shown ? undefined : call.request_id)}
                              >
                                {shown ? 'Hide' : 'Show'}
                              </button>
                            </td>
                          </tr>
                          {shown && (
                            <tr id={detailsId}>
                              <td colSpan={COLUMNS}>
                                <CallDetails call={call} />
                              </td>
                            </tr>
                          )}
                        </Fragment>
                      );
                    })}
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
    </section>
  );
}

function CallDetails({ call }: { call: SpendLogRow }) {
  const tags = tagsOf(call);
  return (
    <>
      <dl className="facts">
        <dt>Request id</dt>
        <dd className="mono">{call.request_id}</dd>
        <dt>Call type</dt>
        <dd>{call.call_type}</dd>
        <dt>Tags</dt>
        <dd>{tags.length === 0 ? '—' : tags.join(', ')}</dd>
        <dt>Customer</dt>
        <dd>{call.end_user || '—'}</dd>
        <dt>Team</dt>
        <dd className="mono">{call.team_id || '—'}</dd>
        <dt>User</dt>
        <dd className="mono">{call.user || '—'}</dd>
        <dt>Cache hit</dt>
        <dd>{call.cache_hit === 'True' ? 'Yes' : 'No'}</dd>
      </dl>
      {kept(call.messages) && (
        <>
          <h2>Request</h2>
          <pre className="json">{JSON.stringify(parsed(call.messages), null, 2)}</pre>
        </>
      )}
      {kept(call.response) && (
        <>
          <h2>Response</h2>
          <pre className="json">{JSON.stringify(parsed(call.response), null, 2)}</pre>
        </>
      )}
      <h2>Metadata</h2>
      <pre className="json">{JSON.stringify(metadataOf(call), null, 2)}</pre>
    </>
  );
}

/** A request or answer the gateway kept (`store_prompts_in_spend_logs`): not the empty `{}`. */
function kept(value: unknown): boolean {
  const content = parsed(value);
  if (content === undefined || content === null) return false;
  return typeof content !== 'object' || Object.keys(content).length > 0;
}

/** `YYYY-MM-DD HH:MM:SS` in UTC, the time format the spend routes read. */
function utcTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 19).replace('T', ' ');
}

/** The model the provider was asked for, as a deployment names it (`openai/gpt-4o`). */
function providerModel(call: SpendLogRow): string {
  return call.custom_llm_provider ? `${call.custom_llm_provider}/${call.model}` : call.model;
}

/** The key's alias when it had one, else the start of its hash. */
function keyName(call: SpendLogRow): string {
  const alias = metadataOf(call).user_api_key_alias;
  if (typeof alias === 'string' && alias !== '') return alias;
  return call.api_key ? `${call.api_key.slice(0, 12)}…` : '—';
}

function duration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms.toLocaleString()} ms`;
  return `${(ms / 1000).toLocaleString(undefined, { maximumFractionDigits: 2 })} s`;
}

/** A JSON column read as LiteLLM's database may hand it over: parsed, or still as text. */
function parsed(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

function metadataOf(call: SpendLogRow): Record<string, unknown> {
  const value = parsed(call.metadata);
  return value && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

function tagsOf(call: SpendLogRow): string[] {
  const value = parsed(call.request_tags);
  return Array.isArray(value) ? value.map(String) : [];
}
