import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { chromium, type Browser } from 'playwright-core';

/** Debian's Chromium, driven by playwright-core (which downloads no browser of its own). */

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

// Without the background-networking flags Chromium keeps calling Google's hosts, which this
// network refuses; Playwright adds a fresh profile directory of its own on every launch.
const FLAGS = ['--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`no Chromium at ${CHROMIUM}: install Debian's package (apt-get install -y chromium), as .ci/run does`);
  }
  return chromium.launch({ executablePath: CHROMIUM, headless: true, chromiumSandbox: false, args: FLAGS });
}

/** Where tests leave files worth looking at (git-ignored). */
export async function artifactPath(name: string): Promise<string> {
  const dir = new URL('../../test-artifacts/', import.meta.url).pathname;
  await mkdir(dir, { recursive: true });
  return `${dir}${name}`;
}
