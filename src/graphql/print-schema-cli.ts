import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { SCHEMA_FILE, schemaFileText } from './schema-file.js';
import { schema } from './schema.js';

await mkdir(dirname(SCHEMA_FILE), { recursive: true });
await writeFile(SCHEMA_FILE, schemaFileText(schema));
console.log(`wrote ${SCHEMA_FILE}`);
