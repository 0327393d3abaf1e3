import { useRef, useState } from 'react';

import { errorMessage } from '../api/client';
import { api } from '../api/endpoints';
import { Dialog } from '../components/Dialog';
import { saveFile } from '../lib/download';
import type { KindEntry } from '../lib/kinds';
import { apiGroup, objectPath } from '../lib/resources';
import { stripYaml } from '../lib/serverFields';
import { parseKey } from '../pages/list/selection';
import { type Fetched, fileName, fileText, mapPool } from './file';

/** Reads at once (the browser's own limit per host is about this). */
const PARALLEL = 6;

type Phase = { step: 'ask' } | { step: 'reading'; done: number } | { step: 'recording' } | { step: 'done'; failed: number; file: string } | { step: 'error'; message: string };

/**
 * Bulk YAML download of the ticked rows: each `GET {obj}/yaml` (6 at a time, cancellable),
 * optionally without server fields, into one file with a `# FAILED:` line per object that could
 * not be read. The file is saved once its `bulk_download` audit row is written. Secrets reveal
 * their values: this dialog is the confirmation, nothing is read before it is answered.
 */
export default function BulkDownloadDialog({ cluster, entry, keys, onClose }: { cluster: string; entry: KindEntry; keys: string[]; onClose: () => void }) {
  const [strip, setStrip] = useState(true);
  const [phase, setPhase] = useState<Phase>({ step: 'ask' });
  const abort = useRef<AbortController | null>(null);
  const secrets = apiGroup(entry.group) === 'core' && entry.resource === 'secrets';
  const n = keys.length;

  const start = async () => {
    const controller = new AbortController();
    abort.current = controller;
    setPhase({ step: 'reading', done: 0 });
    const results = await mapPool(
      keys,
      PARALLEL,
      async (key): Promise<Fetched> => {
        const { namespace, name } = parseKey(key);
        const id = namespace ? `${namespace}/${name}` : name;
        if (controller.signal.aborted) return { id, error: 'cancelled' };
        try {
          const yaml = await api.yaml(objectPath(cluster, entry, namespace, name), controller.signal);
          return { id, yaml: strip ? stripYaml(yaml) : yaml };
        } catch (error) {
          return { id, error: errorMessage(error) };
        }
      },
      (done) => setPhase({ step: 'reading', done }),
    );
    if (controller.signal.aborted) return;
    const failed = results.filter((r) => 'error' in r).length;
    setPhase({ step: 'recording' });
    try {
      // The row first: a file nobody could record is not handed out.
      await api.bulkDownloadAudit(cluster, {
        kind: `${apiGroup(entry.group)}/${entry.version}/${entry.resource}`,
        count: n,
        ids: results.map((r) => r.id),
        outcome: failed === 0 ? 'success' : 'failure',
        failureCount: failed,
      });
    } catch (error) {
      setPhase({ step: 'error', message: `The download could not be recorded in the audit trail, so it was not saved: ${errorMessage(error)}` });
      return;
    }
    const file = fileName(entry.resource, n);
    saveFile(file, fileText({ cluster, kind: entry.resource, at: new Date().toISOString() }, results));
    setPhase({ step: 'done', failed, file });
  };

  const cancel = () => {
    abort.current?.abort();
    onClose();
  };

  return (
    <Dialog title={secrets ? `Reveal and download ${n} Secret${n === 1 ? '' : 's'}?` : `Download ${n} ${entry.kind}${n === 1 ? '' : ' objects'} as YAML`} onClose={cancel}>
      <div id="bulk-download" data-step={phase.step} className="space-y-3 text-sm">
        {secrets && phase.step === 'ask' && (
          <p className="rounded border border-red-300 bg-red-50 p-2 text-red-800 dark:border-red-800 dark:bg-red-950 dark:text-red-200" id="bulk-reveal-warning">
            The file holds the Secrets' values. Reading each one is a reveal, recorded in the audit trail under your name, and so is the download.
          </p>
        )}
        <label className="flex items-center gap-2">
          <input type="checkbox" id="bulk-strip" checked={strip} disabled={phase.step !== 'ask'} onChange={(e) => setStrip(e.target.checked)} />
          Strip server fields (managedFields, resourceVersion, uid, creationTimestamp, generation, status…)
        </label>
        {phase.step === 'reading' && (
          <p id="bulk-progress">
            Reading {phase.done} of {n}…
          </p>
        )}
        {phase.step === 'recording' && <p>Recording the download…</p>}
        {phase.step === 'done' && (
          <p id="bulk-done" data-failed={phase.failed}>
            Saved {phase.file}
            {phase.failed > 0 ? `: ${phase.failed} of ${n} could not be read (listed as # FAILED: at the top).` : '.'}
          </p>
        )}
        {phase.step === 'error' && (
          <p className="text-red-700 dark:text-red-300" id="bulk-error">
            {phase.message}
          </p>
        )}
        <div className="flex justify-end gap-2">
          <button type="button" className="rounded border px-3 py-1" onClick={cancel} id="bulk-cancel">
            {phase.step === 'done' || phase.step === 'error' ? 'Close' : 'Cancel'}
          </button>
          {phase.step === 'ask' && (
            <button type="button" id="bulk-start" className={`rounded px-3 py-1 text-white ${secrets ? 'bg-red-600' : 'bg-blue-600'}`} onClick={() => void start()}>
              {secrets ? 'Reveal and download' : 'Download'}
            </button>
          )}
        </div>
      </div>
    </Dialog>
  );
}
