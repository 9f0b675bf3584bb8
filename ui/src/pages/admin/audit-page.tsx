/** The audit log of admin changes, newest first, a page at a time, filtered by table and action. */
import { useState } from 'react';
import { api } from '../../api/http';
import type { AuditEntry, AuditPage as AuditList } from '../../api/types';
import { SelectField } from '../../components/fields';
import { PageTitle } from '../../components/layout';
import { Pager } from '../../components/pager';
import { Empty, Loaded } from '../../components/states';
import { dateTime } from '../../format';
import { useLoad } from '../../use-load';

const PAGE_SIZE = 50;
const any = { value: '', label: 'Any' };
const TABLES = [
  any,
  ...['keys', 'users', 'teams', 'team_members', 'customers', 'models'].map((t) => ({
    value: t,
    label: t,
  })),
];
const ACTIONS = [
  any,
  ...['created', 'updated', 'deleted', 'blocked', 'unblocked', 'regenerated'].map((a) => ({
    value: a,
    label: a,
  })),
];

export function AuditPage() {
  const [page, setPage] = useState(1);
  const [table, setTable] = useState('');
  const [action, setAction] = useState('');
  const [open, setOpen] = useState<AuditEntry>();
  const log = useLoad(
    () =>
      api.get<AuditList>('/audit/logs', { page, page_size: PAGE_SIZE, table_name: table, action }),
    [page, table, action],
  );
  return (
    <section>
      <PageTitle title="Audit log" />
      <div className="row filters">
        <SelectField
          label="Table"
          options={TABLES}
          value={table}
          onChange={(e) => {
            setPage(1);
            setTable(e.target.value);
          }}
        />
        <SelectField
          label="Action"
          options={ACTIONS}
          value={action}
          onChange={(e) => {
            setPage(1);
            setAction(e.target.value);
          }}
        />
      </div>
      <Loaded state={log} what="the audit log">
        {(data) =>
          data.audit_logs.length === 0 ? (
            <Empty>No changes recorded{table || action ? ' for these filters' : ''}.</Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">When</th>
                      <th scope="col">Who</th>
                      <th scope="col">Action</th>
                      <th scope="col">What</th>
                      <th scope="col">Details</th>
                    </tr>
                  </thead>
                  <tbody>
                    {data.audit_logs.map((entry) => (
                      <tr key={entry.id}>
                        <td>{dateTime(entry.updated_at)}</td>
                        <td className="mono">{entry.changed_by}</td>
                        <td>{entry.action}</td>
                        <td>
                          {entry.table_name}
                          <div className="muted mono">{entry.object_id.slice(0, 24)}</div>
                        </td>
                        <td>
                          <button
                            type="button"
                            className="secondary"
                            aria-expanded={open?.id === entry.id}
                            onClick={() => setOpen(open?.id === entry.id ? undefined : entry)}
                          >
                            {open?.id === entry.id ? 'Hide' : 'Show'}
                          </button>
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              {open && (
                <div className="two-columns">
                  <div>
                    <h2>Before</h2>
                    <pre className="json">{JSON.stringify(open.before_value, null, 2)}</pre>
                  </div>
                  <div>
                    <h2>After</h2>
                    <pre className="json">{JSON.stringify(open.updated_values, null, 2)}</pre>
                  </div>
                </div>
              )}
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
