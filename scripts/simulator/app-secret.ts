import type { Config } from '../../src/config.js';

/** The app to play and the secret to sign with, from the service's own configuration. */
export function appSecretOf(config: Config, requestedAppId: string | undefined): { appId: string; secret: string } {
  const auth = config.callbackAuth;
  if (auth.mode === 'shared') return { appId: requestedAppId === undefined ? '1' : BigInt(requestedAppId).toString(), secret: auth.secret };
  if (requestedAppId === undefined) {
    const [appId, secret] = auth.apps.entries().next().value!;
    return { appId, secret };
  }
  const appId = BigInt(requestedAppId).toString();
  const secret = auth.apps.get(appId);
  if (secret === undefined) throw new Error(`--app-id ${appId} is not in ZEGO_APPS (${[...auth.apps.keys()].join(', ')})`);
  return { appId, secret };
}
