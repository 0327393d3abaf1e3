import { useEffect, useState } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';

import { openSession } from '../../exec/browser';
import type { ExecTarget } from '../../exec/protocol';
import { TerminalPane } from '../../exec/TerminalPane';
import { PODS_REF } from '../../lib/kinds';
import { detailRoute } from '../../lib/resources';

/** The page's own session: connected while the page shows it. */
function PageTerminal({ target }: { target: ExecTarget }) {
  const [session] = useState(() => openSession(target, false));
  useEffect(() => {
    session.start();
    return () => session.close();
  }, [session]);
  return <TerminalPane session={session} active />;
}

/** A terminal in a pod on a page of its own (`?container=`); leaving the page ends the session. */
export function ExecPage() {
  const { cluster = '', namespace = '', name = '' } = useParams();
  const [search] = useSearchParams();
  const container = search.get('container') ?? undefined;
  return (
    <div className="flex h-full flex-col" id="exec-page">
      <p className="px-4 pt-2 text-xs text-slate-500">
        <Link className="hover:underline" to={detailRoute(cluster, PODS_REF, namespace, name)}>
          pods · {namespace} · {name}
        </Link>
      </p>
      <h1 className="px-4 pb-2 text-lg font-semibold">
        Terminal in {name}
        {container && <span className="font-normal text-slate-500"> ({container})</span>}
      </h1>
      <div className="min-h-0 flex-1">
        <PageTerminal key={`${cluster}/${namespace}/${name}/${container ?? ''}`} target={{ cluster, namespace, pod: name, container }} />
      </div>
    </div>
  );
}
