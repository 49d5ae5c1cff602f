import { findAppsWithData } from '../db/apps.js';
import type { Queryable } from '../db/client.js';
import { badUserInput } from './errors.js';

/**
 * The app an operation is about. `appId` may be left out while the service holds data of at most
 * one app, and then means that app; once a second app has data it must be given, or answers
 * would silently mix (or arbitrarily pick) apps. Null means no app has data yet: queries answer
 * with nothing, and a subscription follows whichever app's events arrive first.
 */
export async function resolveAppId(db: Queryable, appId: string | null | undefined): Promise<string | null> {
  if (appId != null) return appId;
  const apps = await findAppsWithData(db);
  if (apps.count === 'several') {
    throw badUserInput('appId', 'appId is required: this service holds data of more than one app');
  }
  return apps.count === 1 ? apps.appId : null;
}
