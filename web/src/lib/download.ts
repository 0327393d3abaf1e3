// Saving text the page made as a file in the browser's downloads.

/** Hands `text` to the browser as a download named `name`. */
export function saveFile(name: string, text: string, type = 'application/yaml'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  // Revoked later, not at once: the browser may still be reading it.
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
