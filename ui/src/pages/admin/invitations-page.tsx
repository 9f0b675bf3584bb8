/** Invitation links: who was invited, until when, whether it was used; admins delete them. */
import { useState } from 'react';
import { api } from '../../api/http';
import { invitationLink } from '../../api/invitations';
import type { Invitation } from '../../api/types';
import { CopyButton } from '../../components/copy-button';
import { confirmAction } from '../../components/dialog';
import { PageTitle } from '../../components/layout';
import { Pager } from '../../components/pager';
import { Empty, ErrorNote, Loaded } from '../../components/states';
import { dateTime } from '../../format';
import { isProxyAdmin, useSession } from '../../session';
import { useAction, useLoad } from '../../use-load';

const PAGE_SIZE = 25;

interface InvitationList {
  invitations: Invitation[];
  total: number;
  total_pages: number;
}

function statusOf(invitation: Invitation): string {
  if (invitation.is_accepted || invitation.accepted_at) return 'Used';
  return new Date(invitation.expires_at).getTime() < Date.now() ? 'Expired' : 'Open';
}

export function InvitationsPage() {
  const { session } = useSession();
  const canEdit = isProxyAdmin(session.user_role);
  const [page, setPage] = useState(1);
  const invitations = useLoad(
    () => api.get<InvitationList>('/invitation/list', { page, page_size: PAGE_SIZE }),
    [page],
  );
  const action = useAction();
  const remove = (invitation: Invitation) => {
    if (!confirmAction('Delete this invitation? Its link stops working.')) return;
    void action.run(async () => {
      await api.post('/invitation/delete', { invitation_id: invitation.id });
      invitations.reload();
    });
  };
  return (
    <section>
      <PageTitle title="Invitations" />
      <p className="hint">Invite someone from the Users page. Links work once, for 7 days.</p>
      <ErrorNote>{action.error}</ErrorNote>
      <Loaded state={invitations} what="the invitations">
        {({ invitations: list, total, total_pages }) =>
          list.length === 0 ? (
            <Empty>No invitations.</Empty>
          ) : (
            <>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">User</th>
                      <th scope="col">Status</th>
                      <th scope="col">Created</th>
                      <th scope="col">Expires</th>
                      <th scope="col">Actions</th>
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((invitation) => (
                      <tr key={invitation.id}>
                        <td className="mono">{invitation.user_id}</td>
                        <td>{statusOf(invitation)}</td>
                        <td>{dateTime(invitation.created_at)}</td>
                        <td>{dateTime(invitation.expires_at)}</td>
                        <td className="row-actions">
                          {statusOf(invitation) === 'Open' && (
                            <CopyButton value={invitationLink(invitation)} label="Copy link" />
                          )}
                          {canEdit && (
                            <button
                              type="button"
                              className="danger"
                              onClick={() => remove(invitation)}
                            >
                              Delete
                            </button>
                          )}
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <Pager page={page} totalPages={total_pages} total={total} onPage={setPage} />
            </>
          )
        }
      </Loaded>
    </section>
  );
}
