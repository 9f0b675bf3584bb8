/**
 * The app: finds out who is signed in, then shows the login, the onboarding page of an
 * invitation link, or the page the path names. Admin pages are only routed for admin roles;
 * anyone else who opens one sees "not allowed" (and the gateway refuses their calls anyway).
 */
import { useCallback, useEffect, useState, type ReactNode } from 'react';
import { api, endSession, onSessionLost, setCsrfToken } from './api/http';
import type { Session } from './api/types';
import { PageErrorBoundary } from './components/error-boundary';
import { Layout } from './components/layout';
import { ErrorNote, Loading } from './components/states';
import { AllKeysPage } from './pages/admin/all-keys-page';
import { AuditPage } from './pages/admin/audit-page';
import { DeploymentsPage } from './pages/admin/deployments-page';
import { InvitationsPage } from './pages/admin/invitations-page';
import { OrganizationsPage } from './pages/admin/organizations-page';
import { SpendReportsPage } from './pages/admin/spend-reports-page';
import { TagsPage } from './pages/admin/tags-page';
import { TeamsPage } from './pages/admin/teams-page';
import { UsersPage } from './pages/admin/users-page';
import { LoginPage } from './pages/login-page';
import { LogsPage } from './pages/logs-page';
import { ModelsPage } from './pages/models-page';
import { MyKeysPage } from './pages/my-keys-page';
import { OnboardingPage } from './pages/onboarding-page';
import { PlaygroundPage } from './pages/playground-page';
import { UsagePage } from './pages/usage-page';
import { navigate, useLocation } from './router';
import { SecretsProvider } from './secrets';
import { seesAdminPages, SessionContext } from './session';

const PAGES: Record<string, () => ReactNode> = {
  '/keys': () => <MyKeysPage />,
  '/usage': () => <UsagePage />,
  '/logs': () => <LogsPage />,
  '/models': () => <ModelsPage />,
  '/playground': () => <PlaygroundPage />,
};

const ADMIN_PAGES: Record<string, () => ReactNode> = {
  '/admin/users': () => <UsersPage />,
  '/admin/teams': () => <TeamsPage />,
  '/admin/organizations': () => <OrganizationsPage />,
  '/admin/tags': () => <TagsPage />,
  '/admin/keys': () => <AllKeysPage />,
  '/admin/spend': () => <SpendReportsPage />,
  '/admin/models': () => <DeploymentsPage />,
  '/admin/invitations': () => <InvitationsPage />,
  '/admin/audit': () => <AuditPage />,
};

type Status = { kind: 'checking' } | { kind: 'signed-out' } | { kind: 'in'; session: Session };

export function App() {
  const { path, query } = useLocation();
  const [status, setStatus] = useState<Status>({ kind: 'checking' });
  const [problem, setProblem] = useState<string>();

  const signedIn = useCallback((session: Session) => {
    setCsrfToken(session.csrf_token);
    setStatus({ kind: 'in', session });
  }, []);
  const signedOut = useCallback(() => {
    setCsrfToken(undefined);
    setStatus({ kind: 'signed-out' });
  }, []);

  useEffect(() => {
    api.get<Session>('/session').then(signedIn, (failure: { status?: number; message: string }) => {
      if (failure.status !== 401) setProblem(failure.message);
      signedOut();
    });
    return onSessionLost(signedOut);
  }, [signedIn, signedOut]);

  if (path === '/onboarding') {
    return (
      <OnboardingPage
        invitationId={query.get('id') ?? ''}
        onSignedIn={(session) => {
          signedIn(session);
          navigate('/keys', { replace: true });
        }}
      />
    );
  }
  if (status.kind === 'checking') return <Loading what="Starting" />;
  if (status.kind === 'signed-out') {
    return (
      <>
        {problem && <ErrorNote>{problem}</ErrorNote>}
        <LoginPage onSignedIn={signedIn} />
      </>
    );
  }
  const signOut = async () => {
    // The sign-in answer does not carry PROXY_LOGOUT_URL; the session does, while it lasts.
    const current = await api.get<Session>('/session').catch(() => undefined);
    await endSession();
    if (current?.logout_url) {
      window.location.assign(current.logout_url);
      return;
    }
    signedOut();
    navigate('/', { replace: true });
  };
  return (
    <SessionContext.Provider value={{ session: status.session, signOut }}>
      <SecretsProvider>
        <Layout key={status.session.user_id}>
          <PageErrorBoundary key={path}>{pageFor(path, status.session)}</PageErrorBoundary>
        </Layout>
      </SecretsProvider>
    </SessionContext.Provider>
  );
}

function pageFor(path: string, session: Session): ReactNode {
  if (path === '/' || path === '/login') return <Redirect to="/keys" />;
  const page = PAGES[path];
  if (page) return page();
  const adminPage = ADMIN_PAGES[path];
  if (adminPage) {
    if (!seesAdminPages(session.user_role)) {
      return (
        <section aria-labelledby="denied">
          <h1 id="denied">Not allowed</h1>
          <ErrorNote>This page is for administrators. Your account cannot open it.</ErrorNote>
        </section>
      );
    }
    return adminPage();
  }
  return (
    <section>
      <h1>Page not found</h1>
      <p>There is no page at this address. Pick one from the menu.</p>
    </section>
  );
}

function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}
