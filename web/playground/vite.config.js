import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { defineConfig } from 'vite';

const require = createRequire(import.meta.url);

// GraphiQL's fonts ship as CSS files with inlined woff2 data: URLs (no CDN),
// but with every unicode subset and italics they weigh ~360 KB. Keep only the
// upright Latin faces; anything else falls back to the generic family.
const FONTS_ID = 'virtual:graphiql-fonts.css';
function graphiqlFonts() {
  return {
    name: 'apiary-graphiql-fonts',
    resolveId(id) {
      return id === FONTS_ID ? '\0' + FONTS_ID : null;
    },
    load(id) {
      if (id !== '\0' + FONTS_ID) return null;
      const faces = [];
      for (const f of ['roboto.css', 'fira-code.css']) {
        const css = readFileSync(require.resolve('@graphiql/react/font/' + f), 'utf8');
        for (const m of css.matchAll(/@font-face\s*\{[^}]*\}/g)) {
          const face = m[0];
          if (/font-style:\s*normal/.test(face) && /unicode-range:\s*U\+0000-00FF/.test(face)) {
            faces.push(face);
          }
        }
      }
      if (faces.length === 0) throw new Error('no GraphiQL font faces found');
      return faces.join('\n');
    },
  };
}

export default defineConfig({
  // Relative asset URLs: the page is served by the Go binary under /playground/.
  base: './',
  plugins: [graphiqlFonts()],
  build: {
    outDir: '../dist/playground',
    emptyOutDir: true,
    sourcemap: false,
    reportCompressedSize: false,
    chunkSizeWarningLimit: 2000,
    rolldownOptions: {
      onLog(level, log, handler) {
        // radix-ui / react-compiler-runtime carry "use client" / "use no memo"
        // directives, which mean nothing in a client-only bundle.
        if (log.code === 'MODULE_LEVEL_DIRECTIVE') return;
        handler(level, log);
      },
    },
  },
  server: {
    // `npm run dev` against a locally running apiary.
    proxy: {
      '/graphql': 'http://127.0.0.1:8080',
      '/api': 'http://127.0.0.1:8080',
    },
  },
});
