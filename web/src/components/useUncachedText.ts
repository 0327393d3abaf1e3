import { useEffect, useState } from 'react';

import { getText } from '../api/client';

/**
 * GETs `url` as text into this component's state only (not the query cache): for answers that
 * hold secret values. Dropped when the component unmounts; give the component `key={url}`.
 */
export function useUncachedText(url: string): { text?: string; error?: unknown } {
  const [answer, setAnswer] = useState<{ text?: string; error?: unknown }>({});
  useEffect(() => {
    const controller = new AbortController();
    getText(url, controller.signal).then(
      (text) => setAnswer({ text }),
      (error: unknown) => !controller.signal.aborted && setAnswer({ error }),
    );
    return () => controller.abort();
  }, [url]);
  return answer;
}
