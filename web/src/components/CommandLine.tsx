import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useNavigate } from 'react-router';

import { kindsQuery } from '../api/hooks';
import { type CommandContext, commandListUrl, contextUrl, parseCommand, suggestKinds } from '../lib/command';
import { type KindEntry, toEntries } from '../lib/kinds';

/** The `:` command line (k9s style): a kind and namespace, `:ctx <cluster>`, or `:q`. */
export function CommandLine(props: { here: CommandContext; catalog: KindEntry[]; clusters: string[]; onClose: () => void }) {
  const { here, catalog, clusters, onClose } = props;
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const words = text.trim().split(/\s+/);
  const suggestions = words.length === 1 && !text.endsWith(' ') ? suggestKinds(words[0] ?? '', catalog) : [];

  const go = (url: string) => {
    navigate(url);
    onClose();
  };

  const run = async () => {
    const command = parseCommand(text, catalog, clusters);
    if (command.type === 'quit') return onClose();
    if (command.type === 'error') return setError(command.message);
    if (command.type === 'list' || command.type === 'helm') {
      const url = commandListUrl(command, here);
      return typeof url === 'string' ? go(url) : setError(url.error);
    }
    // A kind found by discovery stays on screen only when the other cluster serves it too.
    let target: KindEntry[] | undefined;
    if (here.kind && !here.kind.builtin) {
      const kinds = await queryClient.fetchQuery(kindsQuery(command.cluster)).catch(() => null);
      target = kinds ? toEntries(kinds.kinds) : [];
    }
    go(contextUrl(command.cluster, here, target));
  };

  return (
    <div className="fixed inset-x-0 top-12 z-50 flex justify-center" onClick={onClose}>
      <div role="dialog" aria-label="Command line" className="w-[36rem] rounded-lg border border-slate-300 bg-white shadow-xl dark:border-slate-700 dark:bg-slate-900" onClick={(e) => e.stopPropagation()}>
        <div className="flex items-center gap-2 px-3 py-2">
          <span className="font-mono text-lg text-blue-600">:</span>
          <input
            autoFocus
            id="command-input"
            aria-label="Command"
            spellCheck={false}
            autoComplete="off"
            className="flex-1 bg-transparent font-mono outline-none"
            placeholder="pods team-a · deploy · ctx beta · q"
            value={text}
            onChange={(e) => {
              setText(e.target.value);
              setError(null);
            }}
            onKeyDown={(e) => {
              if (e.key === 'Escape') {
                e.preventDefault();
                onClose();
              } else if (e.key === 'Enter') {
                e.preventDefault();
                void run();
              } else if (e.key === 'Tab' && suggestions[0]) {
                e.preventDefault();
                setText(`${suggestions[0]} `);
              }
            }}
          />
        </div>
        {error ? (
          <p id="command-error" role="alert" className="border-t border-slate-200 px-3 py-2 text-sm text-red-700 dark:border-slate-700 dark:text-red-300">
            {error}
          </p>
        ) : (
          <p className="border-t border-slate-200 px-3 py-1.5 font-mono text-xs text-slate-500 dark:border-slate-700">
            {suggestions.length ? `Tab: ${suggestions.join('  ')}` : 'Enter runs · Tab completes · Esc closes'}
          </p>
        )}
      </div>
    </div>
  );
}
