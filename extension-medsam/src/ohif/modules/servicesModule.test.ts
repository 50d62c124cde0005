import { MEDSAM_SERVICE_REGISTRATION, getServicesModule, serviceConfiguration } from './servicesModule';

describe('the service registration', () => {
  it('registers under the name the panel and commands look up, with the app configuration', () => {
    const created = MEDSAM_SERVICE_REGISTRATION.create({ configuration: { modelBaseUrl: '/m/' } } as never);
    expect(MEDSAM_SERVICE_REGISTRATION.name).toBe('medsamService');
    expect(created.config.modelBaseUrl).toBe('/m/');
    expect(getServicesModule()).toEqual([MEDSAM_SERVICE_REGISTRATION]);
  });

  it("renames the viewer's segment when a target is chosen, and keeps the choice when the viewer cannot", () => {
    const renamed: unknown[] = [];
    const segmentationService = { setSegmentLabel: (...args: unknown[]) => renamed.push(args) };
    const services: Record<string, unknown> = { segmentationService };
    const service = MEDSAM_SERVICE_REGISTRATION.create({ servicesManager: { services } } as never);
    const liver = { id: 'liver', label: 'Liver' } as never;
    service.setSegmentTarget('seg-1', 2, liver);
    expect(renamed).toEqual([['seg-1', 2, 'Liver']]);
    services.segmentationService = {
      setSegmentLabel: () => {
        throw new Error('read-only');
      },
    };
    service.setSegmentTarget('seg-1', 3, liver);
    expect(Object.keys(service.getState().targets)).toEqual(['seg-1:2', 'seg-1:3']);
  });

  it('reads window.config.medsam, with the extension configuration winning', () => {
    expect(
      serviceConfiguration({
        appConfig: { medsam: { modelId: 'a', precision: 'fp16' } },
        configuration: { modelId: 'b' },
      }),
    ).toEqual({
      modelId: 'b',
      precision: 'fp16',
    });
  });
});
