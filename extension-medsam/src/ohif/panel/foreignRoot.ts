import type { ReactElement } from 'react';
import { createRoot, type Root } from 'react-dom/client';

/**
 * A React 18 element as the host's React sees it: a plain object tagged with Symbol.for('react.element').
 * The host React (OHIF's copy) renders it as an empty <div>; our React (a second copy, bundled) owns
 * everything inside. Hooks cannot cross two React copies, so the panel never renders with the host's React.
 */
export interface ForeignRootElement {
  $$typeof: symbol;
  type: 'div';
  key: null;
  ref: (element: HTMLElement | null) => void;
  props: Record<string, unknown>;
  _owner: null;
  _store: Record<string, unknown>;
}

const REACT_ELEMENT_TYPE = Symbol.for('react.element');
const roots = new WeakMap<HTMLElement, Root>();

/** The root we mounted in `container`, if any (for tests and for cleanup). */
export function foreignRootOf(container: HTMLElement): Root | undefined {
  return roots.get(container);
}

/**
 * Returns an element for the host to render; its ref callback mounts (or updates) our own React root inside
 * the host's <div> with `render()`.
 */
export function foreignRootElement(
  render: () => ReactElement,
  containerProps: Record<string, unknown> = {},
): ForeignRootElement {
  let mountedIn: HTMLElement | null = null;
  const ref = (element: HTMLElement | null): void => {
    if (element) {
      mountedIn = element;
      let root = roots.get(element);
      if (!root) {
        root = createRoot(element);
        roots.set(element, root);
      }
      root.render(render());
      return;
    }
    const left = mountedIn;
    mountedIn = null;
    if (!left) return;
    // The host calls ref(null) when it unmounts the panel, and also when a re-render swaps in a new ref
    // callback for the same <div>. Unmount only once the <div> has really left the document, and outside
    // the host's commit phase (React forbids unmounting a root synchronously while another one renders).
    setTimeout(() => {
      if (left.isConnected) return;
      roots.get(left)?.unmount();
      roots.delete(left);
    }, 0);
  };
  return { $$typeof: REACT_ELEMENT_TYPE, type: 'div', key: null, ref, props: containerProps, _owner: null, _store: {} };
}
