import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const src = new URL('../src/', import.meta.url).pathname;

async function sourceFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const nested = await Promise.all(
    entries.map((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : Promise.resolve(entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []))),
  );
  return nested.flat();
}

const importsOf = (text: string) => [...text.matchAll(/(?:from|import)\s*\(?\s*'([^']+)'/g)].map((match) => match[1]!);

async function importsByFile(layer: string): Promise<[string, string][]> {
  const found: [string, string][] = [];
  for (const file of await sourceFiles(join(src, layer))) {
    for (const target of importsOf(await readFile(file, 'utf8'))) found.push([relative(src, file), target]);
  }
  return found;
}

describe('dependency direction', () => {
  it('keeps the data layer below everything: it imports no other layer of the service', async () => {
    const offending = (await importsByFile('db')).filter(([, target]) => /^\.\.\/(presence|pubsub|graphql|http|callbacks)\//.test(target));
    expect(offending).toEqual([]);
  });

  it('lets writes reach subscriptions only through pubsub: the domain imports neither pubsub nor GraphQL', async () => {
    const offending = (await importsByFile('presence')).filter(([, target]) => /^\.\.\/(pubsub|graphql|http|callbacks)\//.test(target));
    expect(offending).toEqual([]);
  });

  it('keeps pubsub free of GraphQL and HTTP', async () => {
    const offending = (await importsByFile('pubsub')).filter(([, target]) => /^\.\.\/(graphql|http|callbacks)\/|^graphql(-yoga)?$|^@pothos\/|^fastify$/.test(target));
    expect(offending).toEqual([]);
  });

  it('keeps the data layer and the domain free of GraphQL and HTTP', async () => {
    const offending: string[] = [];
    for (const layer of ['db', 'presence']) {
      for (const file of await sourceFiles(join(src, layer))) {
        for (const target of importsOf(await readFile(file, 'utf8'))) {
          if (/(^|\/)(graphql|http|callbacks)(\/|$)|^graphql(-yoga)?$|^@pothos\/|^fastify$/.test(target)) {
            offending.push(`${relative(src, file)} imports ${target}`);
          }
        }
      }
    }
    expect(offending).toEqual([]);
  });
});
