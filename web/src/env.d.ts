// Lets TypeScript files import Svelte components; the components' own types are checked by Svelte's compiler.
declare module '*.svelte' {
  import type { Component } from 'svelte';
  const component: Component<Record<string, never>>;
  export default component;
}

// Vite bundles imported stylesheets.
declare module '*.css';
