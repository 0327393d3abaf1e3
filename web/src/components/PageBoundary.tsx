import { Component, type ReactNode } from 'react';
import { useLocation } from 'react-router';

import { errorMessage } from '../api/client';

type State = { failed: false } | { failed: true; error: unknown };

class Boundary extends Component<{ children: ReactNode }, State> {
  state: State = { failed: false };

  static getDerivedStateFromError(error: unknown): State {
    return { failed: true, error };
  }

  render() {
    if (!this.state.failed) return this.props.children;
    return (
      <div role="alert" id="page-error" className="m-4 rounded border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
        <p className="font-medium">This page failed to show.</p>
        <p className="mt-1" data-testid="error-message">{errorMessage(this.state.error)}</p>
        <button type="button" className="mt-2 rounded border border-red-300 px-3 py-1" onClick={() => this.setState({ failed: false })}>
          Try again
        </button>
      </div>
    );
  }
}

/**
 * One page, behind its own error boundary: a page that fails to render says so in place while
 * the shell (sidebar, header, shortcuts) keeps working; going to another page starts afresh.
 */
export function Page({ children }: { children: ReactNode }) {
  const location = useLocation();
  return <Boundary key={location.pathname}>{children}</Boundary>;
}
