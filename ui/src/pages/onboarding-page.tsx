/** The invitation link's page: the invited user sets a password and is signed in. */
import { useState, type FormEvent } from 'react';
import { api } from '../api/http';
import type { Session } from '../api/types';
import { TextField } from '../components/fields';
import { ErrorNote, Loaded } from '../components/states';
import { useAction, useLoad } from '../use-load';

interface InvitedUser {
  user_id: string;
  user_email: string | null;
  /** A short-lived token that only claims this invitation (LiteLLM's onboarding token). */
  token?: string;
}

const MIN_PASSWORD = 8;

export function OnboardingPage(props: { invitationId: string; onSignedIn(s: Session): void }) {
  const invite = useLoad(
    () => api.get<InvitedUser>('/onboarding/get_token', { invite_link: props.invitationId }),
    [props.invitationId],
  );
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const action = useAction();
  const [problem, setProblem] = useState<string>();
  const submit = async (event: FormEvent, user: InvitedUser) => {
    event.preventDefault();
    setProblem(passwordProblem(password, repeat));
    if (passwordProblem(password, repeat)) return;
    await action.run(async () => {
      await api.post(
        '/onboarding/claim_token',
        { invitation_link: props.invitationId, user_id: user.user_id, password },
        user.token ? { authorization: `Bearer ${user.token}` } : {},
      );
      props.onSignedIn(await api.get<Session>('/session'));
    });
  };
  if (!props.invitationId) {
    return (
      <main className="center-card">
        <div className="card">
          <h1>Invitation link incomplete</h1>
          <ErrorNote>This link has no invitation in it. Ask your admin for a new one.</ErrorNote>
        </div>
      </main>
    );
  }
  return (
    <main className="center-card">
      <div className="card">
        <h1>Welcome to Tollgate</h1>
        <Loaded state={invite} what="your invitation">
          {(user) => (
            <form onSubmit={(e) => void submit(e, user)}>
              <p>
                Set a password for <strong>{user.user_email ?? user.user_id}</strong>.
              </p>
              <TextField
                label="New password"
                type="password"
                autoComplete="new-password"
                required
                value={password}
                hint={`At least ${MIN_PASSWORD} characters.`}
                onChange={(e) => setPassword(e.target.value)}
              />
              <TextField
                label="Repeat the password"
                type="password"
                autoComplete="new-password"
                required
                value={repeat}
                onChange={(e) => setRepeat(e.target.value)}
              />
              <ErrorNote>{problem ?? action.error}</ErrorNote>
              <button type="submit" disabled={action.busy}>
                {action.busy ? 'Saving…' : 'Set password and sign in'}
              </button>
            </form>
          )}
        </Loaded>
      </div>
    </main>
  );
}

function passwordProblem(password: string, repeat: string): string | undefined {
  if (password.length < MIN_PASSWORD)
    return `Choose a password of at least ${MIN_PASSWORD} characters.`;
  if (password !== repeat) return 'The two passwords differ. Type the same password twice.';
  return undefined;
}
