// One preview or apply through `POST {obj}/edit`, and what the header says about it.

import { useState } from 'react';

import { editorApi } from '../api/endpoints';
import { toEditResult, type EditResult } from './types';

export type Outcome = { kind: 'done'; result: EditResult } | { kind: 'failed'; error: unknown };

type Status = 'idle' | 'busy' | 'previewed' | 'applied' | 'unchanged' | 'error';

export function useEditAction(path: string, opened: () => string, edited: () => string) {
  const [status, setStatus] = useState<Status>('idle');
  const [error, setError] = useState<unknown>(undefined);
  const [message, setMessage] = useState('');

  const run = async (dryRun: boolean, force: boolean): Promise<Outcome> => {
    setStatus('busy');
    setError(undefined);
    setMessage(dryRun ? 'Dry run…' : 'Applying…');
    try {
      const result = toEditResult(await editorApi.edit(path, { opened: opened(), edited: edited(), dryRun, force }));
      const next: Status = !result.changed ? 'unchanged' : dryRun ? 'previewed' : 'applied';
      setStatus(next);
      setMessage(next === 'unchanged' ? 'Nothing changed' : next === 'previewed' ? 'Dry run done: nothing applied yet' : force ? 'Applied (forced)' : 'Applied');
      return { kind: 'done', result };
    } catch (e) {
      setStatus('error');
      setError(e);
      setMessage(dryRun ? 'The dry run was refused' : 'The apply was refused');
      return { kind: 'failed', error: e };
    }
  };

  return { run, status, error, message, busy: status === 'busy' };
}
