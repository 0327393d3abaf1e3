// Uninstall: typed confirmation (the release's name), keep-history option, DELETE …; a
// pre-flight refusal lists what the user's role may not delete.

import { useState } from 'react';

import { helmApi } from '../api/endpoints';
import { Dialog } from '../components/Dialog';
import { useHelmWrite } from './hooks';
import { WriteError } from './WriteError';

export function UninstallDialog({ cluster, path, name, onClose, onDone }: { cluster: string; path: string; name: string; onClose: () => void; onDone: () => void }) {
  const [typed, setTyped] = useState('');
  const [keepHistory, setKeepHistory] = useState(false);
  const write = useHelmWrite(cluster, path, (keep: boolean) => helmApi.uninstall(path, keep), onDone);
  return (
    <Dialog title={`Uninstall ${name}`} onClose={onClose}>
      <div id="helm-uninstall-dialog" className="space-y-3 text-sm">
        <p>Helm deletes every object of the release. Type the release's name to confirm.</p>
        <input
          id="helm-uninstall-name"
          autoFocus
          className="w-full rounded border border-slate-300 bg-white px-2 py-1 dark:border-slate-700 dark:bg-slate-900"
          placeholder={name}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
        />
        <label className="flex items-center gap-2">
          <input type="checkbox" id="helm-keep-history" checked={keepHistory} onChange={(e) => setKeepHistory(e.target.checked)} />
          Keep the history (the release stays listed as uninstalled and can be rolled back)
        </label>
        {write.isError && <WriteError error={write.error} />}
        <div className="flex justify-end gap-2">
          <button type="button" className="rounded px-3 py-1" onClick={onClose}>Cancel</button>
          <button
            type="button"
            id="helm-uninstall-confirm"
            disabled={typed !== name || write.isPending}
            onClick={() => write.mutate(keepHistory)}
            className="rounded bg-red-600 px-3 py-1 text-white disabled:opacity-50"
          >
            {write.isPending ? 'Uninstalling…' : 'Uninstall'}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
