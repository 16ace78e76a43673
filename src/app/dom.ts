/** Small page helpers shared by the tabs. */

/** The element with this id; throws when the page lacks it (a broken index.html, not user input). */
export function el<T extends HTMLElement>(id: string): T {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page: #${id} missing`);
  return e as T;
}

/** Resolve on the next animation frame (or macrotask without one): lets the page draw between GPU chunks. */
export const nextFrame = (): Promise<void> => new Promise<void>((r) => (typeof requestAnimationFrame === 'function' ? requestAnimationFrame(() => r()) : setTimeout(r, 0)));

/** A status line: `say(text, error?)` sets its text and style. */
export function statusLine(box: HTMLElement, onSay?: (text: string, error: boolean) => void): (text: string, error?: boolean) => void {
  return (text, error = false) => {
    box.textContent = text;
    box.className = `message ${error ? 'error' : 'info'}`;
    onSay?.(text, error);
  };
}
