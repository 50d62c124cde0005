export { LOW_RES_SIDE, liteMedsamMaskFromLogits, maskFromLowResLogits, medsamMaskFromLogits, sigmoidF32 } from './mask';
export { axisWeights, resizeBilinear, type AxisWeights } from './bilinear';
