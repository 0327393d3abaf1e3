// The one file a bulk YAML download makes: a header, a `# FAILED:` comment per object that
// could not be read, then each object's YAML as its own document. Pure.

/** One selected object and what reading it gave. */
export type Fetched = { id: string; yaml: string } | { id: string; error: string };

/** The file's name: `<kind>-<n>.yaml` (the plural, e.g. `configmaps-20.yaml`). */
export function fileName(resource: string, count: number): string {
  return `${resource.replace(/[^a-z0-9.-]/gi, '_')}-${count}.yaml`;
}

/** A comment line: no line break can escape it. */
function comment(text: string): string {
  return `# ${text.replace(/[\r\n]+/g, ' ')}`;
}

/** The file's text: objects in the order given, failures listed up front. */
export function fileText(header: { cluster: string; kind: string; at: string }, results: Fetched[]): string {
  const failed = results.filter((r): r is { id: string; error: string } => 'error' in r);
  const docs = results.flatMap((r) => ('yaml' in r ? [r.yaml.replace(/\n*$/, '\n')] : []));
  const lines = [comment(`${docs.length} of ${results.length} ${header.kind} from cluster ${header.cluster}, ${header.at}`)];
  for (const f of failed) lines.push(comment(`FAILED: ${f.id}: ${f.error}`));
  const head = `${lines.join('\n')}\n`;
  return docs.length === 0 ? head : `${head}---\n${docs.join('---\n')}`;
}

/** Runs `task` over `items` with at most `limit` at once; results keep the items' order. */
export async function mapPool<T, R>(items: T[], limit: number, task: (item: T, index: number) => Promise<R>, onDone?: (done: number) => void): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index] as T, index);
      done++;
      onDone?.(done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
