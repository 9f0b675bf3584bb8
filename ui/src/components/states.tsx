/** Loading, empty and error states in plain words, announced to screen readers. */
import type { ReactNode } from 'react';

export function Loading({ what = 'Loading' }: { what?: string }) {
  return (
    <p className="state" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> {what}…
    </p>
  );
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="state empty">{children}</p>;
}

export function ErrorNote({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <p className="error-note" role="alert">
      {children}
    </p>
  );
}

/** The three states around a loaded value; `children` renders the value. */
export function Loaded<T>(props: {
  state: { data: T | undefined; error: string | undefined; loading: boolean };
  what?: string;
  children: (data: T) => ReactNode;
}) {
  const { data, error, loading } = props.state;
  if (error)
    return <ErrorNote>{`Could not load ${props.what ?? 'this page'}: ${error}`}</ErrorNote>;
  if (data === undefined || loading) return <Loading />;
  return <>{props.children(data)}</>;
}
