// xterm.js draws with <style> elements it writes at run time (theme colours, cell sizes). The
// server's Content-Security-Policy (`style-src 'self'`) rightly refuses inline styles, so their
// text is carried into constructed stylesheets instead, which the policy does not govern (they
// come from the app's own script).

/** Mirrors the text of every <style> under `root` into the document's stylesheets; returns the undo. */
export function mirrorInlineStyles(root: HTMLElement): () => void {
  const sheets = new Map<HTMLStyleElement, CSSStyleSheet>();
  const sheetText = new WeakMap<CSSStyleSheet, string>();
  const sync = () => {
    const present = new Set(root.querySelectorAll('style'));
    for (const [element, sheet] of sheets) {
      if (present.has(element)) continue;
      sheets.delete(element);
      document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== sheet);
    }
    for (const element of present) {
      let sheet = sheets.get(element);
      if (!sheet) {
        sheet = new CSSStyleSheet();
        sheets.set(element, sheet);
        document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
      }
      const text = element.textContent ?? '';
      if (sheetText.get(sheet) !== text) {
        sheet.replaceSync(text);
        sheetText.set(sheet, text);
      }
    }
  };
  // Rows change on every frame; only changes that touch a <style> matter.
  const touchesStyle = (record: MutationRecord) =>
    record.target.nodeName === 'STYLE' ||
    record.target.parentNode?.nodeName === 'STYLE' ||
    [...record.addedNodes, ...record.removedNodes].some((n) => n.nodeName === 'STYLE');
  const observer = new MutationObserver((records) => {
    if (records.some(touchesStyle)) sync();
  });
  observer.observe(root, { childList: true, subtree: true, characterData: true });
  sync();
  return () => {
    observer.disconnect();
    const mine = new Set(sheets.values());
    document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => !mine.has(s));
    sheets.clear();
  };
}
