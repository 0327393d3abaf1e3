import { useEffect, useState } from 'react';

type Theme = 'light' | 'dark';

let startTheme: Theme | undefined;

/**
 * The theme a tab starts with: the saved choice, else the system's. Read once, and at boot
 * (main.tsx) while the page's first reads are in flight: a fresh tab's first storage read waits
 * on the browser process, tens of milliseconds on a busy machine.
 */
export function initialTheme(): Theme {
  if (startTheme) return startTheme;
  const saved = localStorage.getItem('periscope.theme');
  startTheme = saved === 'light' || saved === 'dark' ? saved : window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  return startTheme;
}

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(initialTheme);
  useEffect(() => {
    document.documentElement.classList.toggle('dark', theme === 'dark');
    localStorage.setItem('periscope.theme', theme);
  }, [theme]);
  return (
    <button
      type="button"
      className="rounded px-2 py-0.5 text-sm hover:bg-slate-200 dark:hover:bg-slate-800"
      onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}
      title="Switch theme"
    >
      {theme === 'dark' ? '☀' : '☾'}
    </button>
  );
}
