/** Entry point: mounts the explorer. */
import { mount } from 'svelte';
import App from './App.svelte';
import './app.css';
import { registerOffline } from './lib/offline.js';

const target = document.getElementById('app');
if (!target) throw new Error('index.html has no #app element');
mount(App, { target });
registerOffline();
