// Read-only YAML with light highlighting: keys, comments and scalars. Rendered as text nodes.

const KEY_LINE = /^(\s*(?:- )?)([^\s:#'"][^:#]*?|"[^"]*"|'[^']*'):(\s.*|)$/;

function Line({ text }: { text: string }) {
  if (/^\s*#/.test(text)) return <span className="text-slate-400">{text}</span>;
  const m = KEY_LINE.exec(text);
  if (!m) return <span className="text-emerald-700 dark:text-emerald-300">{text}</span>;
  const [, indent = '', key = '', rest = ''] = m;
  return (
    <>
      {indent}
      <span className="text-blue-700 dark:text-blue-300">{key}</span>:
      <span className="text-emerald-700 dark:text-emerald-300">{rest}</span>
    </>
  );
}

export function YamlView({ text }: { text: string }) {
  const lines = text.replace(/\n$/, '').split('\n');
  return (
    <pre id="yaml" className="overflow-auto rounded border border-slate-200 bg-white p-3 font-mono text-xs leading-5 dark:border-slate-800 dark:bg-slate-900">
      {lines.map((line, i) => (
        <div key={i}>
          <Line text={line} />
        </div>
      ))}
    </pre>
  );
}
