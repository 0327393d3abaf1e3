// What an install or upgrade would do (the server's dry run and pre-flight): every object with
// its action and whether the user may, the denials, the diff against now (upgrades), the notes
// and the rendered manifest.

import type { UseMutationResult } from '@tanstack/react-query';

import { YamlView } from '../components/YamlView';
import { DiffPanel } from './DiffPanel';
import type { Preview } from './types';
import { WriteError } from './WriteError';

export function PreviewPanel({ preview }: { preview: Preview }) {
  return (
    <div id="helm-preview" data-denied={preview.denied.length} className="space-y-3 text-sm">
      {preview.denied.length > 0 && (
        <div role="alert" className="rounded border border-red-300 bg-red-50 p-2 text-red-900 dark:border-red-800 dark:bg-red-950 dark:text-red-200">
          <p className="font-medium">Your role may not:</p>
          <ul className="list-disc pl-5">
            {preview.denied.map((d) => <li key={d}>{d}</li>)}
          </ul>
        </div>
      )}
      <table className="w-full text-xs">
        <thead className="text-left text-slate-500">
          <tr><th>Object</th><th>Action</th><th>Allowed</th></tr>
        </thead>
        <tbody>
          {preview.objects.map((o) => (
            <tr key={o.object} data-preview-object={o.object} className="border-t border-slate-200 font-mono dark:border-slate-800">
              <td className="py-0.5">{o.object}</td>
              <td>{o.action}</td>
              <td className={o.allowed ? 'text-emerald-700 dark:text-emerald-300' : 'text-red-700 dark:text-red-300'}>{o.allowed ? 'yes' : 'no'}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {preview.diff && <DiffPanel id="helm-preview-diff" diff={preview.diff} />}
      {preview.notes && (
        <details>
          <summary className="cursor-pointer text-slate-500">Notes</summary>
          <pre className="whitespace-pre-wrap font-mono text-xs">{preview.notes}</pre>
        </details>
      )}
      <details>
        <summary className="cursor-pointer text-slate-500">Rendered manifest</summary>
        <YamlView text={preview.manifest} />
      </details>
    </div>
  );
}

/**
 * The preview column of the upgrade and install views: the preview (or why asking failed),
 * then the confirm button, which sends exactly the previewed body (disabled when the
 * pre-flight denied anything).
 */
export function PreviewColumn<Body>(props: {
  askError: Error | null;
  preview: { body: Body; answer: Preview } | null;
  write: UseMutationResult<unknown, Error, Body>;
  confirmId: string;
  label: string;
  busyLabel: string;
}) {
  const { askError, preview, write, confirmId, label, busyLabel } = props;
  if (!preview && !askError) return null;
  return (
    <div className="min-h-0 w-1/2 shrink-0 overflow-auto">
      {askError && <WriteError error={askError} />}
      {preview && (
        <>
          <PreviewPanel preview={preview.answer} />
          {write.isError && <WriteError error={write.error} />}
          <div className="mt-3 flex justify-end">
            <button
              type="button"
              id={confirmId}
              disabled={write.isPending || preview.answer.denied.length > 0}
              onClick={() => write.mutate(preview.body)}
              className="rounded bg-blue-600 px-3 py-1 text-sm text-white disabled:opacity-50"
            >
              {write.isPending ? busyLabel : label}
            </button>
          </div>
        </>
      )}
    </div>
  );
}
