// A refused or failed Helm write: the pre-flight's denials as a list, helm's output as text,
// any other envelope by its message.

import { ApiError, errorMessage } from '../api/client';

/** `details.denied` of an `E_HELM_PREFLIGHT_DENIED` (anything else: empty). */
export function deniedOf(error: unknown): string[] {
  if (!(error instanceof ApiError) || error.code !== 'E_HELM_PREFLIGHT_DENIED') return [];
  const details = error.details as { denied?: unknown } | null | undefined;
  return Array.isArray(details?.denied) ? details.denied.filter((d): d is string => typeof d === 'string') : [];
}

export function WriteError({ error }: { error: unknown }) {
  const denied = deniedOf(error);
  if (denied.length > 0) {
    return (
      <div role="alert" id="helm-denied" className="mt-3 rounded border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
        <p className="font-medium">Your role may not:</p>
        <ul className="mt-1 list-disc pl-5">
          {denied.map((d) => (
            <li key={d} data-denied={d}>{d}</li>
          ))}
        </ul>
        <p className="mt-1 text-xs">Nothing was changed.</p>
      </div>
    );
  }
  const code = error instanceof ApiError ? error.code : undefined;
  return (
    <div role="alert" id="helm-error" className="mt-3 rounded border border-red-300 bg-red-50 p-3 text-sm text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
      {code && <span className="mr-2 font-mono text-xs">{code}</span>}
      <pre className="inline whitespace-pre-wrap font-sans" data-testid="error-message">{errorMessage(error)}</pre>
    </div>
  );
}

/** A button of a Helm write: disabled with the reason when writes are off (or while `busy`). */
export function WriteButton(props: { id: string; label: string; off: string | null; danger?: boolean; busy?: boolean; disabled?: boolean; onClick: () => void }) {
  const { id, label, off, danger, busy, disabled, onClick } = props;
  const tone = danger ? 'border-red-300 text-red-700 dark:border-red-800 dark:text-red-300' : 'border-slate-300 dark:border-slate-700';
  return (
    <button
      type="button"
      id={id}
      disabled={off !== null || busy || disabled}
      title={off ?? undefined}
      onClick={onClick}
      className={`rounded border px-2 py-1 text-sm hover:bg-slate-100 disabled:cursor-not-allowed disabled:opacity-50 dark:hover:bg-slate-800 ${tone}`}
    >
      {busy ? 'Working…' : label}
    </button>
  );
}

/** A write dialog's footer: its error (if any), Cancel, and the confirm button. */
export function WriteFooter(props: { id: string; label: string; busyLabel: string; danger?: boolean; ready: boolean; pending: boolean; error: unknown; onConfirm: () => void; onCancel: () => void }) {
  const { id, label, busyLabel, danger, ready, pending, error, onConfirm, onCancel } = props;
  return (
    <>
      {error ? <WriteError error={error} /> : null}
      <div className="mt-4 flex justify-end gap-2 text-sm">
        <button type="button" className="rounded px-3 py-1" onClick={onCancel}>Cancel</button>
        <button type="button" id={id} disabled={!ready || pending} onClick={onConfirm} className={`rounded px-3 py-1 text-white disabled:opacity-50 ${danger ? 'bg-red-600' : 'bg-blue-600'}`}>
          {pending ? busyLabel : label}
        </button>
      </div>
    </>
  );
}
