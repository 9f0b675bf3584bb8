/** A page of keys, with delete and regenerate for those who may change them. */
import type { KeyRow } from '../api/types';
import { budget, day, expiry, modelList, money } from '../format';

export function KeyTable(props: {
  keys: KeyRow[];
  showOwner?: boolean;
  onDelete?(key: KeyRow): void;
  onRegenerate?(key: KeyRow): void;
}) {
  const actions = props.onDelete || props.onRegenerate;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            {props.showOwner && <th scope="col">Owner</th>}
            <th scope="col">Models</th>
            <th scope="col">Spend</th>
            <th scope="col">Budget</th>
            <th scope="col">Expires</th>
            <th scope="col">Created</th>
            {actions && <th scope="col">Actions</th>}
          </tr>
        </thead>
        <tbody>
          {props.keys.map((key) => (
            <tr key={key.token}>
              <td>
                {key.key_alias ?? 'Unnamed key'}
                <div className="muted mono">{key.key_name ?? `${key.token.slice(0, 8)}…`}</div>
              </td>
              {props.showOwner && <td>{key.user_id ?? key.team_id ?? '—'}</td>}
              <td>{modelList(key.models)}</td>
              <td>{money(key.spend)}</td>
              <td>
                {budget(key.max_budget)}
                {key.budget_reset_at && (
                  <div className="muted">resets {day(key.budget_reset_at)}</div>
                )}
              </td>
              <td>{expiry(key.expires)}</td>
              <td>{day(key.created_at)}</td>
              {actions && (
                <td className="row-actions">
                  {props.onRegenerate && (
                    <button
                      type="button"
                      className="secondary"
                      onClick={() => props.onRegenerate?.(key)}
                    >
                      Regenerate
                    </button>
                  )}
                  {props.onDelete && (
                    <button type="button" className="danger" onClick={() => props.onDelete?.(key)}>
                      Delete
                    </button>
                  )}
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
