import { serverAudits } from 'graphql-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseTargets, type TestDatabase } from './support/databases.js';
import { startService, type TestService } from './support/service.js';

// The transport does not depend on the database, so the embedded one is enough here.
describe('GraphQL over HTTP conformance (graphql-http audits)', () => {
  let database: TestDatabase;
  let service: TestService;

  beforeAll(async () => {
    database = await databaseTargets()[0]!.create();
    service = await startService(database.handle);
  });
  afterAll(async () => {
    await service?.app.stop();
    await database?.dispose();
  });

  // Every requirement (MUST) and every recommendation (SHOULD); the optional (MAY) ones are left out.
  const audits = serverAudits({ url: () => `${service.url}/graphql`, fetchFn: fetch }).filter(
    (audit) => audit.name.startsWith('MUST') || audit.name.startsWith('SHOULD'),
  );

  it('has the MUST audits to run', () => {
    expect(audits.filter((audit) => audit.name.startsWith('MUST')).length).toBeGreaterThanOrEqual(13);
  });

  for (const audit of audits) {
    it(audit.name, async () => {
      const result = await audit.fn();
      expect(result.status, 'reason' in result ? String(result.reason) : undefined).toBe('ok');
    });
  }
});
