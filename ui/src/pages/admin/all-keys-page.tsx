/** Every key, a page at a time from the gateway, filtered by owner or name; admins delete. */
import { useState, type FormEvent } from 'react';
import { api } from '../../api/http';
import type { KeyPage, KeyRow } from '../../api/types';
import { confirmAction } from '../../components/dialog';
import { TextField } from '../../components/fields';
import { PageTitle } from '../../components/layout';
import { Pager } from '../../components/pager';
import { Empty, ErrorNote, Loaded } from '../../components/states';
import { isProxyAdmin, useSession } from '../../session';
import { useAction, useLoad } from '../../use-load';
import { KeyTable } from '../key-table';

const PAGE_SIZE = 50;

export function AllKeysPage() {
  const { session } = useSession();
  const [page, setPage] = useState(1);
  const [owner, setOwner] = useState('');
  const [alias, setAlias] = useState('');
  const [filters, setFilters] = useState({ user_id: '', key_alias: '' });
  const keys = useLoad(
    () =>
      api.get<KeyPage>('/key/list', {
        page,
        size: PAGE_SIZE,
        return_full_object: true,
        user_id: filters.user_id,
        key_alias: filters.key_alias,
      }),
    [page, filters],
  );
  const action = useAction();
  const remove = (key: KeyRow) => {
    if (!confirmAction(`Delete the key "${key.key_alias ?? key.token.slice(0, 8)}"?`)) return;
    void action.run(async () => {
      await api.post('/key/delete', { keys: [key.token] });
      keys.reload();
    });
  };
  const filter = (event: FormEvent) => {
    event.preventDefault();
    setPage(1);
    setFilters({ user_id: owner.trim(), key_alias: alias.trim() });
  };
  return (
    <section>
      <PageTitle title="All keys" />
      <form className="search" role="search" onSubmit={filter}>
        <TextField
          label="Owner (user id)"
          value={owner}
          onChange={(e) => setOwner(e.target.value)}
        />
        <TextField label="Key name" value={alias} onChange={(e) => setAlias(e.target.value)} />
        <button type="submit" className="secondary">
          Filter
        </button>
      </form>
      <ErrorNote>{action.error}</ErrorNote>
      <Loaded state={keys} what="the keys">
        {(data) =>
          data.keys.length === 0 ? (
            <Empty>No keys match.</Empty>
          ) : (
            <>
              <KeyTable
                keys={data.keys}
                showOwner
                onDelete={isProxyAdmin(session.user_role) ? remove : undefined}
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
    </section>
  );
}
