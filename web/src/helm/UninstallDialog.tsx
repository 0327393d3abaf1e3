// Uninstall: typed confirmation (the release's name), keep-history option, DELETE …; a
// pre-flight refusal lists what the user's role may not delete.

import { useState } from 'react';

import { helmApi } from '../api/endpoints';
import { Dialog } from '../components/Dialog';
import { useHelmWrite } from './hooks';
import { WriteFooter } from './WriteError';

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
        <WriteFooter
          id="helm-uninstall-confirm"
          label="Uninstall"
          busyLabel="Uninstalling…"
          danger
          ready={typed === name}
          pending={write.isPending}
          error={write.error}
          onConfirm={() => write.mutate(keepHistory)}
          onCancel={onClose}
        />
      </div>
    </Dialog>
  );
}
