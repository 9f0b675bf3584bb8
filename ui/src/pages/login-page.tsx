/**
 * Sign in with an email (or the admin's user name) and a password, or, when the gateway has an
 * identity provider configured, through it (a plain link: the provider's pages are not ours).
 */
import { useEffect, useState, type FormEvent } from 'react';
import { api } from '../api/http';
import type { Session } from '../api/types';
import { SSO_START, uiConfig } from '../api/ui-config';
import { TextField } from '../components/fields';
import { ErrorNote } from '../components/states';
import { useAction } from '../use-load';

export function LoginPage({ onSignedIn }: { onSignedIn(session: Session): void }) {
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [ssoOffered, setSsoOffered] = useState(false);
  useEffect(() => {
    let current = true;
    void uiConfig().then((config) => current && setSsoOffered(config.sso_configured));
    return () => {
      current = false;
    };
  }, []);
  const action = useAction();
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    await action.run(async () => {
      await api.post('/login', { username, password });
      // /session carries the CSRF token along with who signed in.
      onSignedIn(await api.get<Session>('/session'));
    });
  };
  return (
    <main className="center-card">
      <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="login-title">
        <h1 id="login-title">Sign in to Tollgate</h1>
        <TextField
          label="Email or user name"
          name="username"
          autoComplete="username"
          required
          autoFocus
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <TextField
          label="Password"
          name="password"
          type="password"
          autoComplete="current-password"
          required
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <ErrorNote>{action.error && loginError(action.error)}</ErrorNote>
        <button type="submit" disabled={action.busy}>
          {action.busy ? 'Signing in…' : 'Sign in'}
        </button>
        {ssoOffered && (
          <>
            <p className="or">or</p>
            <a className="button-link" href={SSO_START}>
              Sign in with SSO
            </a>
          </>
        )}
        <p className="hint">Invited? Open the link from your invitation to set your password.</p>
      </form>
    </main>
  );
}

function loginError(message: string): string {
  return /invalid|credential|password|401/i.test(message)
    ? 'That email and password do not match. Check them and try again.'
    : message;
}
