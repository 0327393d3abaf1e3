import { useEffect, useState } from 'react';

/** The time now (epoch ms), read again every `ms` while `on`: what a render may use as "now". */
export function useNow(ms: number, on = true): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!on) return;
    const timer = window.setInterval(() => setNow(Date.now()), ms);
    return () => window.clearInterval(timer);
  }, [ms, on]);
  return now;
}
