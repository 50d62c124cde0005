/**
 * The chart as PNG: the SVG rendered by the system's Chromium (Debian's, as the end-to-end tests use it) through
 * playwright-core. Never a downloaded browser: without Chromium the caller keeps the SVG alone and says so.
 */
import fs from 'node:fs';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** The few playwright-core calls used here (it is a devDependency, loaded on use). */
interface Page {
  setContent(html: string): Promise<void>;
  screenshot(o: { path: string; clip: { x: number; y: number; width: number; height: number } }): Promise<unknown>;
}
interface Browser {
  newPage(o: { viewport: { width: number; height: number } }): Promise<Page>;
  close(): Promise<void>;
}

/** Writes `pngFile`; returns null when done, else why not (Chromium or playwright-core missing, launch failure). */
export async function svgToPng(svg: string, pngFile: string): Promise<string | null> {
  if (!fs.existsSync(CHROMIUM_PATH)) return `Chromium not found at ${CHROMIUM_PATH} (set CHROMIUM_PATH)`;
  let chromium: { launch: (o: object) => Promise<Browser> };
  try {
    ({ chromium } = require('playwright-core'));
  } catch {
    return 'playwright-core is not installed';
  }
  const size = svg.match(/<svg[^>]*width="(\d+)"[^>]*height="(\d+)"/);
  const width = size ? Number(size[1]) : 800;
  const height = size ? Number(size[2]) : 600;
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: FLAGS });
    const page = await browser.newPage({ viewport: { width, height } });
    await page.setContent(`<!doctype html><html><body style="margin:0">${svg}</body></html>`);
    await page.screenshot({ path: pngFile, clip: { x: 0, y: 0, width, height } });
    return null;
  } catch (e) {
    return `Chromium could not render the chart: ${(e as Error).message.split('\n')[0]}`;
  } finally {
    await browser?.close().catch(() => undefined);
  }
}
