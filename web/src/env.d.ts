// Lets TypeScript files import Svelte components (main.ts, the view registry). Their props are not
// seen from here: Record<string, unknown> lets a component stand where any props type is expected.
declare module '*.svelte' {
  import type { Component } from 'svelte';
  const component: Component<Record<string, unknown>>;
  export default component;
}

// Vite bundles imported stylesheets.
declare module '*.css';
