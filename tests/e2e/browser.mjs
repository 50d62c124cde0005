// Debian's Chromium driven by playwright-core (never `npx playwright install`: its browser downloads are
// not reachable here, and the Debian build is what a site's CI can install through apt).
import { chromium } from 'playwright-core';

export const CHROMIUM_PATH = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export function launchBrowser(extraArgs = []) {
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: [...CHROMIUM_FLAGS, ...extraArgs] });
}

/**
 * Chromium with WebGPU on its software adapter (SwiftShader): functional tests of the WebGPU path on machines without
 * a GPU. '--disable-gpu' would remove the adapter, so it is left out here.
 */
export const WEBGPU_FLAGS = ['--enable-unsafe-webgpu', '--use-webgpu-adapter=swiftshader'];

export function launchWebGpuBrowser() {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: [...CHROMIUM_FLAGS.filter(f => f !== '--disable-gpu'), ...WEBGPU_FLAGS],
  });
}

/**
 * A page that records every request and aborts (and reports) those that would leave `origin`.
 * data: and blob: URLs stay in the page and are allowed.
 */
export async function newGuardedPage(browser, origin, { viewport = { width: 1400, height: 900 } } = {}) {
  const context = await browser.newContext({ viewport });
  const requests = [];
  const offOrigin = [];
  const consoleErrors = [];
  const pageErrors = [];
  await context.route('**/*', route => {
    const url = route.request().url();
    requests.push(url);
    if (url.startsWith(origin + '/') || url === origin || url.startsWith('data:') || url.startsWith('blob:')) {
      return route.continue();
    }
    if (!offOrigin.includes(url)) offOrigin.push(url);
    return route.abort('blockedbyclient');
  });
  const page = await context.newPage();
  // Requests that bypass routing (workers, beacons) still show up here.
  page.on('request', req => {
    const url = req.url();
    if (!(url.startsWith(origin) || url.startsWith('data:') || url.startsWith('blob:')) && !offOrigin.includes(url))
      offOrigin.push(url);
  });
  page.on('console', msg => {
    if (msg.type() === 'error') consoleErrors.push(msg.text());
  });
  page.on('pageerror', err => pageErrors.push(err.message));
  // OHIF's "investigational use" notice is acknowledged as a user would (session storage), so it does
  // not cover the viewport; and cornerstone renders of a loaded image are counted (the first renders of a
  // viewport draw no image yet). Capture phase: the render event does not bubble.
  await context.addInitScript(() => {
    sessionStorage.setItem('investigationalUseDialog', 'hidden');
    window.__medsamImageRenders = 0;
    window.addEventListener(
      'CORNERSTONE_IMAGE_RENDERED',
      event => {
        const viewport = window.cornerstone?.getEnabledElement?.(event.target)?.viewport;
        if (viewport?.getCornerstoneImage?.() || viewport?.getImageData?.()) window.__medsamImageRenders += 1;
      },
      true,
    );
  });
  return { context, page, requests, offOrigin, consoleErrors, pageErrors };
}
