import { hostSupportProblems, TESTED_OHIF, unsupportedHostMessage } from './hostSupport';

const f = () => undefined;
/** What OHIF 3.11 to 3.14 have (the parts MedSAM uses). */
function supportedHost() {
  const cs = {
    core: { cache: { getImage: f } },
    tools: {
      LabelmapBaseTool: class {},
      addTool: f,
      segmentation: {
        getLabelmapImageIdsForImageId: f,
        triggerSegmentationEvents: { triggerSegmentationDataModified: f },
      },
    },
  };
  const services: Record<string, any> = {
    segmentationService: { getActiveSegmentation: f, getActiveSegment: f, addSegment: f, getSegmentations: f },
    displaySetService: { getDisplaySetByUID: f },
    viewportGridService: { getActiveViewportId: f },
    toolGroupService: { getToolGroup: f },
  };
  return { cs, services };
}

describe('host support (feature detection)', () => {
  it('finds nothing missing on a viewer with every part', () => {
    const { cs, services } = supportedHost();
    expect(hostSupportProblems(cs, services)).toEqual([]);
  });

  it('names each missing part: a cornerstone3D 1.x viewer without labelmap tools, no segmentation service', () => {
    const { cs, services } = supportedHost();
    delete (cs.tools as Record<string, unknown>).LabelmapBaseTool;
    cs.tools.segmentation = {} as never;
    delete services.segmentationService;
    const missing = hostSupportProblems(cs, services);
    expect(missing).toEqual([
      'cornerstone3D tools LabelmapBaseTool (cornerstone3D 2 or later)',
      'cornerstone3D labelmap images per source image (segmentation.getLabelmapImageIdsForImageId)',
      'cornerstone3D segmentation events',
      'segmentationService.getActiveSegmentation',
      'segmentationService.getActiveSegment',
      'segmentationService.addSegment',
      'segmentationService.getSegmentations',
    ]);
    const message = unsupportedHostMessage(missing);
    expect(message).toMatch(/^MedSAM cannot run in this viewer: it lacks cornerstone3D tools LabelmapBaseTool/);
    expect(message).toContain(TESTED_OHIF);
  });

  it('accepts the per-viewport labelmap lookup where the per-image one is absent', () => {
    const { cs, services } = supportedHost();
    cs.tools.segmentation = {
      state: { getCurrentLabelmapImageIdForViewport: f },
      triggerSegmentationEvents: { triggerSegmentationDataModified: f },
    } as never;
    expect(hostSupportProblems(cs, services)).toEqual([]);
  });
});
