// A real browser for the page tests: Debian's Chromium, headless, driven by
// playwright-core (which downloads nothing). Screenshots of every page a test
// looks at are kept in test-artifacts/, at a phone's width and a desktop's.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';

const REPO = new URL('../../', import.meta.url).pathname;
export const ARTIFACTS = join(REPO, 'test-artifacts');

/** The flags the browser tests run Chromium with (docs/testing.md). */
export const CHROMIUM_FLAGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run',
];

export const PHONE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 900 };

export async function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: process.env.HEARTH_CHROMIUM ?? '/usr/bin/chromium', args: CHROMIUM_FLAGS, headless: true });
}

/** A fresh page at a phone's width, with JavaScript off: the pages must work without it. */
export async function phonePage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ viewport: PHONE, javaScriptEnabled: false, isMobile: true, hasTouch: true });
  return context.newPage();
}

/** Saves the page as `<folder>/<name>-phone.png` and `-desktop.png`, full length, and puts the phone width back. */
export async function screenshots(page: Page, folder: string, name: string): Promise<string[]> {
  const dir = join(ARTIFACTS, folder);
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  for (const [label, size] of [['desktop', DESKTOP], ['phone', PHONE]] as const) {
    await page.setViewportSize(size);
    const file = join(dir, `${name}-${label}.png`);
    await page.screenshot({ path: file, fullPage: true });
    files.push(file);
  }
  return files;
}

/** Whether the page is wider than the phone's screen: text that would need sideways scrolling. */
export async function overflowsPhone(page: Page): Promise<boolean> {
  await page.setViewportSize(PHONE);
  // With JavaScript off in the page, Playwright still evaluates in a world of its own.
  const width = await page.evaluate('document.documentElement.scrollWidth');
  return typeof width === 'number' && width > PHONE.width;
}
