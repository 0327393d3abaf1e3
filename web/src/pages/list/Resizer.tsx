import { clampPane } from './split';

/**
 * The bar between the list and the detail pane: drag it (or focus it and use ←/→) to resize
 * the pane; the width is remembered.
 */
export function Resizer({ width, onResize }: { width: number; onResize: (width: number) => void }) {
  const start = (event: React.PointerEvent<HTMLDivElement>) => {
    event.preventDefault();
    const bar = event.currentTarget;
    bar.setPointerCapture(event.pointerId);
    const startX = event.clientX;
    const move = (e: PointerEvent) => onResize(clampPane(width + (startX - e.clientX), window.innerWidth));
    const end = () => {
      bar.removeEventListener('pointermove', move);
      bar.removeEventListener('pointerup', end);
      bar.removeEventListener('pointercancel', end);
    };
    bar.addEventListener('pointermove', move);
    bar.addEventListener('pointerup', end);
    bar.addEventListener('pointercancel', end);
  };
  return (
    <div
      role="separator"
      aria-orientation="vertical"
      aria-label="Resize the detail pane"
      aria-valuenow={width}
      tabIndex={0}
      id="split-resizer"
      className="w-1.5 shrink-0 cursor-col-resize bg-slate-200 hover:bg-blue-400 focus:bg-blue-500 focus:outline-none dark:bg-slate-800"
      onPointerDown={start}
      onKeyDown={(e) => {
        if (e.key === 'ArrowLeft' || e.key === 'ArrowRight') {
          e.preventDefault();
          onResize(clampPane(width + (e.key === 'ArrowLeft' ? 40 : -40), window.innerWidth));
        }
      }}
    />
  );
}
