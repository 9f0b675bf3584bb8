/**
 * The frame of every signed-in page: navigation (a sidebar on a laptop, a menu button on a
 * phone), who is signed in, and sign out.
 */
import { useState, type ReactNode } from 'react';
import { Link, useLocation } from '../router';
import { ROLE_LABELS, seesAdminPages, useSession } from '../session';

const PERSONAL = [
  { to: '/keys', label: 'My keys' },
  { to: '/usage', label: 'Usage' },
  { to: '/logs', label: 'Logs' },
  { to: '/models', label: 'Models' },
  { to: '/playground', label: 'Playground' },
];

const ADMIN = [
  { to: '/admin/users', label: 'Users' },
  { to: '/admin/teams', label: 'Teams' },
  { to: '/admin/organizations', label: 'Organizations' },
  { to: '/admin/tags', label: 'Tags' },
  { to: '/admin/keys', label: 'All keys' },
  { to: '/admin/spend', label: 'Spend reports' },
  { to: '/admin/models', label: 'Model deployments' },
  { to: '/admin/invitations', label: 'Invitations' },
  { to: '/admin/audit', label: 'Audit log' },
];

export function Layout({ children }: { children: ReactNode }) {
  const { session, signOut } = useSession();
  const { path } = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const link = (item: { to: string; label: string }) => (
    <li key={item.to}>
      <Link
        to={item.to}
        aria-current={path === item.to ? 'page' : undefined}
        onClick={() => setMenuOpen(false)}
      >
        {item.label}
      </Link>
    </li>
  );
  return (
    <div className="shell">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <button
          type="button"
          className="icon menu-button"
          aria-expanded={menuOpen}
          aria-controls="nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          ☰<span className="visually-hidden">Menu</span>
        </button>
        <span className="brand">Tollgate</span>
        <span className="who" data-testid="who">
          {session.user_email ?? session.user_id} · {ROLE_LABELS[session.user_role]}
        </span>
        <button type="button" className="secondary" onClick={() => void signOut()}>
          Sign out
        </button>
      </header>
      <nav id="nav" className={menuOpen ? 'sidebar open' : 'sidebar'} aria-label="Pages">
        <ul>{PERSONAL.map(link)}</ul>
        {seesAdminPages(session.user_role) && (
          <>
            <h2 className="nav-heading">Administration</h2>
            <ul>{ADMIN.map(link)}</ul>
          </>
        )}
      </nav>
      <main id="main" tabIndex={-1}>
        {children}
      </main>
    </div>
  );
}

export function PageTitle({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="page-title">
      <h1>{title}</h1>
      {children && <div className="actions">{children}</div>}
    </div>
  );
}
