// A Secret's keys, each value fetched only when the user clicks Reveal (an audited
// GET …/data/{key}). Values live in this component's state only: never in the query cache,
// and gone when the component unmounts (leaving the page) or on Hide.

import { useEffect, useRef, useState } from 'react';

import { ApiError, errorMessage } from '../api/client';
import { api, type SecretKey } from '../api/endpoints';
import { formatBytes } from '../lib/format';

type Shown = { state: 'loading' } | { state: 'shown'; value: string } | { state: 'error'; message: string; forbidden: boolean };

function SecretRow({ path, entry }: { path: string; entry: SecretKey }) {
  const [shown, setShown] = useState<Shown | null>(null);
  const request = useRef<AbortController | null>(null);
  useEffect(() => () => request.current?.abort(), []);
  const reveal = async () => {
    request.current?.abort();
    const controller = new AbortController();
    request.current = controller;
    setShown({ state: 'loading' });
    try {
      const value = await api.secretValue(path, entry.name, controller.signal);
      if (!controller.signal.aborted) setShown({ state: 'shown', value });
    } catch (error) {
      if (!controller.signal.aborted) setShown({ state: 'error', message: errorMessage(error), forbidden: error instanceof ApiError && error.forbidden });
    }
  };
  const hide = () => {
    request.current?.abort();
    setShown(null);
  };
  return (
    <tr className="border-t border-slate-200 align-top dark:border-slate-800" data-secret-key={entry.name}>
      <td className="pr-3 font-mono text-xs">{entry.name}</td>
      <td className="pr-3 text-xs text-slate-500">{formatBytes(entry.size)}</td>
      <td className="w-full">
        {shown === null && (
          <button type="button" data-reveal={entry.name} className="rounded border border-slate-300 px-2 py-0.5 text-xs dark:border-slate-700" onClick={() => void reveal()}>
            Reveal
          </button>
        )}
        {shown?.state === 'loading' && <span className="text-xs text-slate-500">Revealing…</span>}
        {shown?.state === 'error' &&
          (shown.forbidden ? (
            <span role="status" className="text-xs text-slate-600 dark:text-slate-400" title={shown.message}>
              Your role can't see this value. <span data-testid="error-message">{shown.message}</span>
            </span>
          ) : (
            <span role="alert" className="text-xs text-red-700 dark:text-red-300">
              {shown.message}
            </span>
          ))}
        {shown?.state === 'shown' && (
          <div className="flex items-start gap-2">
            <pre data-secret-value={entry.name} className="max-h-48 flex-1 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-100 px-2 py-1 font-mono text-xs dark:bg-slate-900">
              {shown.value}
            </pre>
            <button type="button" data-hide={entry.name} className="rounded border border-slate-300 px-2 py-0.5 text-xs dark:border-slate-700" onClick={hide}>
              Hide
            </button>
          </div>
        )}
      </td>
    </tr>
  );
}

export function SecretData({ path, keys }: { path: string; keys: SecretKey[] }) {
  return (
    <section>
      <h2 className="mb-1 font-semibold">Data</h2>
      {keys.length === 0 ? (
        <p className="text-slate-500">No keys.</p>
      ) : (
        <table className="w-full" id="secret-data">
          <tbody>
            {keys.map((k) => (
              <SecretRow key={k.name} path={path} entry={k} />
            ))}
          </tbody>
        </table>
      )}
      <p className="mt-1 text-xs text-slate-500">Revealing a value is recorded in the audit trail.</p>
    </section>
  );
}
