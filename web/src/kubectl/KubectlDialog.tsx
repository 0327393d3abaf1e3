import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';

import { errorMessage } from '../api/client';
import { api } from '../api/endpoints';
import { useWhoami } from '../api/hooks';
import { queryKeys } from '../api/queryKeys';
import type { IssuedToken, TokenRecord } from '../api/types.gen';
import { Dialog } from '../components/Dialog';
import { ErrorBox } from '../components/ErrorBox';
import { saveFile } from '../lib/download';
import { defaultTtl, formatDuration, initialClusters, KUBECONFIG_FILE, MAX_NAME, relativeTime, tokenRequest, toggleCluster, ttlOptions, usageLines } from './kubectl';

const button = 'rounded border px-2 py-0.5 text-sm disabled:opacity-50';
const primary = 'rounded bg-blue-600 px-3 py-1 text-sm text-white disabled:opacity-50';

/** Copies `text`; says so, or that the browser refused (the text stays selectable). */
function CopyButton({ id, text }: { id?: string; text: string }) {
  const [said, setSaid] = useState('');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setSaid('Copied');
    } catch {
      setSaid('Copying was refused: select the text and copy it');
    }
  };
  return (
    <>
      <button type="button" id={id} className={button} onClick={() => void copy()}>
        Copy
      </button>
      {said && <span className="text-xs text-slate-500">{said}</span>}
    </>
  );
}

/** A unix time as "in 3 hours", with the exact time on hover. */
function When({ at, now }: { at: number | null; now: number }) {
  if (at === null) return <span className="text-slate-400">never</span>;
  return <span title={new Date(at * 1000).toLocaleString()}>{relativeTime(at, now)}</span>;
}

/** One token of the list, with Revoke and its confirmation. */
function TokenRow({ token, now, owner, onRevoked }: { token: TokenRecord; now: number; owner: boolean; onRevoked: () => Promise<void> }) {
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState('');
  const revoke = async () => {
    setBusy(true);
    setProblem('');
    try {
      await api.revokeToken(token.id);
      await onRevoked();
    } catch (error) {
      setProblem(errorMessage(error));
      setBusy(false);
    }
  };
  return (
    <tr data-testid="token-row" data-id={token.id} data-name={token.name} className="border-t border-slate-200 align-top dark:border-slate-800">
      <td className="py-1 pr-2 font-medium">{token.name}</td>
      {owner && (
        <td data-testid="token-owner" className="py-1 pr-2">
          {token.subject}
        </td>
      )}
      <td className="py-1 pr-2">{token.clusters.join(', ')}</td>
      <td className="py-1 pr-2">
        <When at={token.createdAt} now={now} />
      </td>
      <td className="py-1 pr-2">
        <When at={token.lastUsedAt} now={now} />
      </td>
      <td className="py-1 pr-2">
        <When at={token.expiresAt} now={now} />
      </td>
      <td className="py-1 text-right whitespace-nowrap">
        {confirming ? (
          <span className="space-x-1">
            <span className="text-xs">Revoke? kubectl with it stops working.</span>
            <button type="button" data-testid="token-revoke-confirm" className="rounded bg-red-600 px-2 py-0.5 text-sm text-white disabled:opacity-50" disabled={busy} onClick={() => void revoke()}>
              {busy ? 'Revoking…' : 'Revoke'}
            </button>
            <button type="button" className={button} disabled={busy} onClick={() => setConfirming(false)}>
              Keep
            </button>
          </span>
        ) : (
          <button type="button" data-testid="token-revoke" className={button} onClick={() => setConfirming(true)}>
            Revoke
          </button>
        )}
        {problem && <p className="text-xs text-red-600">{problem}</p>}
      </td>
    </tr>
  );
}

/** The secret of the token just made: shown this once. */
function NewSecret({ issued, onDone }: { issued: IssuedToken; onDone: () => void }) {
  return (
    <div id="token-secret" data-id={issued.id} className="mt-2 rounded border border-amber-400 bg-amber-50 p-2 text-sm dark:bg-amber-950">
      <p className="font-medium">Token “{issued.name}” created. Copy it now: you will not see it again.</p>
      <div className="mt-1 flex items-center gap-2">
        <input id="token-secret-value" readOnly value={issued.token} onFocus={(e) => e.target.select()} className="min-w-0 flex-1 rounded border border-slate-300 bg-white px-1 py-0.5 font-mono text-xs dark:border-slate-700 dark:bg-slate-900" />
        <CopyButton id="token-copy" text={issued.token} />
      </div>
      <p className="mt-1 text-xs text-slate-600 dark:text-slate-400">
        Use it as a bearer token against <code>/api/clusters/{issued.clusters[0]}/k8s</code>, e.g. <code>kubectl --server &lt;this site&gt;/api/clusters/{issued.clusters[0]}/k8s --token &lt;token&gt;</code>.
      </p>
      <button type="button" id="token-secret-done" className={`${button} mt-1`} onClick={onDone}>
        I have copied it
      </button>
    </div>
  );
}

/**
 * "Use with kubectl": pick clusters, download a kubeconfig (proxy contexts and a fresh token),
 * or make a named token with a chosen lifetime; list the user's tokens and revoke them.
 */
export default function KubectlDialog({ cluster, clusters, onClose }: { cluster: string | undefined; clusters: string[]; onClose: () => void }) {
  const queryClient = useQueryClient();
  const admin = useWhoami().data?.auditScope === 'all';
  const [everyone, setEveryone] = useState(false);
  const all = admin && everyone;
  const tokens = useQuery({ queryKey: queryKeys.tokens(all ? 'all' : 'mine'), queryFn: ({ signal }) => api.tokens(all, signal) });
  const [selected, setSelected] = useState(() => initialClusters(cluster, clusters));
  const [downloading, setDownloading] = useState(false);
  const [downloaded, setDownloaded] = useState('');
  const [name, setName] = useState('');
  const [ttl, setTtl] = useState<number | undefined>(undefined);
  const [creating, setCreating] = useState(false);
  const [issued, setIssued] = useState<IssuedToken | null>(null);
  const [problem, setProblem] = useState('');
  const max = tokens.data?.maxTtlSeconds ?? 0;
  const options = ttlOptions(max);
  const chosenTtl = ttl !== undefined && options.includes(ttl) ? ttl : defaultTtl(options);
  const refresh = () => queryClient.invalidateQueries({ queryKey: queryKeys.tokens() });
  // Times are shown relative to when the list was read (it is read again after each change).
  const now = tokens.dataUpdatedAt;

  const download = async () => {
    setDownloading(true);
    setProblem('');
    setDownloaded('');
    try {
      saveFile(KUBECONFIG_FILE, await api.kubeconfig(selected));
      setDownloaded(`Saved ${KUBECONFIG_FILE}.`);
      await refresh();
    } catch (error) {
      setProblem(`The kubeconfig could not be made: ${errorMessage(error)}`);
    } finally {
      setDownloading(false);
    }
  };

  const form = tokenRequest(name, selected, chosenTtl, max);
  const create = async () => {
    if (!('body' in form)) return;
    setCreating(true);
    setProblem('');
    try {
      setIssued(await api.createToken(form.body));
      setName('');
      await refresh();
    } catch (error) {
      setProblem(`The token could not be made: ${errorMessage(error)}`);
    } finally {
      setCreating(false);
    }
  };

  return (
    <Dialog title="Use with kubectl" onClose={onClose} wide>
      <div id="kubectl-dialog" className="space-y-4 text-sm">
        <p className="text-xs text-slate-500">
          kubectl, helm and k9s reach the clusters through Periscope as you: the same RBAC, and changes are in the audit trail. Each kubeconfig or token is a credential until it expires or you revoke it.
        </p>
        <fieldset>
          <legend className="font-medium">Clusters</legend>
          <div className="mt-1 flex flex-wrap gap-3">
            {clusters.map((c) => (
              <label key={c} className="flex items-center gap-1">
                <input type="checkbox" data-testid="kubectl-cluster" value={c} checked={selected.includes(c)} onChange={(e) => setSelected(toggleCluster(selected, c, e.target.checked, clusters))} />
                {c}
              </label>
            ))}
          </div>
        </fieldset>

        <section>
          <h3 className="font-medium">Kubeconfig</h3>
          <p className="text-xs text-slate-500">One context per cluster (periscope-&lt;cluster&gt;, the first current) and a new token that lives {max ? formatDuration(max) : 'the longest allowed'}.</p>
          <div className="mt-1 flex items-center gap-2">
            <button type="button" id="kubectl-download" className={primary} disabled={downloading || selected.length === 0} onClick={() => void download()}>
              {downloading ? 'Downloading…' : 'Download kubeconfig'}
            </button>
            {downloaded && (
              <span id="kubectl-downloaded" className="text-xs text-green-700 dark:text-green-400">
                {downloaded}
              </span>
            )}
          </div>
          <div className="mt-2 space-y-1">
            {usageLines(selected).map((line, i) => (
              <div key={line} className="flex items-center gap-2">
                <code data-testid="kubectl-usage" className="min-w-0 flex-1 truncate rounded bg-slate-100 px-2 py-1 font-mono text-xs dark:bg-slate-800">
                  {line}
                </code>
                <CopyButton id={i === 0 ? 'kubectl-usage-copy' : undefined} text={line} />
              </div>
            ))}
          </div>
        </section>

        <section>
          <h3 className="font-medium">Personal access token</h3>
          <div className="mt-1 flex flex-wrap items-center gap-2">
            <input
              id="token-name"
              placeholder="Name, e.g. laptop"
              maxLength={MAX_NAME}
              value={name}
              onChange={(e) => setName(e.target.value)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' && !creating) void create();
              }}
              className="w-48 rounded border border-slate-300 bg-transparent px-1 py-0.5 dark:border-slate-700"
            />
            <label className="flex items-center gap-1 text-xs text-slate-500">
              Lives
              <select id="token-ttl" value={chosenTtl ?? ''} onChange={(e) => setTtl(Number(e.target.value))} className="rounded border border-slate-300 bg-transparent px-1 py-0.5 text-sm dark:border-slate-700">
                {options.map((s) => (
                  <option key={s} value={s}>
                    {formatDuration(s)}
                  </option>
                ))}
              </select>
            </label>
            <button type="button" id="token-create" className={primary} disabled={creating || !('body' in form)} title={'problem' in form ? form.problem : undefined} onClick={() => void create()}>
              {creating ? 'Creating…' : `Create token for ${selected.length === 1 ? selected[0] : `${selected.length} clusters`}`}
            </button>
          </div>
          {issued && <NewSecret issued={issued} onDone={() => setIssued(null)} />}
        </section>

        {problem && (
          <p id="kubectl-problem" className="text-red-700 dark:text-red-300">
            {problem}
          </p>
        )}

        <section>
          <div className="flex items-center gap-3">
            <h3 className="font-medium">{all ? "Everyone's tokens" : 'Your tokens'}</h3>
            {admin && (
              <label className="flex items-center gap-1 text-xs text-slate-500" title="As an audit admin you may list and revoke any user's tokens">
                <input type="checkbox" id="token-all" checked={everyone} onChange={(e) => setEveryone(e.target.checked)} />
                Everyone's
              </label>
            )}
          </div>
          {tokens.isError && <ErrorBox error={tokens.error} />}
          {tokens.data && tokens.data.items.length === 0 && <p className="text-xs text-slate-500">None.</p>}
          {tokens.data && tokens.data.items.length > 0 && (
            <table id="token-list" className="mt-1 w-full text-left text-sm">
              <thead className="text-xs text-slate-500">
                <tr>
                  <th className="font-normal">Name</th>
                  {all && <th className="font-normal">User</th>}
                  <th className="font-normal">Clusters</th>
                  <th className="font-normal">Created</th>
                  <th className="font-normal">Last used</th>
                  <th className="font-normal">Expires</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {tokens.data.items.map((t) => (
                  <TokenRow key={t.id} token={t} now={now} owner={all} onRevoked={refresh} />
                ))}
              </tbody>
            </table>
          )}
        </section>

        <div className="flex justify-end">
          <button type="button" className={button} onClick={onClose}>
            Close
          </button>
        </div>
      </div>
    </Dialog>
  );
}
