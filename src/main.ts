import { createApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';

// The process entry point: everything else is built by createApp and can run inside a test.
let config;
try {
  config = loadConfig();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}

const app = createApp(config);
const running = await app.start();
running.http.log.info({ url: running.url, database: config.database.kind }, 'presence service listening');

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    running.http.log.info({ signal }, 'shutting down');
    app.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        running.http.log.error({ err: error }, 'shutdown failed');
        process.exit(1);
      },
    );
  });
}
