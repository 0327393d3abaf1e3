import type { ReactNode } from 'react';

/** A modal with a title, content and the caller's buttons (`wide`: for tables and diffs). */
export function Dialog({ title, children, onClose, wide = false }: { title: string; children: ReactNode; onClose: () => void; wide?: boolean }) {
  return (
    <div className="fixed inset-0 z-50 flex items-start justify-center bg-black/30 pt-24" onClick={onClose}>
      <div
        role="dialog"
        aria-label={title}
        className={`max-h-[calc(100vh-10rem)] ${wide ? 'w-[min(64rem,calc(100vw-4rem))]' : 'w-[28rem]'} overflow-auto rounded-lg bg-white p-5 shadow-xl dark:bg-slate-900`}
        onClick={(e) => e.stopPropagation()}
        onKeyDown={(e) => e.key === 'Escape' && onClose()}
      >
        <h2 className="mb-3 text-lg font-semibold">{title}</h2>
        {children}
      </div>
    </div>
  );
}
