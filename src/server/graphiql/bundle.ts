/**
 * Builds GraphiQL's browser bundle with esbuild: the page script and its
 * CSS, Monaco's three workers as separate scripts, the fonts the CSS names
 * and the favicon, all with content-hashed names, precompressed, and listed
 * in `manifest.json` for the handler. Run by `npm run build`.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import {
  mkdir,
  mkdtemp,
  readFile,
  rename,
  rm,
  writeFile,
} from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';

import { build } from 'esbuild';

import { createLogger } from '../../logger.js';
import {
  MANIFEST_FILE,
  type Encoding,
  type GraphiqlManifest,
} from './assets.js';
import { extractDataUrls } from './extractDataUrls.js';

/** Options of {@link bundleGraphiql}. */
export interface BundleOptions {
  /** The package root, holding `node_modules` and `src`. */
  rootDir: string;
  /**
   * Where the bundle goes, replacing what is there.
   * @default `dist/graphiql` under `rootDir`
   */
  outDir?: string | undefined;
}

/** What one built file weighs, for the build log. */
export interface BundledFile {
  name: string;
  bytes: number;
  gzipBytes?: number | undefined;
  brBytes?: number | undefined;
}

const CONTENT_TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
};

/** Text formats worth compressing; fonts other than TTF already are. */
const COMPRESSIBLE = new Set(['.js', '.css', '.svg', '.ttf']);

/** Monaco's worker entry points, by the label Monaco asks for. */
const WORKERS = {
  editor: 'monaco-editor/esm/vs/editor/editor.worker.js',
  json: 'monaco-editor/esm/vs/language/json/json.worker.js',
  graphql: 'monaco-graphql/esm/graphql.worker.js',
} as const;

/** Builds the bundle and writes its manifest; returns the files' sizes. */
export async function bundleGraphiql(
  options: BundleOptions,
): Promise<BundledFile[]> {
  const outDir = options.outDir ?? join(options.rootDir, 'dist', 'graphiql');
  // Build beside the old bundle and swap folders at the end, so a gateway
  // reading `outDir` meanwhile finds the old bundle or the new one.
  const staging = `${outDir}.${process.pid}.new`;
  const retired = `${outDir}.${process.pid}.old`;
  const scratchDir = await mkdtemp(join(tmpdir(), 'graphiql-bundle-'));
  try {
    await rm(staging, { recursive: true, force: true });
    await mkdir(staging, { recursive: true });
    const files = await buildInto(options.rootDir, staging, scratchDir);
    await rename(outDir, retired).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
    });
    await rename(staging, outDir);
    return files;
  } finally {
    await Promise.all(
      [scratchDir, staging, retired].map((dir) =>
        rm(dir, { recursive: true, force: true }),
      ),
    );
  }
}

async function buildInto(
  rootDir: string,
  outDir: string,
  scratchDir: string,
): Promise<BundledFile[]> {
  const pageDir = join(rootDir, 'src', 'server', 'graphiql', 'page');

  const result = await build({
    absWorkingDir: rootDir,
    entryPoints: {
      page: join(pageDir, 'main.tsx'),
      ...Object.fromEntries(
        Object.entries(WORKERS).map(([label, path]) => [
          `${label}.worker`,
          path,
        ]),
      ),
    },
    outdir: outDir,
    entryNames: '[name]-[hash]',
    assetNames: '[name]-[hash]',
    bundle: true,
    // Classic scripts: workers start with `new Worker(url)`, no module type.
    format: 'iife',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    minify: true,
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    loader: {
      '.ttf': 'file',
      '.woff': 'file',
      '.woff2': 'file',
      '.svg': 'file',
      '.png': 'file',
    },
    plugins: [extractDataUrls(scratchDir)],
    metafile: true,
    logLevel: 'warning',
  });

  const outputs = Object.entries(result.metafile.outputs).map(
    ([path, output]) => ({
      name: relative(outDir, join(rootDir, path)),
      entryPoint: output.entryPoint,
    }),
  );
  const entryName = (entry: string, ext: string): string => {
    const found = outputs.find(
      (o) =>
        o.entryPoint &&
        join(rootDir, o.entryPoint).includes(entry) &&
        o.name.endsWith(ext),
    );
    if (!found) throw new Error(`esbuild wrote no ${ext} file for ${entry}.`);
    return found.name;
  };
  const pageCss = outputs.find(
    (o) => o.name.startsWith('page-') && o.name.endsWith('.css'),
  );
  if (!pageCss) throw new Error('esbuild wrote no CSS for the page.');

  const favicon = await copyHashed(join(pageDir, 'favicon.svg'), outDir);
  const names = [...outputs.map((o) => o.name), favicon];
  const manifest: GraphiqlManifest = {
    script: entryName(join(pageDir, 'main.tsx'), '.js'),
    style: pageCss.name,
    favicon,
    workers: {
      editor: entryName(WORKERS.editor, '.js'),
      json: entryName(WORKERS.json, '.js'),
      graphql: entryName(WORKERS.graphql, '.js'),
    },
    files: {},
  };
  const sizes = await Promise.all(
    names.map(async (name) => {
      const ext = extname(name);
      const contentType = CONTENT_TYPES[ext];
      if (!contentType) {
        throw new Error(`No content type known for ${name} (${ext}).`);
      }
      const compressed = COMPRESSIBLE.has(ext)
        ? await precompress(join(outDir, name))
        : {};
      manifest.files[name] = {
        contentType,
        encodings: Object.keys(compressed) as Encoding[],
      };
      const body = await readFile(join(outDir, name));
      return {
        name,
        bytes: body.length,
        gzipBytes: compressed.gzip,
        brBytes: compressed.br,
      };
    }),
  );
  await writeFile(
    join(outDir, MANIFEST_FILE),
    `${JSON.stringify(manifest, null, 2)}\n`,
  );
  return sizes;
}

// Private: copies a file under a content-hashed name, like esbuild's own.
async function copyHashed(path: string, outDir: string): Promise<string> {
  const body = await readFile(path);
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 8);
  const ext = extname(path);
  const name = `${basename(path, ext)}-${hash.toUpperCase()}${ext}`;
  await writeFile(join(outDir, name), body);
  return name;
}

// Private: writes `.br` and `.gz` beside a file, returning their sizes.
async function precompress(
  path: string,
): Promise<Partial<Record<Encoding, number>>> {
  const body = await readFile(path);
  const [br, gz] = await Promise.all([
    promisify(brotliCompress)(body, {
      params: {
        [constants.BROTLI_PARAM_QUALITY]: 10,
        [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      },
    }),
    promisify(gzip)(body, { level: 9 }),
  ]);
  await Promise.all([writeFile(`${path}.br`, br), writeFile(`${path}.gz`, gz)]);
  return { br: br.length, gzip: gz.length };
}

/** The package root: the nearest folder above this file with package.json. */
function findRootDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) {
    dir = dirname(dir);
  }
  return dir;
}

if (
  process.argv[1] &&
  import.meta.url === pathToFileURL(process.argv[1]).href
) {
  const logger = createLogger();
  const files = await bundleGraphiql({ rootDir: findRootDir() });
  const sum = (pick: (file: BundledFile) => number | undefined) =>
    files.reduce((total, file) => total + (pick(file) ?? file.bytes), 0);
  logger.info(
    {
      files: files.length,
      bytes: sum((file) => file.bytes),
      brBytes: sum((file) => file.brBytes),
    },
    'GraphiQL bundle built',
  );
}
