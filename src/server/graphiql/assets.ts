/**
 * Internal to `src/server/graphiql`: the shape of the built bundle and how
 * the handler reads it from disk.
 */
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** URL path prefix of every bundle file. */
export const ASSETS_PATH = '/graphiql/';

/** File name (relative to `assetsDir`) the bundler writes its index to. */
export const MANIFEST_FILE = 'manifest.json';

/** Content encodings the bundler precompresses files with. */
export type Encoding = 'br' | 'gzip';

/**
 * What the bundler built: the page's entry files and every file it may
 * serve, by name under {@link ASSETS_PATH}. Names carry a content hash.
 */
export interface GraphiqlManifest {
  script: string;
  style: string;
  favicon: string;
  /** Monaco worker scripts by the label Monaco asks for. */
  workers: { editor: string; json: string; graphql: string };
  files: Record<string, { contentType: string; encodings: Encoding[] }>;
}

/** One servable file, held in memory with its precompressed forms. */
export interface Asset {
  contentType: string;
  etag: string;
  body: Buffer;
  br?: Buffer | undefined;
  gzip?: Buffer | undefined;
}

/** The loaded bundle. */
export interface Assets {
  manifest: GraphiqlManifest;
  files: Map<string, Asset>;
}

/**
 * The default bundle folder, `dist/graphiql` beside this package's
 * `package.json`, found by walking up so it is the same whether this module
 * runs compiled from `dist/` or as source under a test runner.
 */
export function defaultAssetsDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return join(dir, 'dist', 'graphiql');
}

/**
 * Reads the manifest and every file it lists into memory (a few MB), so
 * requests never touch the disk. Fails with the folder and the command that
 * builds the bundle when the manifest is missing.
 */
export async function loadAssets(assetsDir?: string): Promise<Assets> {
  const dir = resolve(assetsDir ?? defaultAssetsDir());
  let manifest: GraphiqlManifest;
  try {
    const text = await readFile(join(dir, MANIFEST_FILE), 'utf8');
    manifest = JSON.parse(text) as GraphiqlManifest;
  } catch (err) {
    throw new Error(
      `GraphiQL is enabled but its bundle is missing: expected ` +
        `${join(dir, MANIFEST_FILE)}, found none. Run \`npm run build\`.`,
      { cause: err },
    );
  }
  const files = new Map<string, Asset>();
  await Promise.all(
    Object.entries(manifest.files).map(async ([name, entry]) => {
      const body = await readFile(join(dir, name));
      const read = (encoding: Encoding) =>
        entry.encodings.includes(encoding)
          ? readFile(join(dir, `${name}.${encoding === 'br' ? 'br' : 'gz'}`))
          : undefined;
      files.set(name, {
        contentType: entry.contentType,
        etag: `"${createHash('sha1').update(body).digest('base64url')}"`,
        body,
        br: await read('br'),
        gzip: await read('gzip'),
      });
    }),
  );
  return { manifest, files };
}
