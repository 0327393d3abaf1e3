// Label editing: `key=value` lines <-> the `{labels}` body of PUT …/labels.

const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

export function labelsToText(labels: Record<string, string> | undefined): string {
  return Object.entries(labels ?? {})
    .map(([k, v]) => `${k}=${v}`)
    .join('\n');
}

/** Why `key` is not a valid label key, or null. */
export function labelKeyProblem(key: string): string | null {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : null;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== null && (prefix.length > 253 || !PREFIX.test(prefix))) return `"${key}": the prefix must be a DNS subdomain`;
  if (!NAME.test(name)) return `"${key}": a label name is 1–63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit`;
  return null;
}

/** Parses one `key=value` per line (blank lines ignored); the first problem is reported. */
export function parseLabels(text: string): { labels: Record<string, string> } | { error: string } {
  const labels: Record<string, string> = {};
  const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  for (const line of lines) {
    const eq = line.indexOf('=');
    if (eq < 0) return { error: `"${line}": write key=value` };
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) return { error: keyProblem };
    if (!VALUE.test(value)) return { error: `"${key}": a value is at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit` };
    if (key in labels) return { error: `"${key}" is given twice` };
    labels[key] = value;
  }
  return { labels };
}
