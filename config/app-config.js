/** @type {AppTypes.Config} */
// OHIF Viewer 3.x configuration served by `npm start` (scripts/start.mjs) as /app-config.js, in place of the
// prebuilt viewer's own. The MedSAM extension and mode are ES modules loaded at run time by URL: an existing
// OHIF 3.x site needs only the two `medsam-plugin` lines below (and the built folders copied beside its
// index.html, plus the cross-origin isolation headers; see the README's deployment section).
//
// DICOMweb goes through the same origin (/dicom-web, proxied by the server to Orthanc or to DICOMWEB_URL):
// the archive needs no CORS and the page no request to another origin.
(function () {
  const base = window.PUBLIC_URL || '/';
  const dicomweb = window.location.origin + base + 'dicom-web';

  window.config = {
    name: 'medsam-for-ohif',
    routerBasename: null,
    extensions: [base + 'medsam-plugin/extension-medsam/index.js'],
    modes: [base + 'medsam-plugin/mode-medsam/index.js'],
    customizationService: {},
    showStudyList: true,
    maxNumberOfWebWorkers: 3,
    showWarningMessageForCrossOrigin: false,
    showCPUFallbackMessage: true,
    showLoadingIndicator: true,
    strictZSpacingForVolumeViewport: true,
    groupEnabledModesFirst: true,
    defaultDataSourceName: 'dicomweb',
    dataSources: [
      {
        namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
        sourceName: 'dicomweb',
        configuration: {
          friendlyName: 'DICOMweb (same-origin proxy)',
          name: 'dicomweb',
          wadoUriRoot: dicomweb,
          qidoRoot: dicomweb,
          wadoRoot: dicomweb,
          qidoSupportsIncludeField: false,
          supportsReject: false,
          imageRendering: 'wadors',
          thumbnailRendering: 'wadors',
          enableStudyLazyLoad: true,
          supportsFuzzyMatching: false,
          supportsWildcard: true,
          dicomUploadEnabled: false,
          singlepart: 'bulkdata,video',
          omitQuotationForMultipartRequest: true,
          bulkDataURI: { enabled: true, relativeResolution: 'studies' },
        },
      },
    ],
    // Settings read by the MedSAM extension (appConfig.medsam).
    medsam: {
      // Where the model manifest and model files are served from (same origin by default): the folder that holds
      // manifest.json, or the manifest's own URL.
      modelBaseUrl: base + 'medsam-models/',
      // modelId: 'medsam-vit-b',          // default: the first non-test model of the manifest, else a test model
      // precision: 'fp32',                 // 'fp16' / 'int8' where the manifest has them
      // executionProviders: ['webgpu', 'wasm'], // default: WebGPU when the browser has it, else WASM (automatic fallback)
      // numThreads: 4,                     // WASM threads; default navigator.hardwareConcurrency
      // allowUrlOverrides: false,          // ignore ?medsamModel= / ?medsamProvider= in the page URL
    },
  };
})();
