/**
 * Semi UI 2 (the React 18 build we have) still calls `findDOMNode`, `render` and `unmountComponentAtNode`,
 * which React 19 removed. vite.config.ts points Semi's `react-dom` imports here: everything else is the real
 * react-dom, plus these three rebuilt on public APIs (fiber walk for class instances, createRoot + flushSync).
 */
import * as ReactDOM from 'react-dom';
import { createRoot, type Root } from 'react-dom/client';

export * from 'react-dom';

interface Fiber {
  stateNode: unknown;
  child: Fiber | null;
  sibling: Fiber | null;
}

/** The first host node rendered by a class component instance (or the node itself). */
export function findDOMNode(instance: unknown): Element | Text | null {
  if (instance == null) return null;
  if (instance instanceof Element || instance instanceof Text) return instance;
  const fiber = (instance as { _reactInternals?: Fiber })._reactInternals;
  const stack: (Fiber | null)[] = [fiber?.child ?? null];
  while (stack.length) {
    const f = stack.pop();
    if (!f) continue;
    if (f.stateNode instanceof Element || f.stateNode instanceof Text) return f.stateNode;
    stack.push(f.sibling, f.child);
  }
  return null;
}

const roots = new WeakMap<Element | DocumentFragment, Root>();

/** Legacy synchronous render: Semi reads refs right after it returns. */
export function render(
  element: React.ReactNode,
  container: Element | DocumentFragment,
  callback?: () => void,
): void {
  let root = roots.get(container);
  if (!root) {
    root = createRoot(container);
    roots.set(container, root);
  }
  ReactDOM.flushSync(() => root.render(element));
  callback?.();
}

export function unmountComponentAtNode(container: Element | DocumentFragment): boolean {
  const root = roots.get(container);
  if (!root) return false;
  roots.delete(container);
  root.unmount();
  return true;
}

export default { ...ReactDOM, findDOMNode, render, unmountComponentAtNode };
