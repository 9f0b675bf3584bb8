/** Keeps a page that fails to render from blanking the whole console. */
import { Component, type ReactNode } from 'react';

export class PageErrorBoundary extends Component<
  { children: ReactNode },
  { failure: string | undefined }
> {
  override state = { failure: undefined as string | undefined };

  static getDerivedStateFromError(error: unknown) {
    return { failure: error instanceof Error ? error.message : String(error) };
  }

  override render() {
    if (this.state.failure === undefined) return this.props.children;
    return (
      <p className="error-note" role="alert">
        This page could not be shown ({this.state.failure}). Reload the page, or pick another one
        from the menu.
      </p>
    );
  }
}
