import { Component } from 'react';
import type { ErrorInfo, ReactNode } from 'react';

interface Props {
  readonly children: ReactNode;
  /** What the fallback offers: a screen reloads its part, the root reloads the page. */
  readonly onReset?: () => void;
  readonly where?: string;
}

interface State {
  readonly error?: Error;
}

/**
 * Catches what a screen throws while rendering, so one bad value shows a calm message with a way
 * back instead of a white window. The local store is untouched: nothing sold is lost.
 */
export class ErrorBoundary extends Component<Props, State> {
  override state: State = {};

  static getDerivedStateFromError(error: unknown): State {
    return { error: error instanceof Error ? error : new Error(String(error)) };
  }

  override componentDidCatch(error: Error, info: ErrorInfo): void {
    console.error('screen failed', error, info.componentStack);
  }

  reset = (): void => {
    this.setState({ error: undefined });
    this.props.onReset?.();
  };

  override render(): ReactNode {
    const { error } = this.state;
    if (!error) return this.props.children;
    return (
      <section className="panel failure" role="alert" aria-live="assertive">
        <h2>Sorry, {this.props.where ?? 'this screen'} hit a problem</h2>
        <p>Nothing already confirmed is lost: sales are kept on this till and sync on their own.</p>
        <p className="muted">Details: {error.message}</p>
        <button type="button" className="primary" onClick={this.reset} autoFocus>
          Start this screen again
        </button>
      </section>
    );
  }
}
