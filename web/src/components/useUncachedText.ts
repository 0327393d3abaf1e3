import { useEffect, useRef, useState } from 'react';

/**
 * Loads text (`load`, once per `key`) into this component's state only (not the query cache):
 * for answers that hold secret values. Dropped when the component unmounts; give the component
 * `key={key}`.
 */
export function useUncachedText(key: string, load: (signal: AbortSignal) => Promise<string>): { text?: string; error?: unknown } {
  const [answer, setAnswer] = useState<{ text?: string; error?: unknown }>({});
  const loader = useRef(load);
  useEffect(() => {
    loader.current = load;
  });
  useEffect(() => {
    const controller = new AbortController();
    loader.current(controller.signal).then(
      (text) => setAnswer({ text }),
      (error: unknown) => !controller.signal.aborted && setAnswer({ error }),
    );
    return () => controller.abort();
  }, [key]);
  return answer;
}
