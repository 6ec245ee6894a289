import react from '@vitejs/plugin-react';
import { resolve } from 'node:path';
import { defineConfig } from 'vite';
import { bitbucketSimulator } from '../simulator-plugin.ts';

// Two pages: the app, and the dedicated callback page (safest: nothing else runs where the token arrives).
export default defineConfig({
  server: { port: 5174, strictPort: true },
  build: {
    rolldownOptions: {
      input: { main: resolve(import.meta.dirname, 'index.html'), callback: resolve(import.meta.dirname, 'oauth-callback.html') },
    },
  },
  plugins: [react(), bitbucketSimulator()],
});
