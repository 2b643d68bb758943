import { defineConfig } from 'vite';
import { svelte } from '@sveltejs/vite-plugin-svelte';

// The UI is served by Tauri from ui/dist; no dev server is needed for a build.
export default defineConfig({
  plugins: [svelte()],
  clearScreen: false,
  build: { target: 'es2022', outDir: 'dist', emptyOutDir: true, sourcemap: false },
});
