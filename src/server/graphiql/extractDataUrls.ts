/**
 * Internal to `src/server/graphiql`: an esbuild plugin for `bundle.ts`.
 */
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';

import type { Plugin } from 'esbuild';

/** Media types of `data:` URLs that CSS files get as separate files. */
const DATA_URL_EXTENSIONS: Record<string, string> = {
  'font/woff2': '.woff2',
  'font/woff': '.woff',
  'font/ttf': '.ttf',
  'image/svg+xml': '.svg',
  'image/png': '.png',
};

const INLINE_PREFIX = 'graphiql-inline:';

/**
 * A `url(data:…)` in CSS, quoted or not, base64 or percent-encoded; the
 * groups come in threes (media type, `;base64`, payload) per quoting.
 */
const DATA_URL =
  /url\((?:"data:([^",;]+)(;base64)?,([^"]*)"|'data:([^',;]+)(;base64)?,([^']*)'|data:([^),;]+)(;base64)?,([^)]*))\)/g;

/**
 * An esbuild plugin that turns `data:` URLs in CSS (GraphiQL ships
 * its fonts that way) into files, so the page's policy can keep `font-src`
 * and `img-src` to 'self' instead of allowing `data:`. The files go to
 * `scratchDir` and esbuild's file loader gives them hashed names.
 */
export function extractDataUrls(scratchDir: string): Plugin {
  return {
    name: 'extract-data-urls',
    setup(pluginBuild) {
      pluginBuild.onResolve({ filter: /^graphiql-inline:/ }, (args) => ({
        path: join(scratchDir, args.path.slice(INLINE_PREFIX.length)),
      }));
      pluginBuild.onLoad({ filter: /\.css$/ }, async (args) => {
        const css = await readFile(args.path, 'utf8');
        if (!css.includes('data:')) return undefined;
        const files: Array<Promise<void>> = [];
        const contents = css.replace(
          DATA_URL,
          (whole, ...groups: Array<string | undefined>) => {
            const at = groups.findIndex((g, i) => i % 3 === 0 && g);
            const [type = '', base64, data = ''] = groups.slice(at, at + 3);
            const ext = DATA_URL_EXTENSIONS[type];
            if (!ext) return whole;
            const body = base64
              ? Buffer.from(data, 'base64')
              : Buffer.from(decodeURIComponent(data));
            const hash = createHash('sha256').update(body).digest('hex');
            const file = join(scratchDir, `inline-${hash.slice(0, 8)}${ext}`);
            files.push(writeFile(file, body));
            return `url(${INLINE_PREFIX}${basename(file)})`;
          },
        );
        await Promise.all(files);
        return { contents, loader: 'css' };
      });
    },
  };
}
