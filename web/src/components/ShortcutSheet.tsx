import { LOG_SHORTCUTS, SHORTCUTS } from '../lib/shortcuts';
import { Dialog } from './Dialog';

/** `?`: every keyboard shortcut, from the same table the Shell binds. */
export function ShortcutSheet({ onClose }: { onClose: () => void }) {
  return (
    <Dialog title="Keyboard shortcuts" onClose={onClose}>
      <Keys id="shortcut-sheet" attribute="data-shortcut" shortcuts={SHORTCUTS} />
      <h3 className="mt-4 text-sm font-semibold">In the log viewer</h3>
      <Keys id="log-shortcut-sheet" attribute="data-log-shortcut" shortcuts={LOG_SHORTCUTS} />
      <p className="mt-3 text-xs text-slate-500">Shortcuts do nothing while you type in a text box (Esc leaves it).</p>
      <div className="mt-3 flex justify-end">
        <button type="button" autoFocus className="rounded px-3 py-1 text-sm" onClick={onClose}>
          Close
        </button>
      </div>
    </Dialog>
  );
}

function Keys({ id, attribute, shortcuts }: { id: string; attribute: string; shortcuts: { id: string; shown: string[]; what: string }[] }) {
  return (
    <table id={id} className="w-full text-sm">
      <tbody>
        {shortcuts.map((s) => (
          <tr key={s.id} {...{ [attribute]: s.id }} className="border-t border-slate-200 first:border-0 dark:border-slate-800">
            <td className="whitespace-nowrap py-1 pr-4">
              {s.shown.map((k, i) => (
                <span key={k}>
                  {i > 0 && <span className="mx-1 text-slate-400">/</span>}
                  <kbd className="rounded border border-slate-300 bg-slate-100 px-1.5 font-mono text-xs dark:border-slate-700 dark:bg-slate-800">{k}</kbd>
                </span>
              ))}
            </td>
            <td className="py-1">{s.what}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
