import { loadConfig } from '../config.js';
import { openDatabase } from './client.js';
import { migrateDatabase } from './migrate.js';

// `npm run db:migrate`: apply migrations without starting the service.
const config = loadConfig();
const handle = await openDatabase(config.database);
try {
  await migrateDatabase(handle);
  console.log('migrations applied');
} finally {
  await handle.close();
}
