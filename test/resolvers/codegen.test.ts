import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';

import config from '../../codegen.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const GENERATED = 'src/generated/graphql.ts';

describe('Resolvers: generated types', () => {
  it('match what codegen makes of the schema today', async () => {
    const outputs = await generate(
      { ...config, cwd: ROOT, silent: true },
      false,
    );
    const fresh = outputs.find((output: { filename: string }) =>
      output.filename.endsWith(GENERATED),
    );
    expect(
      fresh,
      'codegen.ts generates src/generated/graphql.ts',
    ).toBeDefined();
    const committed = readFileSync(
      new URL(`../../${GENERATED}`, import.meta.url),
      'utf8',
    );
    expect(
      committed === fresh!.content,
      `${GENERATED} is stale: run npm run codegen`,
    ).toBe(true);
  }, 60_000);
});
