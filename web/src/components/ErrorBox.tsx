import { ApiError, errorMessage } from '../api/client';

/** An API failure: a calm note when the user's role may not see it (with an optional hint), an error otherwise. */
export function ErrorBox({ error, hint }: { error: unknown; hint?: string }) {
  if (error instanceof ApiError && error.forbidden) {
    return (
      <div role="status" data-forbidden="" className="m-4 rounded border border-slate-300 bg-slate-100 p-4 text-sm dark:border-slate-700 dark:bg-slate-900">
        <p className="font-medium">Your role can't see this.</p>
        {hint && <p className="mt-1">{hint}</p>}
        <p className="mt-1 text-slate-600 dark:text-slate-400" data-testid="error-message">{error.message}</p>
      </div>
    );
  }
  return (
    <div role="alert" className="m-4 rounded border border-red-300 bg-red-50 p-4 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
      {error instanceof ApiError && <span className="mr-2 font-mono text-xs">{error.code}</span>}
      <span data-testid="error-message">{errorMessage(error)}</span>
    </div>
  );
}
